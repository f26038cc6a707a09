"""The desk follows Rasa's events from RabbitMQ (desk/feed_amqp.py, the scale-out profile) exactly as it follows
Rasa's SQL event broker table (desk/feed.py, the embedded default): the same Rasa-shaped events, published each
way, count the conversation, let a waiting shopper leave the queue and record a rating.

The scale-out case runs on the machine's RabbitMQ and PostgreSQL (a queue, an exchange and a database of its own,
removed afterwards); Rasa's HTTP API, which the desk calls back, is a small recording stand-in."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Awaitable, Callable, Dict, List

import aio_pika
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select

from desk import handoffs
from desk.app import make_app
from desk.db import conversations
from desk.state import DESK, Settings
from scripts.stack import STORE_DIR
from tests.scale import services


def user_event(sender: str, text: str, intent: str, entities: List[dict] = ()) -> dict:
    """A user message as Rasa's event brokers publish it (UserUttered.as_dict() plus the sender)."""
    message_id = uuid.uuid4().hex
    parse = {"intent": {"name": intent, "confidence": 0.97}, "entities": list(entities), "text": text,
             "message_id": message_id, "metadata": {}, "intent_ranking": [{"name": intent, "confidence": 0.97}]}
    return {"sender_id": sender, "event": "user", "timestamp": time.time(), "metadata": {"model_id": "test"},
            "text": text, "parse_data": parse, "input_channel": "rest", "message_id": message_id}


@dataclass
class Profile:
    """Where the desk keeps its tables and how Rasa's events reach it, in one profile."""

    database_url: str
    events_url: str
    queue: str
    publish: Callable[[List[bytes]], Awaitable[None]]


def embedded(tmp_path) -> Profile:
    """Rasa's SQL event broker on SQLite: its `events` table, one JSON row per event."""
    events_url = f"sqlite:///{tmp_path / 'events.db'}"
    table = Table("events", MetaData(), Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                  Column("data", Text))
    engine = create_engine(events_url)
    table.metadata.create_all(engine)

    async def publish(bodies: List[bytes]) -> None:
        with engine.begin() as db:
            for body in bodies:
                db.execute(insert(table).values(sender_id="x", data=body.decode()))

    return Profile(f"sqlite:///{tmp_path / 'desk.db'}", events_url, "unused", publish)


def amqp_publisher(exchange: str) -> Callable[[List[bytes]], Awaitable[None]]:
    """Publishes as Rasa's pika broker does: JSON, persistent, to its fanout exchange."""
    async def publish(bodies: List[bytes]) -> None:
        connection = await aio_pika.connect(services.AMQP_URL)
        async with connection:
            channel = await connection.channel()
            fanout = await channel.get_exchange(exchange)
            for body in bodies:
                await fanout.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), "")
    return publish


@pytest.fixture
def scale(tmp_path):
    services.skip_unless_reachable("postgres", "rabbitmq")
    exchange, queue = services.unique_name("desk_feed_test"), services.unique_name("desk_feed_test")
    asyncio.run(services.bind_queue(exchange, queue))  # what Rasa does when it starts
    try:
        with services.scratch_database(services.unique_name("desk_feed_test")) as database_url:
            yield Profile(database_url, services.AMQP_URL, queue, amqp_publisher(exchange))
    finally:
        asyncio.run(services.remove(exchange, [queue]))


@pytest.fixture(params=["embedded", "scale"])
def profile(request, tmp_path) -> Profile:
    return embedded(tmp_path) if request.param == "embedded" else request.getfixturevalue("scale")


def settings(profile: Profile, rasa_url: str) -> Settings:
    return Settings(database_url=profile.database_url, rasa_url=rasa_url, knowledge_url="http://127.0.0.1:9",
                    events_url=profile.events_url, events_queue=profile.queue, store_data_dir=STORE_DIR,
                    open_hours="always", service_token="t" * 32, secret_key="s" * 32, feed_poll_s=0.05)


class FakeRasa:
    """Records what the desk appends to conversations through Rasa's HTTP API."""

    def __init__(self) -> None:
        self.appended: Dict[str, List[dict]] = {}
        self.app = web.Application()
        self.app.router.add_post("/conversations/{conversation}/tracker/events", self.append)

    async def append(self, request: web.Request) -> web.Response:
        self.appended.setdefault(request.match_info["conversation"], []).extend(await request.json())
        return web.json_response({})


async def eventually(check, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(check)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{check.__name__} never held")


def seen(engine, conversation_id: str) -> bool:
    with engine.connect() as db:
        return db.execute(select(conversations.c.conversation_id)
                          .where(conversations.c.conversation_id == conversation_id)).first() is not None


def encode(*events: dict) -> List[bytes]:
    return [json.dumps(e).encode() for e in events]


async def following(profile: Profile, app: web.Application) -> None:
    """Wait until the desk follows the broker: the SQL feed starts at the newest row, so probe until one lands."""
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + 30
    while not seen(app[DESK].engine, probe):
        assert time.monotonic() < deadline, "the desk never followed the broker"
        await profile.publish(encode(user_event(probe, "hi", "greeting")))
        await asyncio.sleep(0.3)


def test_the_desk_reacts_to_rasa_events_the_same_from_either_broker(profile):
    rasa = FakeRasa()
    newcomer, leaving, rating = (f"{kind}-{uuid.uuid4().hex[:8]}" for kind in ("new", "leaving", "rating"))

    async def run():
        async with TestServer(rasa.app) as rasa_server:
            app = make_app(settings(profile, str(rasa_server.make_url("")).rstrip("/")))
            engine = app[DESK].engine
            waiting = handoffs.create(engine, conversation_id=leaving, reason="asked", summary={}, language="en",
                                      channel="rest", tier="none")
            closed = handoffs.create(engine, conversation_id=rating, reason="asked", summary={}, language="zh",
                                     channel="rest", tier="none", status="closed")
            async with TestClient(TestServer(app)):
                await following(profile, app)
                await profile.publish(encode(
                    user_event(newcomer, "hello", "greeting"),
                    user_event(leaving, "never mind, I'll wait for the bot", "handoff_cancel"),
                    {"sender_id": leaving, "event": "bot", "timestamp": time.time(), "text": "ok", "data": {}},
                    user_event(rating, "4", "rate_conversation", [{"entity": "rating", "value": "4"}]),
                ))
                await eventually(lambda: seen(engine, newcomer))
                await eventually(lambda: handoffs.get(engine, waiting["id"])["status"] == "cancelled")
                await eventually(lambda: handoffs.get(engine, closed["id"])["rating"] == 4)
                await eventually(lambda: len(rasa.appended.get(leaving, [])) >= 3)
            return rasa.appended

    appended = asyncio.run(run())
    # The shopper who left the queue gets the bot back (resumed, listening) and is told so, in their language.
    assert appended[leaving][:2] == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    assert appended[leaving][2]["data"]["custom"]["type"] == "handoff_ended"
    assert set(appended) == {leaving}  # nothing said to anyone else


def test_the_queue_keeps_events_while_the_desk_is_down_and_the_desk_acknowledges_each(scale):
    rasa = FakeRasa()
    early = f"early-{uuid.uuid4().hex[:8]}"

    async def run():
        # Published before the desk starts (Rasa is up, the desk restarts): kept by the queue, with one unreadable.
        await scale.publish([b"not json", b"[1, 2]", *encode(user_event(early, "anyone there?", "greeting"))])
        async with TestServer(rasa.app) as rasa_server:
            app = make_app(settings(scale, str(rasa_server.make_url("")).rstrip("/")))
            async with TestClient(TestServer(app)):
                await eventually(lambda: seen(app[DESK].engine, early))
        # The desk has stopped; anything it had not acknowledged would be back in the queue.
        connection = await aio_pika.connect(services.AMQP_URL)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(scale.queue, durable=True, passive=True)
            return queue.declaration_result.message_count

    assert asyncio.run(run()) == 0
