"""The WhatsApp Cloud API channel through the real Rasa and action servers, against the WhatsApp double: signed
`messages` webhooks in, `POST /{phone-number-id}/messages` calls out.

Run under the stack lock: `flock /tmp/tidepool-stack.lock .venv/bin/python -m pytest tests/connectors/test_whatsapp.py`.
"""

from __future__ import annotations

import json
import time
from typing import Iterator

import pytest

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.whatsapp import WhatsAppDouble
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, settle, user_texts
from tests.connectors.meta_scenarios import MetaChannelScenarios, say, wait_for_texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def whatsapp_double(stack) -> Iterator[WhatsAppDouble]:
    double = WhatsAppDouble.for_stack(stack)
    with double.in_background(stack.double_ports["whatsapp"]):
        yield double


@pytest.fixture
def whatsapp(whatsapp_double) -> Iterator[WhatsAppDouble]:
    """The double, with no calls recorded yet; the test fails if the connector sent a malformed call."""
    with whatsapp_double.checked():
        yield whatsapp_double


@pytest.fixture
def shopper() -> str:
    return WhatsAppDouble.new_shopper()


# --- verification ----------------------------------------------------------------------------------------------

def test_delivery_statuses_are_acknowledged_and_ignored(stack, whatsapp, shopper):
    status, _, _, _ = whatsapp.timed_delivery(whatsapp.webhook("status_sent.json", shopper))
    assert status == 200
    settle()
    assert user_texts(stack, shopper) == [] and whatsapp.calls_for(shopper) == []


# --- answers ---------------------------------------------------------------------------------------------------

def test_a_recommendation_arrives_as_image_cards_with_captions(stack, whatsapp, shopper):
    say(whatsapp, shopper, "Can you recommend a tent?")
    whatsapp.wait_for(lambda: [b for b in whatsapp.sent_to(shopper) if b["type"] == "image"], REPLY_TIMEOUT_S)
    time.sleep(2)  # the rest of the cards
    bodies = whatsapp.sent_to(shopper)
    cards = [b["image"] for b in bodies if b["type"] == "image"]
    assert 1 <= len(cards) <= 3
    for card in cards:
        assert card["link"].startswith("https://") and "USD" in card["caption"]
        assert card["caption"].startswith("*") and "https://" in card["caption"]
    assert bodies[0]["type"] == "text"  # the intro line, then the cards


def test_an_order_question_is_answered_with_the_order_card(stack, whatsapp, shopper):
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    say(whatsapp, shopper, f"Where is my order {order['id']}?")
    wait_for_texts(whatsapp, shopper)
    say(whatsapp, shopper, order["email"])
    cards = whatsapp.wait_for(lambda: [t for t in whatsapp.texts_to(shopper) if t.startswith(f"*Order {order['id']}*")],
                              REPLY_TIMEOUT_S)
    assert "Total: " in cards[0] and "×" in cards[0]
    assert any(order["tracking_number"] in t for t in whatsapp.texts_to(shopper))


@pytest.mark.parametrize("kind", ["image", "sticker", "location", "audio"])
def test_what_is_not_text_gets_the_polite_reply(stack, whatsapp, shopper, kind):
    status, _, _, _ = whatsapp.timed_delivery(whatsapp.webhook(f"{kind}.json", shopper))
    assert status == 200
    [reply] = wait_for_texts(whatsapp, shopper, timeout_s=30)
    assert reply.startswith(UNSUPPORTED["en"])
    assert user_texts(stack, shopper) == []


# --- exactly once, and the platform's errors ---------------------------------------------------------------------

def test_a_server_error_is_retried_then_delivered(stack, whatsapp, shopper):
    whatsapp.fail_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}}, path="/messages")
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    assert [c.answered for c in whatsapp.calls_for(shopper)[:2]] == [503, 200]


# --- agent replies from the desk (the outbound path) ---------------------------------------------------------------

def test_an_agents_reply_reaches_the_shopper_split_and_with_the_product_card(stack, whatsapp, shopper):
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    whatsapp.reset()
    long_reply = " ".join(["Our Ridge 2P tent keeps you dry in a storm and pitches in five minutes."] * 70)
    product = {"id": "TP-TNT-001", "name": "Ridge 2P Tent", "price": 289.0, "currency": "USD",
               "url": "https://tidepool.example/products/ridge-2p-tent",
               "image": "https://tidepool.example/img/ridge-2p-tent.jpg"}
    answer = agent_says(stack, shopper, long_reply, {"type": "agent_message", "agent": "Lin", "product": product})
    assert answer.status_code == 200
    whatsapp.wait_for(lambda: [b for b in whatsapp.sent_to(shopper) if b["type"] == "image"], 30)
    pieces = whatsapp.texts_to(shopper)
    assert len(pieces) == 2 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces) == long_reply and pieces[0].endswith("minutes.")  # split between sentences
    [card] = [b["image"] for b in whatsapp.sent_to(shopper) if b["type"] == "image"]
    assert card["link"] == product["image"] and card["caption"].startswith("*Ridge 2P Tent*\n289.00 USD")


def test_handoff_notices_carry_their_buttons_and_a_tap_sends_the_payload(stack, whatsapp, shopper):
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    whatsapp.reset()
    answer = agent_says(stack, shopper, "You're number 1 in the queue.",
                        {"type": "handoff_waiting", "position": 1, "language": "en", "handoff_id": 1})
    assert answer.status_code == 200
    [notice] = whatsapp.wait_for(lambda: whatsapp.sent_to(shopper), 30)
    assert notice["interactive"]["type"] == "button"
    assert notice["interactive"]["body"]["text"] == "You're number 1 in the queue."  # one message, not two
    [button] = notice["interactive"]["action"]["buttons"]
    assert button["reply"]["id"] == "/handoff_cancel"
    say(whatsapp, shopper, "/handoff_cancel", "interactive_button_reply.json")
    whatsapp.wait_for(lambda: user_texts(stack, shopper)[-1] == "/handoff_cancel", 30)

    agent_says(stack, shopper, "Thanks for chatting with Lin.",
               {"type": "handoff_ended", "agent": "Lin", "ask_rating": True, "language": "en"})
    ratings = whatsapp.wait_for(lambda: [b for b in whatsapp.sent_to(shopper) if b["type"] == "interactive"
                                         and b["interactive"]["type"] == "list"], 30)
    rows = ratings[0]["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows][-1] == "★★★★★"
    say(whatsapp, shopper, rows[-1]["id"], "interactive_list_reply.json")
    whatsapp.wait_for(lambda: user_texts(stack, shopper)[-1] == '/rate_conversation{"rating": 5}', 30)


def test_a_failed_status_with_131047_closes_the_window_without_an_api_call(stack, whatsapp, shopper):
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    whatsapp.reset()
    status, _, _, _ = whatsapp.timed_delivery(whatsapp.webhook("status_failed_131047.json", shopper))
    assert status == 200
    answer = agent_says(stack, shopper, "Sorry for the wait!", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert answer.status_code >= 400 and whatsapp.calls_for(shopper) == []


# --- what every Meta channel does --------------------------------------------------------------------------------

class TestWhatsAppAsAMetaChannel(MetaChannelScenarios):
    """What WhatsApp does like every Meta channel (tests/connectors/meta_scenarios.py)."""

    platform, token_variable, not_text = "whatsapp", "WHATSAPP_ACCESS_TOKEN", "sticker.json"

    @pytest.fixture
    def double(self, whatsapp):
        return whatsapp

    def malformed_bodies(self, shopper):
        no_id = {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
            "messages": [{"from": shopper, "type": "text"}]}}]}]}
        return [b"{broken", b'{"object": "page", "entry": []}', b"[]", json.dumps(no_id).encode()]

    def assert_authorised(self, stack, call):
        assert call.headers["Authorization"] == f"Bearer {stack.env['WHATSAPP_ACCESS_TOKEN']}"
        assert call.path == f"/v21.0/{stack.env['WHATSAPP_PHONE_NUMBER_ID']}/messages"
