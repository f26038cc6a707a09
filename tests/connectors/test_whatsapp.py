"""The WhatsApp Cloud API channel through the real Rasa and action servers, against the WhatsApp double: signed
`messages` webhooks in, `POST /{phone-number-id}/messages` calls out.

Run under the stack lock: `flock /tmp/tidepool-stack.lock .venv/bin/python -m pytest tests/connectors/test_whatsapp.py`.
"""

from __future__ import annotations

import json
import time
from typing import Iterator, List, Tuple

import pytest
import requests

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.whatsapp import WhatsAppDouble
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, measure_latency, rasa_log, settle, user_texts

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


def say(whatsapp: WhatsAppDouble, shopper: str, text: str, fixture: str = "text.json") -> Tuple[float, float]:
    status, answer, sent_at, took = whatsapp.timed_delivery(whatsapp.webhook(fixture, shopper, text))
    assert status == 200, answer
    return sent_at, took


def wait_for_texts(whatsapp: WhatsAppDouble, shopper: str, count: int = 1,
                   timeout_s: float = REPLY_TIMEOUT_S) -> List[str]:
    return whatsapp.wait_for(lambda: len(whatsapp.texts_to(shopper)) >= count and whatsapp.texts_to(shopper),
                             timeout_s)


# --- verification ----------------------------------------------------------------------------------------------

def test_the_subscription_handshake_echoes_the_challenge_only_for_our_verify_token(stack, whatsapp):
    url = whatsapp.webhook_url
    token = stack.env["WHATSAPP_VERIFY_TOKEN"]
    ours = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    answer = requests.get(url, params=ours, timeout=10)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    forged = requests.get(url, params={**ours, "hub.verify_token": "guess"}, timeout=10)
    assert forged.status_code == 403 and "1158201444" not in forged.text


def test_forged_unsigned_and_stale_webhooks_are_refused_with_nothing_reaching_rasa(stack, whatsapp, shopper):
    body = whatsapp.webhook("text.json", shopper, "hi")
    two_days_ago = whatsapp.webhook("text.json", shopper, "hi", timestamp=time.time() - 2 * 86400)
    for payload, headers, expected in (
        (body, whatsapp.signed(body, secret="not-our-app-secret"), 401),  # forged
        (body, {"Content-Type": "application/json"}, 401),  # unsigned
        (body.replace(b'"hi"', b'"hi!"'), whatsapp.signed(body), 401),  # changed after signing
        (two_days_ago, None, 403),  # replayed: signed, but older than Meta's retries
    ):
        status, answer, _, _ = whatsapp.timed_delivery(payload, headers)
        assert status == expected and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, shopper) == []
    assert whatsapp.calls_for(shopper) == []


def test_malformed_webhooks_are_400_not_500(stack, whatsapp, shopper):
    for body in (b"{broken", b'{"object": "page", "entry": []}', b"[]",
                 json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
                            "value": {"messages": [{"from": shopper, "type": "text"}]}}]}]}).encode()):
        status, answer, _, _ = whatsapp.timed_delivery(body)
        assert status == 400 and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, shopper) == []


def test_delivery_statuses_are_acknowledged_and_ignored(stack, whatsapp, shopper):
    status, _, _, _ = whatsapp.timed_delivery(whatsapp.webhook("status_sent.json", shopper))
    assert status == 200
    settle()
    assert user_texts(stack, shopper) == [] and whatsapp.calls_for(shopper) == []


# --- answers ---------------------------------------------------------------------------------------------------

def test_a_webhook_is_acknowledged_at_once_and_answered_through_the_api(stack, whatsapp, shopper):
    sent_at, took = say(whatsapp, shopper, "hi")
    assert took < 2.0  # acknowledged before Rasa has even parsed the text
    [greeting] = wait_for_texts(whatsapp, shopper)
    assert "Pip" in greeting
    first = whatsapp.calls_for(shopper)[0]
    assert first.received_at > sent_at + took  # sent after the webhook was answered
    assert first.headers["Authorization"] == f"Bearer {stack.env['WHATSAPP_ACCESS_TOKEN']}"
    assert first.path == f"/v21.0/{stack.env['WHATSAPP_PHONE_NUMBER_ID']}/messages"
    assert user_texts(stack, shopper) == ["hi"]


def test_the_shoppers_language_is_kept(stack, whatsapp, shopper):
    say(whatsapp, shopper, "你好")
    [greeting] = wait_for_texts(whatsapp, shopper)
    assert "小潮" in greeting
    whatsapp.timed_delivery(whatsapp.webhook("sticker.json", shopper))  # no text: the reply keeps their last language
    texts = wait_for_texts(whatsapp, shopper, 2)
    assert texts[1].startswith(UNSUPPORTED["zh"])


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

def test_a_retried_delivery_is_answered_once(stack, whatsapp, shopper):
    body = whatsapp.webhook("text.json", shopper, "hi")
    for _ in range(3):  # Meta retries a webhook it thinks failed, with the same wamid
        status, _, _, _ = whatsapp.timed_delivery(body)
        assert status == 200
    wait_for_texts(whatsapp, shopper)
    settle()
    assert user_texts(stack, shopper) == ["hi"]
    assert len([t for t in whatsapp.texts_to(shopper) if "Pip" in t]) == 1


def test_a_429_is_retried_then_delivered(stack, whatsapp, shopper):
    whatsapp.fail_rate_limited(retry_after_s=1)
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    calls = whatsapp.calls_for(shopper)
    assert [c.answered for c in calls[:2]] == [429, 200]
    assert calls[1].received_at - calls[0].received_at >= 0.9  # Retry-After was honoured
    assert calls[0].body == calls[1].body


def test_a_server_error_is_retried_then_delivered(stack, whatsapp, shopper):
    whatsapp.fail_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}}, path="/messages")
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    assert [c.answered for c in whatsapp.calls_for(shopper)[:2]] == [503, 200]


def test_an_expired_access_token_is_logged_as_a_configuration_error_and_not_retried(stack, whatsapp, shopper):
    whatsapp.fail_expired_token()
    say(whatsapp, shopper, "hi")
    whatsapp.wait_for(lambda: whatsapp.calls_for(shopper), 30)
    settle()
    assert [c.answered for c in whatsapp.calls_for(shopper)] == [401]  # no retry, and the turn stopped there
    assert "configuration error: WHATSAPP_ACCESS_TOKEN is expired or invalid" in rasa_log(stack)


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


def test_outside_the_24_hour_window_an_agents_reply_fails_visibly_and_is_not_retried(stack, whatsapp, shopper):
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    whatsapp.reset()
    whatsapp.fail_window_closed()
    first = agent_says(stack, shopper, "Sorry for the wait!", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert first.status_code >= 400  # the desk sees the failure
    assert [c.answered for c in whatsapp.calls_for(shopper)] == [400]  # 131047: no retry
    again = agent_says(stack, shopper, "Are you still there?", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert again.status_code >= 400 and len(whatsapp.calls_for(shopper)) == 1  # refused without calling the API
    assert "outside the 24-hour customer-service window" in rasa_log(stack)

    say(whatsapp, shopper, "hello again")  # the shopper writes: the window is open again
    whatsapp.wait_for(lambda: whatsapp.texts_to(shopper), REPLY_TIMEOUT_S)


def test_a_failed_status_with_131047_closes_the_window_without_an_api_call(stack, whatsapp, shopper):
    say(whatsapp, shopper, "hi")
    wait_for_texts(whatsapp, shopper)
    whatsapp.reset()
    status, _, _, _ = whatsapp.timed_delivery(whatsapp.webhook("status_failed_131047.json", shopper))
    assert status == 200
    answer = agent_says(stack, shopper, "Sorry for the wait!", {"type": "agent_message", "agent": "Lin"}, check=False)
    assert answer.status_code >= 400 and whatsapp.calls_for(shopper) == []


# --- latency ----------------------------------------------------------------------------------------------------

def test_webhook_to_reply_latency(stack, whatsapp):
    """Signed webhook POST → first outbound API call received; written to reports/connectors/whatsapp_latency.json."""
    def one_message() -> Tuple[float, float]:
        shopper = WhatsAppDouble.new_shopper()
        sent_at, took = say(whatsapp, shopper, "hi")
        first = whatsapp.wait_for(lambda: whatsapp.calls_for(shopper), 60)[0]
        return first.received_at - sent_at, took

    measure_latency("whatsapp", one_message)
