"""The scale-out profile's backing services, for tests: PostgreSQL, Redis and RabbitMQ on this machine's usual
local ports (TEST_POSTGRES_URL, TEST_REDIS_URL, TEST_AMQP_URL override them), a check that they answer, and
uniquely named databases, exchanges and queues that a test removes when it is done."""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import contextmanager
from typing import Iterator, List

import aio_pika
import pytest
import redis
from sqlalchemy import create_engine, make_url, text

from scripts.stack import ensure_database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def unique_name(prefix: str) -> str:
    """Lowercase letters, digits and underscores: valid, unquoted, as a database, queue or exchange name."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _postgres() -> None:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as db:
            db.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def _redis() -> None:
    redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()


async def _rabbitmq() -> None:
    connection = await aio_pika.connect(AMQP_URL, timeout=5)
    await connection.close()


def _where(url: str) -> str:
    return url.split("@")[-1]  # no credentials in a skip message


def skip_unless_reachable(*services: str) -> None:
    """Skip, saying which one and why, when a service ("postgres", "redis", "rabbitmq") does not answer."""
    checks = {"postgres": (_postgres, POSTGRES_URL), "redis": (_redis, REDIS_URL),
              "rabbitmq": (lambda: asyncio.run(_rabbitmq()), AMQP_URL)}
    missing: List[str] = []
    for service in services:
        check, url = checks[service]
        try:
            check()
        except Exception as error:  # any failure to answer means: not here
            missing.append(f"{service} at {_where(url)}: {error}")
    if missing:
        pytest.skip("the scale-out profile needs these local services: " + "; ".join(missing))


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database; its SQLAlchemy URL (psycopg 3); dropped afterwards, whoever is still connected."""
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    ensure_database(url)
    try:
        yield url
    finally:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as db:
                db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


async def bind_queue(exchange: str, queue: str) -> None:
    """Declare the fanout exchange and a durable queue on it, exactly as Rasa's pika broker declares them."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        fanout = await channel.declare_exchange(exchange, type=aio_pika.ExchangeType.FANOUT)
        bound = await channel.declare_queue(queue, durable=True)
        await bound.bind(fanout, "")


async def remove(exchange: str, queues: List[str]) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)


async def drain(queue: str, quiet_s: float = 2.0) -> List[bytes]:
    """Every message in a queue, in order, acknowledged; done once none has come for `quiet_s`."""
    bodies: List[bytes] = []
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        source = await channel.declare_queue(queue, durable=True)
        loop = asyncio.get_running_loop()
        last = loop.time()
        while loop.time() - last < quiet_s:
            message = await source.get(fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            bodies.append(message.body)
            await message.ack()
            last = loop.time()
    return bodies
