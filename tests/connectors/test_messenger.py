"""The Facebook Messenger channel through the real Rasa and action servers, against the Messenger double: signed
Page webhooks in, Send API calls (`POST /me/messages`) out.

Run under the stack lock:
`flock /tmp/tidepool-stack.lock .venv/bin/python -m pytest tests/connectors/test_messenger.py`.
"""

from __future__ import annotations

import json
import time
from typing import Iterator, List, Tuple

import pytest
import requests

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.messenger import MessengerDouble
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, measure_latency, rasa_log, settle, user_texts

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


def say(messenger: MessengerDouble, psid: str, text: str, fixture: str = "text.json") -> Tuple[float, float]:
    status, answer, sent_at, took = messenger.timed_delivery(messenger.webhook(fixture, psid, text))
    assert (status, answer) == (200, "EVENT_RECEIVED")
    return sent_at, took


def wait_for_texts(messenger: MessengerDouble, psid: str, count: int = 1,
                   timeout_s: float = REPLY_TIMEOUT_S) -> List[str]:
    return messenger.wait_for(lambda: len(messenger.texts_to(psid)) >= count and messenger.texts_to(psid), timeout_s)


# --- verification ----------------------------------------------------------------------------------------------

def test_the_subscription_handshake_echoes_the_challenge_only_for_our_verify_token(stack, messenger):
    ours = {"hub.mode": "subscribe", "hub.verify_token": stack.env["MESSENGER_VERIFY_TOKEN"], "hub.challenge": "4242"}
    answer = requests.get(messenger.webhook_url, params=ours, timeout=10)
    assert (answer.status_code, answer.text) == (200, "4242")
    forged = requests.get(messenger.webhook_url, params={**ours, "hub.verify_token": "guess"}, timeout=10)
    assert forged.status_code == 403 and "4242" not in forged.text


def test_forged_unsigned_and_stale_webhooks_are_refused_with_nothing_reaching_rasa(stack, messenger, psid):
    body = messenger.webhook("text.json", psid, "hi")
    two_days_ago = messenger.webhook("text.json", psid, "hi", timestamp_ms=int((time.time() - 2 * 86400) * 1000))
    for payload, headers, expected in (
        (body, messenger.signed(body, secret="test-whatsapp-app-secret"), 401),  # another app's secret
        (body, {"Content-Type": "application/json"}, 401),  # unsigned
        (body.replace(b'"hi"', b'"hi!"'), messenger.signed(body), 401),  # changed after signing
        (two_days_ago, None, 403),  # replayed: signed, but older than Meta's retries
    ):
        status, answer, _, _ = messenger.timed_delivery(payload, headers)
        assert status == expected and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, psid) == []
    assert messenger.calls_for(psid) == []


def test_malformed_webhooks_are_400_not_500(stack, messenger, psid):
    for body in (b"{broken", b'{"object": "whatsapp_business_account", "entry": []}', b"null",
                 json.dumps({"object": "page", "entry": [{"messaging": [
                     {"sender": {"id": psid}, "message": {"text": "no mid"}}]}]}).encode()):
        status, answer, _, _ = messenger.timed_delivery(body)
        assert status == 400 and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, psid) == []


@pytest.mark.parametrize("fixture", ["echo.json", "delivery.json"])
def test_echoes_and_deliveries_are_acknowledged_and_ignored(stack, messenger, psid, fixture):
    status, answer, _, _ = messenger.timed_delivery(messenger.webhook(fixture, psid))
    assert (status, answer) == (200, "EVENT_RECEIVED")
    settle()
    assert user_texts(stack, psid) == [] and messenger.calls_for(psid) == []


# --- answers ---------------------------------------------------------------------------------------------------

def test_a_webhook_is_acknowledged_at_once_and_answered_through_the_send_api(stack, messenger, psid):
    sent_at, took = say(messenger, psid, "hi")
    assert took < 2.0  # acknowledged before Rasa has even parsed the text
    [greeting] = wait_for_texts(messenger, psid)
    assert "Pip" in greeting
    first = messenger.calls_for(psid)[0]
    assert first.received_at > sent_at + took  # sent after the webhook was answered
    assert first.query["access_token"] == stack.env["MESSENGER_PAGE_ACCESS_TOKEN"] and first.query["appsecret_proof"]
    assert first.json["messaging_type"] == "RESPONSE"
    assert user_texts(stack, psid) == ["hi"]


def test_the_shoppers_language_is_kept(stack, messenger, psid):
    say(messenger, psid, "你好")
    [greeting] = wait_for_texts(messenger, psid)
    assert "小潮" in greeting
    messenger.timed_delivery(messenger.webhook("audio.json", psid))  # no text: the reply keeps their last language
    texts = wait_for_texts(messenger, psid, 2)
    assert texts[1].startswith(UNSUPPORTED["zh"])


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


# --- exactly once, and the platform's errors ---------------------------------------------------------------------

def test_a_retried_delivery_is_answered_once(stack, messenger, psid):
    body = messenger.webhook("text.json", psid, "hi")
    for _ in range(3):  # Meta retries a webhook it thinks failed, with the same mid
        status, _, _, _ = messenger.timed_delivery(body)
        assert status == 200
    wait_for_texts(messenger, psid)
    settle()
    assert user_texts(stack, psid) == ["hi"]
    assert len([t for t in messenger.texts_to(psid) if "Pip" in t]) == 1


def test_a_429_is_retried_then_delivered(stack, messenger, psid):
    messenger.fail_rate_limited(retry_after_s=1)
    say(messenger, psid, "hi")
    wait_for_texts(messenger, psid)
    calls = messenger.calls_for(psid)
    assert [c.answered for c in calls[:2]] == [429, 200]
    assert calls[1].received_at - calls[0].received_at >= 0.9  # Retry-After was honoured
    assert calls[0].body == calls[1].body


def test_an_expired_page_token_is_logged_as_a_configuration_error_and_not_retried(stack, messenger, psid):
    messenger.fail_expired_token()
    say(messenger, psid, "hi")
    messenger.wait_for(lambda: messenger.calls_for(psid), 30)
    settle()
    assert [c.answered for c in messenger.calls_for(psid)] == [401]
    assert "configuration error: MESSENGER_PAGE_ACCESS_TOKEN is expired or invalid" in rasa_log(stack)


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


def test_outside_the_24_hour_window_an_agents_reply_fails_visibly_and_is_not_retried(stack, messenger, psid):
    say(messenger, psid, "hi")
    wait_for_texts(messenger, psid)
    messenger.reset()
    messenger.fail_window_closed()
    first = agent_says(stack, psid, "Sorry for the wait!", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert first.status_code >= 400  # the desk sees the failure
    assert [c.answered for c in messenger.calls_for(psid)] == [400]  # 10/2018278: no retry
    again = agent_says(stack, psid, "Are you still there?", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert again.status_code >= 400 and len(messenger.calls_for(psid)) == 1  # refused without calling the API
    say(messenger, psid, "hello again")  # the shopper writes: the window is open again
    messenger.wait_for(lambda: messenger.texts_to(psid), REPLY_TIMEOUT_S)


# --- latency ----------------------------------------------------------------------------------------------------

def test_webhook_to_reply_latency(stack, messenger):
    """Signed webhook POST → first Send API call received; written to reports/connectors/messenger_latency.json."""
    def one_message() -> Tuple[float, float]:
        psid = MessengerDouble.new_shopper()
        sent_at, took = say(messenger, psid, "hi")
        first = messenger.wait_for(lambda: messenger.calls_for(psid), 60)[0]
        return first.received_at - sent_at, took

    measure_latency("messenger", one_message)
