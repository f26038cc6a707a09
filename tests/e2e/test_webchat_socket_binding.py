"""The web chat's socket.io channel inside the real Rasa (connectors/rasa_socketio.py), driven by python-socketio
clients as a browser's page would: a conversation is joined only with the ticket the web chat server issued to the
browser that owns it (issue 13: a second client that sent a first client's session id received that client's order
card), every message carries the socket's own address, and oversized or invalid messages never reach Rasa."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

import pytest
import requests
import socketio

from tests.conftest import demo_orders

pytestmark = pytest.mark.stack

REPLY_TIMEOUT_S = 120  # the first turns through the action server can be slow on a shared machine
QUIET_S = 2.0  # the bot's turn is over once nothing more arrives for this long


def shipped_order() -> Dict[str, Any]:
    """A shipped demo order with a tracking number, other than the ones the REST conversation tests pick first."""
    return [o for o in demo_orders() if o["status"] == "shipped" and o.get("tracking_number")][-1]


def browser_session(stack, fresh: bool = False) -> Dict[str, Any]:
    """What the page gets from the web chat server: its conversation id and a ticket (a new browser each call)."""
    reply = requests.post(f"{stack.webchat_url}/api/session", json={"new": True} if fresh else {}, timeout=30)
    reply.raise_for_status()
    return reply.json()


class Shopper:
    """One socket.io connection to Rasa's web chat channel, recording everything the server sends it."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.bot: List[Any] = []
        self.refused: List[Dict[str, Any]] = []
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.bot.append)
        self.sio.on("message_refused", self.refused.append)
        self.sio.on("session_confirm", self.confirmed.put_nowait)

    async def join(self, **session_request: Any) -> str:
        """Asks for a session (connecting first if need be); returns the conversation id the server confirmed."""
        if not self.sio.connected:
            await self.sio.connect(self.rasa_url, transports=["websocket"], wait_timeout=30)
        await self.sio.emit("session_request", session_request)
        confirmed = await asyncio.wait_for(self.confirmed.get(), 30)
        return confirmed["session_id"] if isinstance(confirmed, dict) else confirmed

    async def say(self, text: Any, session_id: Optional[str] = None, metadata: Optional[dict] = None) -> List[Any]:
        """Sends one message (claiming `session_id`, as Rasa's protocol has the client do) and returns the bot's
        whole answer."""
        start = len(self.bot)
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, "metadata": metadata or {}})
        return await self.answer_since(start)

    async def answer_since(self, start: int) -> List[Any]:
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while len(self.bot) == start:
            assert time.monotonic() < deadline, "no answer from the bot"
            await asyncio.sleep(0.1)
        count, since = len(self.bot), time.monotonic()
        while time.monotonic() - since < QUIET_S:
            await asyncio.sleep(0.1)
            if len(self.bot) != count:
                count, since = len(self.bot), time.monotonic()
        return self.bot[start:]

    async def refusal(self) -> Dict[str, Any]:
        """The next message_refused event."""
        start = len(self.refused)
        for _ in range(100):
            if len(self.refused) > start:
                return self.refused[start]
            await asyncio.sleep(0.1)
        raise AssertionError("the server did not refuse the message")

    async def close(self) -> None:
        await self.sio.disconnect()


def order_cards(messages: List[Any]) -> List[Dict[str, Any]]:
    return [m for m in messages if isinstance(m, dict) and m.get("type") == "order"]


def user_texts(stack, conversation_id: str) -> List[str]:
    return [e.get("text") for e in stack.tracker(conversation_id)["events"] if e["event"] == "user"]


def test_a_client_that_sends_another_shoppers_session_id_gets_its_own_conversation(stack):
    order = shipped_order()
    owner = browser_session(stack)

    async def scenario() -> None:
        a, b = Shopper(stack.rasa_url), Shopper(stack.rasa_url)
        try:
            # The shopper verifies their order in the conversation their browser was issued.
            conversation = await a.join(session_id=owner["conversation_id"], ticket=owner["ticket"])
            assert conversation == owner["conversation_id"]
            await a.say(f"where is my order {order['id']}?", conversation)
            [card] = order_cards(await a.say(order["email"], conversation))
            assert card["order_id"] == order["id"] and card["tracking_number"] == order["tracking_number"]

            # Someone who learnt the conversation id asks to join it: without its ticket, a conversation of their own.
            theirs = await b.join(session_id=conversation)
            assert theirs != conversation
            # A made-up ticket, or their own real ticket next to the shopper's id, changes nothing.
            forged = f"{conversation}.{int(time.time()) + 60}.{'A' * 43}"
            assert await b.join(session_id=conversation, ticket=forged) not in (conversation, theirs)
            intruder = browser_session(stack)
            assert await b.join(session_id=conversation, ticket=intruder["ticket"]) == intruder["conversation_id"]

            # Asking for the order, while claiming the shopper's session id, is answered in their own conversation.
            assert await b.say(f"where is my order {order['id']}?", conversation)
            await b.say("show me that order again", conversation)

            # The shopper's next turn reaches the shopper only.
            before = len(b.bot)
            await a.say(f"track order {order['id']}", conversation)
            await asyncio.sleep(QUIET_S)
            assert b.bot[before:] == []
            # Nothing of the shopper's order ever reached the other client.
            assert not order_cards(b.bot) and order["tracking_number"] not in str(b.bot), b.bot
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())
    owner_said = user_texts(stack, owner["conversation_id"])
    assert owner_said == [f"where is my order {order['id']}?", order["email"], f"track order {order['id']}"]


def test_every_message_carries_the_sockets_own_address(stack):
    session = browser_session(stack)

    async def scenario() -> None:
        shopper = Shopper(stack.rasa_url)
        try:
            await shopper.join(session_id=session["conversation_id"], ticket=session["ticket"])
            await shopper.say("hello", metadata={"client_address": "203.0.113.9", "ui_language": "en"})
        finally:
            await shopper.close()

    asyncio.run(scenario())
    [said] = [e for e in stack.tracker(session["conversation_id"])["events"] if e["event"] == "user"]
    assert said["metadata"]["client_address"] == "127.0.0.1"  # the socket's peer, not what the client claimed
    assert said["metadata"]["ui_language"] == "en"


def test_oversized_and_invalid_messages_never_reach_rasa(stack):
    session = browser_session(stack)
    conversation = session["conversation_id"]

    async def scenario() -> None:
        shopper, bystander = Shopper(stack.rasa_url), Shopper(stack.rasa_url)
        try:
            await shopper.join(session_id=conversation, ticket=session["ticket"])
            for message, reason in [("a" * 6000, "at most 5000"), ("\ud800", "not valid text"),
                                    ("   ", "non-empty"), (["hi"], "non-empty"), ({"text": "hi"}, "non-empty")]:
                await shopper.sio.emit("user_uttered", {"message": message, "session_id": conversation})
                assert reason in (await shopper.refusal())["error"], message
            await shopper.sio.emit("user_uttered", "just a string")
            assert "object" in (await shopper.refusal())["error"]

            # A packet over the size cap: engine.io drops the connection before decoding it.
            started = time.monotonic()
            await shopper.sio.emit("user_uttered", {"message": "b" * 200_000, "session_id": conversation})
            for _ in range(100):
                if not shopper.sio.connected:
                    break
                await asyncio.sleep(0.1)
            assert not shopper.sio.connected and time.monotonic() - started < 10

            # Nobody else noticed.
            other = browser_session(stack)
            await bystander.join(session_id=other["conversation_id"], ticket=other["ticket"])
            assert await bystander.say("hi")
        finally:
            await shopper.close()
            await bystander.close()

    asyncio.run(scenario())
    assert user_texts(stack, conversation) == []


def test_a_message_before_any_session_request_is_refused(stack):
    victim = browser_session(stack)["conversation_id"]

    async def scenario() -> None:
        shopper = Shopper(stack.rasa_url)
        try:
            await shopper.sio.connect(stack.rasa_url, transports=["websocket"], wait_timeout=30)
            await shopper.sio.emit("user_uttered", {"message": "cancel my order", "session_id": victim})
            assert "session_request" in (await shopper.refusal())["error"]
        finally:
            await shopper.close()

    asyncio.run(scenario())
    assert user_texts(stack, victim) == []


def test_live_answers_and_clicks_are_only_for_the_browser_that_owns_the_conversation(stack):
    owner, stranger = requests.Session(), requests.Session()
    conversation = owner.post(f"{stack.webchat_url}/api/session", json={}, timeout=30).json()["conversation_id"]
    stranger.post(f"{stack.webchat_url}/api/session", json={}, timeout=30).raise_for_status()
    live = f"{stack.webchat_url}/live/{conversation}"
    for browser in (stranger, requests):  # another browser's cookie, and none at all
        refused = browser.get(live, timeout=30)
        assert refused.status_code == 403 and "another browser" in refused.json()["error"]
        click = {"conversation_id": conversation, "variant": "social", "kind": "impression", "item_id": "TP-JKT-001"}
        assert browser.post(f"{stack.webchat_url}/api/events", json=click, timeout=30).status_code == 403
    with owner.get(live, stream=True, timeout=30) as watched:  # the knowledge service's stream, relayed
        assert watched.status_code == 200 and watched.headers["Content-Type"].startswith("text/event-stream")
