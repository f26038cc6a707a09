"""Rasa's events from RabbitMQ, read by the desk in the scale-out profile (bot/endpoints.scale.yml).

Rasa's pika event broker publishes every event of every conversation, as JSON, to a fanout exchange bound to the
desk's durable queue. Unlike the SQL table, the queue keeps what arrives while the desk is down, so the desk
catches up after a restart. A message is acknowledged only after the desk has handled it: one the desk did not
finish is delivered again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import AsyncIterator

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

log = logging.getLogger(__name__)


class AMQPEventFeed:
    def __init__(self, url: str, queue: str, prefetch: int = 100):
        self.url = url
        self.queue = queue
        self.prefetch = prefetch

    async def events(self) -> AsyncIterator[dict]:
        connection = await aio_pika.connect_robust(self.url)
        arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()  # at most `prefetch` unacknowledged
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            # Declared as Rasa declares it, so whichever starts first creates it; Rasa binds it to its exchange.
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.consume(arrived.put)
            while True:
                message = await arrived.get()
                try:
                    event = json.loads(message.body)
                except ValueError:
                    event = None
                if not isinstance(event, dict):
                    log.warning("skipped an unreadable broker event")
                    await message.ack()
                    continue
                yield event  # the desk handles it before the next line runs
                await message.ack()
        finally:
            # Closing the connection ends the consumer as well (no extra round trip while the desk stops), and
            # RabbitMQ delivers again whatever was not acknowledged.
            await connection.close()
