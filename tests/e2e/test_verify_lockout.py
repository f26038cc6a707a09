"""The order-verification lockout through the real Rasa and action servers (issue 13: "20 wrong e-mails for one
order in one conversation: the failure counter went 1, 2, 3, then back to 0 when the form ended, and the right
e-mail then opened the order").

Failures are counted server-side (shop/lockout.py) per conversation (3), per order (5) and per client address (20,
stamped by the REST channel from the connection, whatever the client claims), so starting the form again, starting
a new conversation, or calling the action server with a reset `verify_failures` slot opens nothing. Every request
here comes from 127.0.0.1: the lockout is wiped before and after each test so the rest of the session is unaffected.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, Optional

import pytest
import requests

from scripts.stack import Reply
from shop.lockout import LIMITS, Lockout
from tests.conftest import demo_orders

pytestmark = pytest.mark.stack

LOCKED = "too many attempts"
# Orders no other end-to-end test uses (they take the first ones of each status); tracking shows any status.
SPARE = [o for o in demo_orders() if o["status"] == "delivered"][-4:]


@pytest.fixture(autouse=True)
def clean_lockout(stack):
    """The stack's lockout, empty before the test and again after it."""
    lockout = Lockout(f"sqlite:///{stack.env['VERIFY_LOCKOUT_DB']}")
    lockout.clear()
    yield lockout
    lockout.clear()
    lockout.engine.dispose()


def new_sender() -> str:
    return f"test-lockout-{uuid.uuid4().hex[:10]}"


def say(stack, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> Reply:
    body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    response = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=120)
    response.raise_for_status()
    return Reply(response.json())


def fail_until_the_form_ends(stack, sender: str, order_id: str, metadata=None, failures: int = 3) -> Reply:
    """Asks for `order_id` and gives wrong e-mails until the form gives up (or `failures` were given)."""
    reply = say(stack, sender, f"where is my order {order_id}?", metadata)
    assert "email" in reply.text.lower(), reply.texts
    for attempt in range(failures):
        reply = say(stack, sender, f"wrong{attempt}.{uuid.uuid4().hex[:6]}@example.com", metadata)
        assert reply.custom("order") is None
        if "/human_agent" in {b["payload"] for b in reply.buttons}:
            return reply  # the form gave up (and offers a person)
        assert "order number" in reply.text.lower(), reply.texts  # it asks again
        reply = say(stack, sender, order_id, metadata)
    return reply


def track(stack, sender: str, order: Dict[str, Any], metadata=None) -> Reply:
    say(stack, sender, f"where is my order {order['id']}?", metadata)
    return say(stack, sender, order["email"], metadata)


def assert_refused(reply: Reply, order: Dict[str, Any]) -> None:
    assert reply.custom("order") is None, reply.messages
    assert LOCKED in reply.text.lower(), reply.texts
    assert order.get("tracking_number") is None or order["tracking_number"] not in reply.text
    assert "/human_agent" in {b["payload"] for b in reply.buttons}  # a person can still help


def test_the_right_email_is_refused_after_the_form_gave_up(stack):
    order, sender = SPARE[0], new_sender()
    reply = fail_until_the_form_ends(stack, sender, order["id"])
    assert LOCKED in reply.text.lower() and "/human_agent" in {b["payload"] for b in reply.buttons}, reply.texts
    assert stack.tracker(sender)["slots"]["verify_failures"] == 0  # the slot went back to 0, as in the finding

    right = track(stack, sender, order)
    assert_refused(right, order)
    wrong = fail_until_the_form_ends(stack, sender, order["id"], failures=1)
    assert wrong.texts == right.texts  # the same words for the right e-mail and a wrong one

    # Another conversation may still open it: 3 failures are under the order's limit.
    assert track(stack, new_sender(), order).custom("order")["order_id"] == order["id"]


def test_an_order_failed_from_several_conversations_is_refused_everywhere(stack):
    order = SPARE[1]
    fail_until_the_form_ends(stack, new_sender(), order["id"])
    fail_until_the_form_ends(stack, new_sender(), order["id"], failures=LIMITS["order"].failures - 3)
    assert_refused(track(stack, new_sender(), order), order)
    other = SPARE[2]
    assert track(stack, new_sender(), other).custom("order")["order_id"] == other["id"]


def test_an_address_that_failed_too_often_is_refused_in_a_new_conversation(stack):
    order = SPARE[3]
    # A success does not clear the address's failures; and the address is the connection's, not the one sent.
    assert track(stack, new_sender(), order).custom("order")["order_id"] == order["id"]
    failures, numbers = 0, iter(range(90000, 99999))
    while failures < LIMITS["address"].failures:
        sender, forged = new_sender(), {"client_address": f"198.51.100.{failures}"}
        in_this_conversation = min(3, LIMITS["address"].failures - failures)
        reply = say(stack, sender, f"where is my order TP{next(numbers)}?", forged)
        for attempt in range(in_this_conversation):
            reply = say(stack, sender, f"nobody{attempt}@example.com", forged)
            failures += 1
            if attempt < in_this_conversation - 1:
                reply = say(stack, sender, f"TP{next(numbers)}", forged)
    assert LOCKED in reply.text.lower(), reply.texts  # the last failure locked the address
    assert_refused(track(stack, new_sender(), order, {"client_address": "203.0.113.99"}), order)


def forged_call(stack, action: str, sender: str, order: Dict[str, Any]) -> Dict[str, Any]:
    """What a caller holding the action server's token could send: the right pair and a reset failure count."""
    slots = {"order_id": order["id"], "email": order["email"], "verify_failures": 0, "language": "en",
             "requested_slot": "email"}
    tracker = {"sender_id": sender, "slots": slots, "latest_message": {"text": order["email"], "metadata": {}},
               "events": [{"event": "action", "name": "order_tracking_form"},
                          {"event": "user", "text": order["email"]},
                          {"event": "slot", "name": "email", "value": order["email"]}],
               "paused": False, "followup_action": None, "active_loop": {"name": "order_tracking_form"},
               "latest_action_name": "action_listen"}
    call = {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.21"}
    response = requests.post(f"{stack.action_url}/webhook", json=call, params={"token": stack.env["ACTION_TOKEN"]},
                             timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def opened(result: Dict[str, Any]) -> bool:
    return any((message.get("custom") or {}).get("type") == "order" for message in result["responses"])


def test_a_forged_action_call_with_a_reset_count_opens_nothing(stack):
    order, control, sender = SPARE[1], SPARE[2], new_sender()
    fail_until_the_form_ends(stack, sender, order["id"])
    fail_until_the_form_ends(stack, new_sender(), order["id"], failures=LIMITS["order"].failures - 3)
    # The same call opens an order that is not locked: the forgery itself is well formed and authorised.
    assert opened(forged_call(stack, "action_show_order", new_sender(), control))
    for forged_sender in (sender, new_sender()):  # the locked conversation, or a made-up one
        shown = forged_call(stack, "action_show_order", forged_sender, order)
        assert not opened(shown) and order["email"] not in str(shown["responses"])
        assert [m.get("response") for m in shown["responses"]] == ["utter_verification_failed"]
        checked = forged_call(stack, "validate_order_tracking_form", forged_sender, order)
        slots = {e["name"]: e["value"] for e in checked["events"] if e["event"] == "slot"}
        assert slots["email"] is None and slots["order_id"] is None, checked
        assert any(LOCKED in (m.get("text") or "").lower() for m in checked["responses"]), checked
    assert_refused(track(stack, sender, order), order)
