"""The WeChat Official Account channel through the real Rasa and action servers, against the WeChat double: signed
and encrypted pushes in, customer-service API calls out.

Run under the stack lock: `flock /tmp/tidepool-stack.lock .venv/bin/python -m pytest tests/connectors/test_wechat.py`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Dict, Iterator, List, Tuple

import pytest

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.wechat import SEND_PATH, TOKEN_PATH, WechatDouble, sha1_signature
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, measure_latency, settle, user_texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def wechat_double(stack) -> Iterator[WechatDouble]:
    env = stack.env
    double = WechatDouble(env["WECHAT_APP_ID"], env["WECHAT_APP_SECRET"], env["WECHAT_TOKEN"], env["WECHAT_AES_KEY"])
    with double.in_background(stack.double_ports["wechat"]):
        yield double


@pytest.fixture
def wechat(wechat_double) -> Iterator[WechatDouble]:
    """The double, with no calls recorded yet; the test fails if the connector sent a malformed call."""
    with wechat_double.checked():
        yield wechat_double


@pytest.fixture
def openid() -> str:
    """A fresh shopper (an OpenID is 28 characters starting with "o")."""
    return "o" + uuid.uuid4().hex[:27]


def webhook(stack) -> str:
    return f"{stack.rasa_url}/webhooks/wechat/webhook"


def push(stack, wechat: WechatDouble, xml: str, query: Dict[str, str] = None, body: bytes = None):
    """(status, answer, sent_at, seconds to answer) for one push."""
    return wechat.run(wechat.push(webhook(stack), body if body is not None else xml.encode("utf-8"), query))


def say(stack, wechat: WechatDouble, openid: str, text: str):
    status, answer, sent_at, took = push(stack, wechat, wechat.message("text", openid, Content=text))
    assert (status, answer) == (200, "success")
    return sent_at, took


def wait_for_texts(wechat: WechatDouble, openid: str, count: int = 1, timeout_s: float = REPLY_TIMEOUT_S) -> List[str]:
    return wechat.wait_for(lambda: len(wechat.texts(openid)) >= count and wechat.texts(openid), timeout_s)


# --- verification ----------------------------------------------------------------------------------------------

def test_server_verification_echoes_echostr_only_when_signed(stack, wechat):
    assert wechat.run(wechat.verify(webhook(stack), "echo-8841")) == (200, "echo-8841")
    forged = wechat.signed_query(token="not-our-token")
    status, answer = wechat.run(wechat.verify(webhook(stack), "echo-8841", forged))
    assert status == 403 and "echo-8841" not in answer


def test_forged_stale_and_unsigned_pushes_are_refused_with_nothing_reaching_rasa(stack, wechat, openid):
    xml = wechat.message("text", openid, Content="hi")
    an_hour_ago = str(int(time.time()) - 3600)
    for query in (
        wechat.signed_query(token="not-our-token"),  # forged
        wechat.signed_query(timestamp=an_hour_ago),  # replayed: signed, but outside the 5-minute window
        {"timestamp": str(int(time.time())), "nonce": "abc"},  # unsigned
    ):
        status, answer, _, _ = push(stack, wechat, xml, query)
        assert status == 403 and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, openid) == []
    assert wechat.sent(openid) == []


def test_malformed_and_entity_bearing_pushes_are_400_not_500(stack, wechat, openid):
    bodies = [
        b"<xml><FromUserName>" + openid.encode() + b"</FromUserName><Content>broken",
        b'<!DOCTYPE xml [<!ENTITY boom "' + b"x" * 100 + b'">]><xml><FromUserName>' + openid.encode()
        + b"</FromUserName><MsgType>text</MsgType><Content>&boom;</Content></xml>",
        b'{"not": "xml"}',
        b"<xml><Content>no sender</Content></xml>",
    ]
    for body in bodies:
        status, _, _, _ = push(stack, wechat, "", body=body)
        assert status == 400
    settle()
    assert user_texts(stack, openid) == []


# --- the 5-second window and replies ------------------------------------------------------------------------------

def test_a_push_is_answered_at_once_and_the_reply_comes_later_through_the_customer_service_api(stack, wechat, openid):
    sent_at, took = say(stack, wechat, openid, "hi")
    assert took < 2.0  # WeChat gives up (and retries) after 5 s; we answer before Rasa has even parsed the text
    [reply] = wechat.wait_for(lambda: wechat.sent(openid))
    assert reply.received_at > sent_at + took  # delivered after the push was answered: asynchronously
    assert "Pip" in reply.json["text"]["content"]
    assert user_texts(stack, openid) == ["hi"]


def test_the_shoppers_language_is_kept(stack, wechat, openid):
    say(stack, wechat, openid, "你好")
    [greeting] = wait_for_texts(wechat, openid)
    assert "小潮" in greeting
    push(stack, wechat, wechat.message("voice", openid))  # no text: the reply keeps their last language
    texts = wait_for_texts(wechat, openid, 2)
    assert texts[1].startswith(UNSUPPORTED["zh"])


def test_a_recommendation_arrives_as_one_news_article_per_product(stack, wechat, openid):
    say(stack, wechat, openid, "Can you recommend a tent?")
    articles = wechat.wait_for(lambda: wechat.articles(openid), REPLY_TIMEOUT_S)
    time.sleep(2)  # the rest of the cards
    articles = wechat.articles(openid)
    assert 1 <= len(articles) <= 3
    for article in articles:
        assert article["title"] and article["url"].startswith("https://")
        assert article["picurl"].startswith("https://") and "USD" in article["title"]
    kinds = [c.json["msgtype"] for c in wechat.sent(openid)]
    assert kinds[0] == "text" and kinds.count("news") == len(articles)  # the intro line, then the cards


def test_an_order_question_is_answered_with_the_order_as_text(stack, wechat, openid):
    order = next(o for o in demo_orders() if o["status"] == "shipped")
    say(stack, wechat, openid, f"Where is my order {order['id']}?")
    wait_for_texts(wechat, openid)
    say(stack, wechat, openid, order["email"])
    texts = wechat.wait_for(lambda: [t for t in wechat.texts(openid) if t.startswith(f"Order {order['id']} · ")],
                            REPLY_TIMEOUT_S)
    assert "Total USD" in texts[0] and "×" in texts[0]
    assert any(order["tracking_number"] in t for t in wechat.texts(openid))


def test_a_new_follower_is_greeted(stack, wechat, openid):
    status, answer, _, _ = push(stack, wechat, wechat.message("event_subscribe", openid))
    assert (status, answer) == (200, "success")
    [greeting] = wait_for_texts(wechat, openid)
    assert "Pip" in greeting


@pytest.mark.parametrize("kind", ["image", "voice", "location", "link"])
def test_what_is_not_text_gets_the_polite_reply(stack, wechat, openid, kind):
    status, answer, _, _ = push(stack, wechat, wechat.message(kind, openid))
    assert (status, answer) == (200, "success")
    [reply] = wait_for_texts(wechat, openid, timeout_s=30)
    assert reply.startswith(UNSUPPORTED["en"])
    assert user_texts(stack, openid) == []


# --- exactly once, and the platform's errors ---------------------------------------------------------------------

def test_a_retried_delivery_is_answered_once(stack, wechat, openid):
    xml = wechat.message("text", openid, Content="hi")
    for _ in range(3):  # WeChat retries a push three times, with the same MsgId
        status, answer, _, _ = push(stack, wechat, xml)
        assert (status, answer) == (200, "success")
    wait_for_texts(wechat, openid)
    settle()
    assert user_texts(stack, openid) == ["hi"]
    assert len(wechat.sent(openid)) == 1


def sends_to(wechat: WechatDouble, openid: str):
    return [c for c in wechat.calls_to(SEND_PATH, answered_ok=False) if (c.json or {}).get("touser") == openid]


def test_a_429_is_retried_then_delivered(stack, wechat, openid):
    wechat.fail_next(429, {"errcode": 45009, "errmsg": "api freq out of limit"}, {"Retry-After": "1"}, path=SEND_PATH)
    say(stack, wechat, openid, "hi")
    wait_for_texts(wechat, openid)
    calls = sends_to(wechat, openid)
    assert [c.answered for c in calls] == [429, 200]
    assert calls[1].received_at - calls[0].received_at >= 0.9  # Retry-After was honoured


def test_busy_answers_with_http_200_are_retried(stack, wechat, openid):
    wechat.fail_next(200, {"errcode": -1, "errmsg": "system error"}, path=SEND_PATH)
    say(stack, wechat, openid, "hi")
    wait_for_texts(wechat, openid)
    assert len(sends_to(wechat, openid)) == 2


def test_an_expired_access_token_is_refreshed_once_and_the_message_delivered(stack, wechat, openid):
    say(stack, wechat, openid, "hi")  # the connector holds a token by now
    wait_for_texts(wechat, openid)
    wechat.expire_token()
    tokens_before = len(wechat.calls_to(TOKEN_PATH))
    say(stack, wechat, openid, "thanks")
    wait_for_texts(wechat, openid, 2)
    assert len(wechat.calls_to(TOKEN_PATH)) == tokens_before + 1
    assert len(sends_to(wechat, openid)) == 3  # hi; thanks with the expired token (42001); thanks again


# --- AES safe mode -----------------------------------------------------------------------------------------------

def test_an_encrypted_push_is_decrypted_and_answered(stack, wechat, openid):
    query, body = wechat.encrypted(wechat.message("text", openid, Content="hi"))
    status, answer, _, took = push(stack, wechat, "", query, body)
    assert (status, answer) == (200, "success") and took < 2.0
    [greeting] = wait_for_texts(wechat, openid)
    assert "Pip" in greeting
    assert user_texts(stack, openid) == ["hi"]


def test_an_encrypted_push_with_a_wrong_msg_signature_or_app_id_is_refused(stack, wechat, openid):
    xml = wechat.message("text", openid, Content="hi")
    forged = wechat.encrypted(xml, msg_signature=sha1_signature("not-our-token", "1", "2", "3"))
    other_app = wechat.encrypted(xml, app_id="wx9999999999999999")
    for query, body in (forged, other_app):
        status, answer, _, _ = push(stack, wechat, "", query, body)
        assert status == 403 and "error" in json.loads(answer)
    settle()
    assert user_texts(stack, openid) == []
    assert wechat.sent(openid) == []


# --- agent replies from the desk (the outbound path) ---------------------------------------------------------------

def test_an_agents_reply_reaches_the_shopper_split_and_with_the_product_as_news(stack, wechat, openid):
    say(stack, wechat, openid, "你好")
    wait_for_texts(wechat, openid)
    wechat.reset()
    long_reply = "您好，我是客服小林。关于帐篷的防水性能，我来详细说明一下。" * 60  # about 5,000 bytes
    product = {"id": "TP-TNT-001", "name": "山脊双人帐篷", "price": 289.0, "currency": "USD",
               "url": "https://tidepool.example/products/ridge-2p-tent",
               "image": "https://tidepool.example/img/ridge-2p-tent.jpg"}
    agent_says(stack, openid, long_reply, {"type": "agent_message", "agent": "Lin", "product": product})
    articles = wechat.wait_for(lambda: wechat.articles(openid), 30)
    pieces = wechat.texts(openid)
    assert len(pieces) >= 3 and all(len(p.encode("utf-8")) <= 2048 for p in pieces)
    assert "".join(pieces) == long_reply
    assert all(p.endswith("。") for p in pieces)  # split at sentence ends, never inside a character
    assert articles == [{"title": "山脊双人帐篷 · USD 289.00", "description": "", "url": product["url"],
                         "picurl": product["image"]}]


def test_handoff_buttons_become_a_numbered_menu_and_the_number_is_the_buttons_payload(stack, wechat, openid):
    say(stack, wechat, openid, "hi")
    wait_for_texts(wechat, openid)
    wechat.reset()
    agent_says(stack, openid, "You're number 1 in the queue.",
               {"type": "handoff_waiting", "position": 1, "language": "en", "handoff_id": 1})
    texts = wait_for_texts(wechat, openid, 2, 30)
    assert texts == ["You're number 1 in the queue.", "Reply 1: Back to assistant"]
    say(stack, wechat, openid, "1")
    wechat.wait_for(lambda: user_texts(stack, openid)[-1] == "/handoff_cancel", 30)

    agent_says(stack, openid, "Thanks for chatting with Lin.", {"type": "handoff_ended", "agent": "Lin",
                                                                 "ask_rating": True, "language": "en"})
    menu = wechat.wait_for(lambda: [t for t in wechat.texts(openid) if t.startswith("Reply 1: ★")], 30)[0]
    assert menu.splitlines()[-1] == "Reply 5: ★★★★★"
    say(stack, wechat, openid, "5")
    wechat.wait_for(lambda: user_texts(stack, openid)[-1] == '/rate_conversation{"rating": 5}', 30)


def test_an_agents_reply_after_the_48_hour_window_fails_visibly_without_retries(stack, wechat, openid):
    say(stack, wechat, openid, "hi")
    wait_for_texts(wechat, openid)
    wechat.reset()
    wechat.fail_next(200, {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"},
                     path=SEND_PATH)
    response = agent_says(stack, openid, "Are you still there?", {"type": "agent_message", "agent": "Lin"},
                          check=False)
    assert response.status_code >= 500  # the desk sees that the reply did not reach the shopper
    assert len(sends_to(wechat, openid)) == 1 and wechat.sent(openid) == []


# --- latency ----------------------------------------------------------------------------------------------------

def test_webhook_to_reply_latency(stack, wechat):
    """Push → first customer-service call received; written to reports/connectors/wechat_latency.json."""
    def one_message() -> Tuple[float, float]:
        shopper = f"obench{uuid.uuid4().hex[:21]}"
        sent_at, took = say(stack, wechat, shopper, "hi")
        [reply] = wechat.wait_for(lambda: wechat.sent(shopper), 60)
        return reply.received_at - sent_at, took

    measure_latency("wechat", one_message)
