"""The Facebook Messenger channel through the real Rasa and action servers, against the Messenger double: signed
Page webhooks in, Send API calls (`POST /me/messages`) out.

Run under the stack lock:
`flock /tmp/tidepool-stack.lock .venv/bin/python -m pytest tests/connectors/test_messenger.py`.
"""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.messenger import MessengerDouble
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, settle, user_texts
from tests.connectors.meta_scenarios import MetaChannelScenarios, say, wait_for_texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def messenger_double(stack) -> Iterator[MessengerDouble]:
    double = MessengerDouble.for_stack(stack)
    with double.in_background(stack.double_ports["messenger"]):
        yield double


@pytest.fixture
def messenger(messenger_double) -> Iterator[MessengerDouble]:
    """The double, with no calls recorded yet; the test fails if the connector sent a malformed call."""
    with messenger_double.checked():
        yield messenger_double


@pytest.fixture
def psid() -> str:
    return MessengerDouble.new_shopper()


# --- verification ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["echo.json", "delivery.json"])
def test_echoes_and_deliveries_are_acknowledged_and_ignored(stack, messenger, psid, fixture):
    status, answer, _, _ = messenger.timed_delivery(messenger.webhook(fixture, psid))
    assert (status, answer) == (200, "EVENT_RECEIVED")
    settle()
    assert user_texts(stack, psid) == [] and messenger.calls_for(psid) == []


# --- answers ---------------------------------------------------------------------------------------------------

def test_a_recommendation_arrives_as_a_generic_template(stack, messenger, psid):
    say(messenger, psid, "Can you recommend a tent?")
    [carousel] = messenger.wait_for(lambda: messenger.templates_to(psid), REPLY_TIMEOUT_S)
    elements = carousel["elements"]
    assert 1 <= len(elements) <= 3
    for element in elements:
        assert element["title"] and element["image_url"].startswith("https://") and "USD" in element["subtitle"]
        assert element["buttons"][0]["type"] == "web_url" and element["buttons"][0]["url"].startswith("https://")
    assert "text" in messenger.sent_to(psid)[0]  # the intro line, then the cards


def test_an_order_question_is_answered_with_the_order_card(stack, messenger, psid):
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    say(messenger, psid, f"Where is my order {order['id']}?")
    wait_for_texts(messenger, psid)
    say(messenger, psid, order["email"])
    [card] = messenger.wait_for(lambda: messenger.templates_to(psid), REPLY_TIMEOUT_S)
    (element,) = card["elements"]
    assert element["title"].startswith(f"Order {order['id']} · ") and "Total" in element["subtitle"]
    assert any(order["tracking_number"] in t for t in messenger.texts_to(psid))


def test_a_postback_sends_its_payload(stack, messenger, psid):
    say(messenger, psid, "hello", "postback.json")
    [greeting] = wait_for_texts(messenger, psid)
    assert "Pip" in greeting and user_texts(stack, psid) == ["hello"]


@pytest.mark.parametrize("kind", ["image", "sticker", "audio"])
def test_attachments_get_the_polite_reply(stack, messenger, psid, kind):
    status, _, _, _ = messenger.timed_delivery(messenger.webhook(f"{kind}.json", psid))
    assert status == 200
    [reply] = wait_for_texts(messenger, psid, timeout_s=30)
    assert reply.startswith(UNSUPPORTED["en"])
    assert user_texts(stack, psid) == []


# --- agent replies from the desk (the outbound path) ---------------------------------------------------------------

def test_an_agents_reply_reaches_the_shopper_split_and_with_the_product_card(stack, messenger, psid):
    say(messenger, psid, "你好")
    wait_for_texts(messenger, psid)
    messenger.reset()
    long_reply = "您好，我是客服小林。关于帐篷的防水性能，我来详细说明一下。" * 80  # about 2,300 characters
    product = {"id": "TP-TNT-001", "name": "山脊双人帐篷", "price": 289.0, "currency": "USD",
               "url": "https://tidepool.example/products/ridge-2p-tent",
               "image": "https://tidepool.example/img/ridge-2p-tent.jpg"}
    answer = agent_says(stack, psid, long_reply,
                        {"type": "agent_message", "agent": "Lin", "product": product, "language": "zh"})
    assert answer.status_code == 200
    [carousel] = messenger.wait_for(lambda: messenger.templates_to(psid), 30)
    pieces = messenger.texts_to(psid)
    assert len(pieces) == 2 and all(len(p) <= 2000 for p in pieces)
    assert "".join(pieces) == long_reply and pieces[0].endswith("。")  # never inside a character
    assert carousel["elements"] == [{
        "title": "山脊双人帐篷", "subtitle": "289.00 USD", "image_url": product["image"],
        "default_action": {"type": "web_url", "url": product["url"]},
        "buttons": [{"type": "web_url", "url": product["url"], "title": "查看商品"}]}]


def test_handoff_notices_carry_their_quick_replies_and_a_tap_sends_the_payload(stack, messenger, psid):
    say(messenger, psid, "hi")
    wait_for_texts(messenger, psid)
    messenger.reset()
    answer = agent_says(stack, psid, "You're number 1 in the queue.",
                        {"type": "handoff_waiting", "position": 1, "language": "en", "handoff_id": 1})
    assert answer.status_code == 200
    [notice] = messenger.wait_for(lambda: messenger.sent_to(psid), 30)
    assert notice["text"] == "You're number 1 in the queue."  # one message, with its quick reply
    assert [q["payload"] for q in notice["quick_replies"]] == ["/handoff_cancel"]
    say(messenger, psid, "/handoff_cancel", "quick_reply.json")
    messenger.wait_for(lambda: user_texts(stack, psid)[-1] == "/handoff_cancel", 30)

    agent_says(stack, psid, "Thanks for chatting with Lin.",
               {"type": "handoff_ended", "agent": "Lin", "ask_rating": True, "language": "en"})
    [rating] = messenger.wait_for(lambda: [m for m in messenger.sent_to(psid) if len(m.get("quick_replies", [])) == 5],
                                  30)
    assert rating["text"] == "Thanks for chatting with Lin." and rating["quick_replies"][-1]["title"] == "★★★★★"
    say(messenger, psid, rating["quick_replies"][-1]["payload"], "quick_reply.json")
    messenger.wait_for(lambda: user_texts(stack, psid)[-1] == '/rate_conversation{"rating": 5}', 30)


# --- what every Meta channel does --------------------------------------------------------------------------------

class TestMessengerAsAMetaChannel(MetaChannelScenarios):
    """What Messenger does like every Meta channel (tests/connectors/meta_scenarios.py)."""

    platform, token_variable, not_text = "messenger", "MESSENGER_PAGE_ACCESS_TOKEN", "audio.json"

    @pytest.fixture
    def double(self, messenger):
        return messenger

    @pytest.fixture
    def shopper(self, psid):
        return psid

    def malformed_bodies(self, shopper):
        no_mid = {"object": "page", "entry": [{"messaging": [
            {"sender": {"id": shopper}, "message": {"text": "no mid"}}]}]}
        return [b"{broken", b'{"object": "whatsapp_business_account", "entry": []}', b"null",
                json.dumps(no_mid).encode()]

    def assert_authorised(self, stack, call):
        assert call.query["access_token"] == stack.env["MESSENGER_PAGE_ACCESS_TOKEN"] and call.query["appsecret_proof"]
        assert call.json["messaging_type"] == "RESPONSE"
