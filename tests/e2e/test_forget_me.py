""""Forget me" erases the shopper's transcripts, through the real servers: after a verified order and an e-mail,
a handoff request and a rating, the tracker store, the event broker, the desk and the ratings hold nothing of the
conversation once the erasure has run, and the conversation carries on without the old events coming back (Rasa
re-saves a whole tracker whose rows vanished mid-turn; shop/erasure.py waits for the turn to be stored)."""

import json
import sqlite3
import time
from pathlib import Path

import pytest

from shop.feedback import record_rating
from tests.conftest import demo_orders

pytestmark = pytest.mark.stack


def data_dir(stack) -> Path:
    return Path(stack.env["TRACKER_DB"]).parent  # the stack's own databases (scripts/stack.py)


def stored(stack, conversation: str) -> dict:
    """Everything the stores keep of a conversation, as text."""
    def query(db_name: str, sql: str) -> list:
        path = data_dir(stack) / db_name
        if not path.exists():
            return []
        with sqlite3.connect(path) as db:
            return [json.dumps(row) for row in db.execute(sql, (conversation,))]

    return {
        "tracker": query("tracker.db", "SELECT type_name, data FROM events WHERE sender_id = ?"),
        "broker": query("events.db", "SELECT data FROM events WHERE sender_id = ?"),
        "desk": query("desk.db", "SELECT summary, reason FROM desk_handoffs WHERE conversation_id = ?"),
        "ratings": query("conversation_ratings.db", "SELECT comment FROM ratings WHERE conversation_id = ?"),
    }


def mentions(rows: list, *values: str) -> bool:
    return any(value.lower() in row.lower() for row in rows for value in values)


def test_forget_me_erases_the_conversation_from_every_store(stack, sender):
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    stack.say(sender, f"where is my order {order['id']}?")
    assert stack.say(sender, order["email"]).custom("order")["order_id"] == order["id"]
    assert stack.say(sender, "I want to talk to a real person").custom("handoff_unavailable")
    record_rating(data_dir(stack) / "conversation_ratings.db", sender, 2, f"about {order['id']}", "en")
    before = stored(stack, sender)
    assert mentions(before["tracker"], order["email"]) and mentions(before["broker"], order["email"], order["id"])
    assert before["desk"] and before["ratings"], before

    reply = stack.say(sender, "forget me")
    assert "deleted" in reply.text.lower(), reply.texts

    deadline = time.monotonic() + 60
    while any(stored(stack, sender).values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stored(stack, sender) == {"tracker": [], "broker": [], "desk": [], "ratings": []}

    # The shopper carries on: a fresh conversation, and none of the old events written back.
    reply = stack.say(sender, "hi")
    assert reply.texts, reply.messages
    time.sleep(1)
    after = stored(stack, sender)
    assert after["tracker"] and not mentions(after["tracker"] + after["broker"], order["email"], order["id"]), after
    assert stack.tracker(sender)["slots"].get("email") is None
    reply = stack.say(sender, f"where is my order {order['id']}?")
    assert "email" in reply.text.lower() and reply.custom("order") is None  # verified again from scratch
