"""Rasa's event broker, read by the desk: every event of every conversation, in order.

The embedded default is Rasa's SQL event broker writing to SQLite (bot/endpoints.yml); this reads new rows of its
`events` table. The desk starts at the newest row: it needs the broker for what happens from now on (a shopper
writing while an agent owns the conversation, leaving the queue, rating), not for history, which it reads from
Rasa's tracker. The scale-out profile reads a RabbitMQ queue instead (desk/feed_amqp.py); `open_feed` picks by URL.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import AsyncIterator

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from desk.feed_amqp import AMQPEventFeed

log = logging.getLogger(__name__)


def open_feed(url: str, queue: str, poll_s: float) -> "SQLEventFeed | AMQPEventFeed":
    """RabbitMQ for an amqp:// URL (the queue Rasa's pika broker fills), else Rasa's SQL broker table at `url`."""
    if url.startswith(("amqp://", "amqps://")):
        return AMQPEventFeed(url, queue)
    return SQLEventFeed(url, poll_s)


class SQLEventFeed:
    def __init__(self, url: str, poll_s: float = 0.2, batch: int = 500):
        connect_args = {"check_same_thread": False, "timeout": 5} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, connect_args=connect_args)
        self.poll_s = poll_s
        self.batch = batch
        self.last_id: int | None = None

    def _fetch(self) -> list[tuple[int, str]]:
        with self.engine.connect() as db:
            if self.last_id is None:
                self.last_id = db.execute(text("SELECT COALESCE(MAX(id), 0) FROM events")).scalar_one()
                return []
            rows = db.execute(text("SELECT id, data FROM events WHERE id > :last ORDER BY id LIMIT :n"),
                              {"last": self.last_id, "n": self.batch}).all()
        if rows:
            self.last_id = rows[-1][0]
        return [(row[0], row[1]) for row in rows]

    async def events(self) -> AsyncIterator[dict]:
        while True:
            try:
                rows = await asyncio.to_thread(self._fetch)
            except (OperationalError, ProgrammingError) as error:  # Rasa has not created the table yet
                log.debug("event broker table not readable yet: %s", error)
                rows = []
            for _, data in rows:
                try:
                    yield json.loads(data)
                except (TypeError, ValueError):
                    log.warning("skipped an unreadable broker event")
            if len(rows) < self.batch:
                await asyncio.sleep(self.poll_s)
