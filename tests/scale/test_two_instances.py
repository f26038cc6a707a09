"""Horizontal scale, for real (bot/endpoints.scale.yml, as `make run PROFILE=scale`): two Rasa instances behind one
loopback balancer and two action servers behind another serve one conversation, on the machine's PostgreSQL
(tracker store), Redis (lock store) and RabbitMQ (event broker), with the agent desk on PostgreSQL following
RabbitMQ.

Turns alternate between the instances: the order-tracking form asks for the e-mail on one instance and shows the
order on the other. Two messages sent at the same moment through different instances are taken one after the other
(the Redis lock). Then: nothing is lost (either instance's tracker has every message, PostgreSQL holds each event
once), no turns interleave, and RabbitMQ carried every event in the tracker's order.

It uses a database, an exchange and queues of its own, removed afterwards. About 2-3 minutes, mostly the two Rasa
instances starting (in parallel, ~1.5 GB each); skipped, saying why, when a service is not reachable."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import create_engine, make_url, select, text

from desk.db import conversations
from scripts.stack import Service, _environment, free_port, rasa_service, wait_for_rasa
from tests.conftest import demo_orders
from tests.scale import services

pytestmark = [pytest.mark.scale, pytest.mark.timeout(420)]


@dataclass
class ScaleStack:
    rasa: List[str]  # the two instances' base URLs
    balancer: str  # both instances behind one port
    action_balancer: str
    token: str
    database_url: str = ""
    exchange: str = ""
    test_queue: str = ""  # bound to Rasa's exchange next to the desk's queue: what the broker carried
    desk: Optional[Service] = None
    served: List[str] = field(default_factory=list)  # which instance took each turn through the balancer

    def say(self, sender: str, message: str, url: str = "") -> List[dict]:
        response = requests.post(f"{url or self.balancer}/webhooks/rest/webhook", timeout=120,
                                 json={"sender": sender, "message": message})
        response.raise_for_status()
        if not url:
            self.served.append(response.headers["X-Balancer-Backend"])
        return response.json()

    def tracker(self, sender: str, url: str) -> dict:
        response = requests.get(f"{url}/conversations/{sender}/tracker", timeout=30,
                                params={"token": self.token, "include_events": "ALL"})
        response.raise_for_status()
        return response.json()


def scale_environment(tmp: Path, ports: Dict[str, int], database_url: str, exchange: str, queue: str) -> dict:
    """The test stack's environment, with bot/endpoints.scale.yml's settings pointing at this machine's services."""
    env = _environment(tmp, ports)
    postgres, redis_url, amqp = make_url(database_url), urlsplit(services.REDIS_URL), urlsplit(services.AMQP_URL)
    env.update(
        POSTGRES_HOST=postgres.host, POSTGRES_PORT=str(postgres.port or 5432), POSTGRES_DB=postgres.database,
        POSTGRES_USER=postgres.username or "postgres", POSTGRES_PASSWORD=postgres.password or "",
        REDIS_HOST=redis_url.hostname, REDIS_PORT=str(redis_url.port or 6379),
        REDIS_DB=redis_url.path.strip("/") or "1",
        RABBITMQ_HOST=amqp.hostname, RABBITMQ_PORT=str(amqp.port or 5672), RABBITMQ_USER=amqp.username or "guest",
        RABBITMQ_PASSWORD=amqp.password or "guest", EVENTS_EXCHANGE=exchange, EVENTS_QUEUE=queue,
        DESK_DATABASE_URL=database_url, DESK_EVENTS=services.AMQP_URL,
    )
    return env


@pytest.fixture(scope="module")
def scale(tmp_path_factory) -> Iterator[ScaleStack]:
    services.skip_unless_reachable("postgres", "redis", "rabbitmq")
    tmp = tmp_path_factory.mktemp("scale")
    exchange, desk_queue, test_queue = (services.unique_name(f"tidepool_scale_{n}") for n in ("x", "desk", "test"))
    asyncio.run(services.bind_queue(exchange, test_queue))
    try:
        with services.scratch_database(services.unique_name("tidepool_scale")) as database_url:
            ports = {name: free_port() for name in
                     ("RASA_PORT", "ACTION_PORT", "KNOWLEDGE_PORT", "DESK_PORT", "WEBCHAT_PORT")}
            env = scale_environment(tmp, ports, database_url, exchange, desk_queue)
            with running(env, tmp, ports) as stack:
                stack.database_url, stack.exchange, stack.test_queue = database_url, exchange, test_queue
                yield stack
    finally:
        asyncio.run(services.remove(exchange, [desk_queue, test_queue]))


@contextmanager
def running(env: Dict[str, str], tmp: Path, ports: Dict[str, int]) -> Iterator[ScaleStack]:
    """Two Rasa instances and two action servers, a balancer in front of each pair, and the desk; stopped after.
    The knowledge service is left out: these turns do not need it."""
    subprocess.run([sys.executable, "-m", "shop.store", "load", "--db", env["STORE_DB"]], env=env, check=True,
                   capture_output=True)
    rasa_urls, action_urls = ([f"http://127.0.0.1:{free_port()}" for _ in "ab"] for _ in range(2))
    # The Rasa instances first: they take longest, and start side by side.
    rasa = [rasa_service(f"rasa-{n}", int(url.rsplit(":", 1)[1]), env, tmp, endpoints="bot/endpoints.scale.yml")
            for n, url in zip("ab", rasa_urls)]
    started: List[Service] = list(rasa)
    try:
        actions = [Service(f"actions-{n}", [sys.executable, "-m", "actions.server", "--port", url.rsplit(":", 1)[1]],
                           env, tmp) for n, url in zip("ab", action_urls)]
        started += actions
        balancers = [Service(name, [sys.executable, "-m", "scripts.balancer", "--port", str(ports[port]),
                                    *[arg for url in urls for arg in ("--backend", url)]], env, tmp)
                     for name, port, urls in (("rasa-balancer", "RASA_PORT", rasa_urls),
                                              ("action-balancer", "ACTION_PORT", action_urls))]
        started += balancers
        desk = Service("desk", [sys.executable, "-m", "desk", "serve", "--port", str(ports["DESK_PORT"])], env, tmp)
        started.append(desk)
        stack = ScaleStack(rasa=rasa_urls, balancer=f"http://127.0.0.1:{ports['RASA_PORT']}",
                           action_balancer=f"http://127.0.0.1:{ports['ACTION_PORT']}", token=env["RASA_TOKEN"],
                           desk=desk)
        for service, url in zip(actions, action_urls):
            service.wait_until(lambda url=url: requests.get(f"{url}/health", timeout=2).ok, 60)
        for service, url in zip(balancers, (stack.balancer, stack.action_balancer)):
            service.wait_until(lambda url=url: requests.get(f"{url}/_balancer/stats", timeout=2).ok, 30)
        desk.wait_until(lambda: requests.get(f"{env['DESK_URL']}/health", timeout=2).ok, 60)
        for service, url in zip(rasa, rasa_urls):
            wait_for_rasa(service, url, env["RASA_TOKEN"])
        yield stack
    finally:
        for service in started:  # all at once: each takes seconds to shut down
            service.proc.terminate()
        for service in started:
            try:
                service.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.proc.kill()
            service.stop()  # no second SIGTERM: the action server's Sanic would answer it with SIGKILLs


def texts(messages: List[dict]) -> List[str]:
    return [m["text"] for m in messages if m.get("text")]


def key(event: dict) -> Tuple:
    """What identifies one event wherever it is stored or carried."""
    return event["event"], event.get("timestamp"), event.get("name"), event.get("text")


def turns(events: List[dict]) -> List[Tuple[str, List[str]]]:
    """Each user message with the bot texts that follow it, asserting each turn ends (the bot listens) before the
    next message starts: interleaved turns would show a message arriving while the bot was still acting."""
    listening, found = False, []
    for event in events:
        if event["event"] == "user":
            assert listening, f"{event['text']!r} arrived while the bot was still acting on the previous message"
            found.append((event["text"], []))
            listening = False
        elif event["event"] == "action":
            listening = event["name"] == "action_listen"
        elif event["event"] == "bot" and event.get("text") and found:
            found[-1][1].append(event["text"])
    return found


def at_once(scale: ScaleStack, sender: str, messages: List[str]) -> Dict[str, Tuple[float, float, List[dict]]]:
    """Send each message through a different instance at the same moment; when each was sent and answered."""
    start, done = threading.Barrier(len(messages)), {}

    def send(message: str, url: str) -> None:
        start.wait()
        began = time.monotonic()
        reply = scale.say(sender, message, url)
        done[message] = (began, time.monotonic(), reply)

    threads = [threading.Thread(target=send, args=(m, url)) for m, url in zip(messages, scale.rasa)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return done


def test_one_conversation_across_two_instances_loses_nothing_and_never_interleaves(scale):
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    replies: Dict[str, List[dict]] = {}

    # One conversation through the balancer: each turn goes to the other instance.
    for message in ("hi", f"where is my order {order['id']}?", order["email"], "do you have any coupons?",
                    "thank you"):
        replies[message] = scale.say(sender, message)
    assert all(a != b for a, b in zip(scale.served, scale.served[1:])) and set(scale.served) == set(scale.rasa)
    # The form asked for the e-mail on one instance and the other one shows the order: the state crossed over.
    assert "email" in " ".join(texts(replies[f"where is my order {order['id']}?"])).lower()
    card = next(m["custom"] for m in replies[order["email"]] if (m.get("custom") or {}).get("type") == "order")
    assert card["order_id"] == order["id"]

    # Two messages at the same moment, each through a different instance, twice: the lock takes them in turn.
    for pair in (("hello again", "what coupons can I use?"), ("hi there", "thanks a lot")):
        done = at_once(scale, sender, list(pair))
        assert set(done) == set(pair), "a concurrent message got no answer"
        (began_a, ended_a, _), (began_b, ended_b, _) = done[pair[0]], done[pair[1]]
        assert max(began_a, began_b) < min(ended_a, ended_b), "the two requests did not overlap"
        replies.update({message: reply for message, (_, _, reply) in done.items()})

    # Nothing lost: both instances read the same whole conversation from PostgreSQL.
    events = scale.tracker(sender, scale.rasa[0])["events"]
    assert scale.tracker(sender, scale.rasa[1])["events"] == events
    conversation = turns(events)
    assert [message for message, _ in conversation][:5] == list(replies)[:5]
    assert sorted(message for message, _ in conversation) == sorted(replies)
    # No turns interleave: each message is followed by exactly the replies its own request got, before the next.
    for message, said in conversation:
        assert said and said == texts(replies[message]), f"replies to {message!r} are mixed up"

    # PostgreSQL's events table holds each event exactly once, in the tracker's order.
    engine = create_engine(scale.database_url)
    try:
        with engine.connect() as db:
            stored = [json.loads(row.data) for row in db.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender})]
    finally:
        engine.dispose()
    assert [key(e) for e in stored] == [key(e) for e in events]
    assert len({key(e) for e in stored}) == len(stored)

    # RabbitMQ carried every event once, in the order of the tracker.
    carried = [json.loads(body) for body in asyncio.run(services.drain(scale.test_queue))]
    carried = [e for e in carried if e.get("sender_id") == sender]
    assert [key(e) for e in carried] == [key(e) for e in events]

    # Both action servers ran actions, and the desk (on PostgreSQL) followed the conversation on RabbitMQ.
    served = requests.get(f"{scale.action_balancer}/_balancer/stats", timeout=5).json()
    assert len(served) == 2 and all(count > 0 for count in served.values()), served
    assert desk_saw(scale.database_url, sender)
    # ...and stops promptly when asked, consumer and all (unacknowledged events go back to the queue).
    scale.desk.proc.terminate()
    assert scale.desk.proc.wait(timeout=10) == 0


def desk_saw(database_url: str, sender: str, timeout_s: float = 30) -> bool:
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with engine.connect() as db:
                if db.execute(select(conversations.c.conversation_id)
                              .where(conversations.c.conversation_id == sender)).first():
                    return True
            time.sleep(0.2)
        return False
    finally:
        engine.dispose()
