"""Messenger connector without the stack: webhook parsing (messages, quick replies, postbacks, echoes,
attachments), rendering within the Send API's documented limits (checked by the double's schema), and the Graph
client's answers to Messenger errors against the double. Signatures and the handshake are shared with WhatsApp
(connectors/meta_format.py, tested in test_whatsapp_unit.py); here only Messenger's own secret is checked."""

from __future__ import annotations

import json
import time

import pytest

from connectors import messenger_format as fb
from connectors.meta_format import GraphError, graph_classifier, sign, signature_ok
from connectors.platform import Reply, SendFailed
from tests.connectors.doubles.messenger import MessengerDouble, fixture, schema_errors
from tests.connectors.doubles.meta import sign as documented_sign
from tests.connectors.helpers import with_graph_client

SECRET = "test-messenger-app-secret"
PSID = "1254477777772919"


def assert_valid(bodies):
    for body in bodies:
        assert schema_errors(body) == [], json.dumps(body, ensure_ascii=False)[:500]


def test_page_webhooks_are_signed_like_whatsapp():
    body = json.dumps(fixture("text.json")).encode()
    assert sign(SECRET, body) == documented_sign(SECRET, body)
    assert signature_ok(SECRET, body, documented_sign(SECRET, body))
    assert not signature_ok(SECRET, body, documented_sign("test-whatsapp-app-secret", body))


# --- parsing ---------------------------------------------------------------------------------------------------------

def test_text_message_is_read_with_its_psid_and_mid():
    (event,) = fb.parse_webhook(fixture("text.json"))
    assert (event.kind, event.text, event.sender, event.event) == ("text", "hello, world!", PSID, "message")
    assert event.message_id == "mid.1457764197618:41d102a3e1ae206a38" and event.page_id == "682498302938465"


def test_a_quick_reply_gives_its_payload_not_its_title():
    (event,) = fb.parse_webhook(fixture("quick_reply.json"))
    assert (event.kind, event.text) == ("text", "DEVELOPER_DEFINED_PAYLOAD_FOR_PICKING_RED")


def test_a_postback_gives_its_payload():
    (event,) = fb.parse_webhook(fixture("postback.json"))
    assert (event.kind, event.text, event.event) == ("text", "/greet", "postback")
    assert event.message_id.startswith("m_")


def test_a_postback_without_mid_gets_a_stable_key():
    payload = fixture("postback.json")
    del payload["entry"][0]["messaging"][0]["postback"]["mid"]
    assert fb.parse_webhook(payload)[0].message_id == fb.parse_webhook(payload)[0].message_id != ""


@pytest.mark.parametrize("name, types", [("image.json", ["image"]), ("audio.json", ["audio"]),
                                         ("sticker.json", ["image"])])
def test_attachments_are_unsupported(name, types):
    (event,) = fb.parse_webhook(fixture(name))
    assert event.kind == "unsupported" and event.attachment_types == types


def test_a_typed_link_with_its_preview_is_still_text():
    payload = fixture("text.json")
    message = payload["entry"][0]["messaging"][0]["message"]
    message["text"] = "is this one waterproof? https://tidepool.example/p/1"
    message["attachments"] = [{"type": "fallback", "payload": None, "title": "Tidepool", "URL": "https://..."}]
    assert fb.parse_webhook(payload)[0].kind == "text"


@pytest.mark.parametrize("name, event", [("echo.json", "echo"), ("delivery.json", "delivery")])
def test_echoes_and_deliveries_are_ignored(name, event):
    (found,) = fb.parse_webhook(fixture(name))
    assert (found.kind, found.event) == ("ignored", event)


@pytest.mark.parametrize("payload", [
    None, [], {"object": "whatsapp_business_account", "entry": []}, {"object": "page", "entry": "x"},
    {"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]},
    {"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "no mid"}}]}]},
    {"object": "page", "entry": [{"messaging": {"sender": {"id": "1"}}}]},
])
def test_unknown_shapes_are_malformed(payload):
    with pytest.raises(fb.MalformedWebhook):
        fb.parse_webhook(payload)


# --- rendering -------------------------------------------------------------------------------------------------------

def test_long_text_is_split_at_2000_characters():
    text = ("Our rain shell keeps you dry on long hikes. " * 120).strip()
    bodies = fb.text_messages(PSID, text)
    assert len(bodies) == 3
    assert_valid(bodies)
    assert all(b["messaging_type"] == "RESPONSE" and b["recipient"] == {"id": PSID} for b in bodies)
    assert " ".join(b["message"]["text"] for b in bodies) == text


def test_long_chinese_text_is_split_between_characters():
    text = "这件冲锋衣防水透气，适合徒步。" * 200
    bodies = fb.text_messages(PSID, text)
    assert_valid(bodies)
    assert "".join(b["message"]["text"] for b in bodies) == text


def test_choices_are_quick_replies_with_their_payloads():
    buttons = [{"title": "Track an order", "payload": "/order_tracking"},
               {"title": "Talk to a person right now please", "payload": "/human_agent"}]
    (body,) = fb.choice_messages(PSID, "How can I help?", buttons, "en")
    assert_valid([body])
    replies = body["message"]["quick_replies"]
    assert [r["payload"] for r in replies] == ["/order_tracking", "/human_agent"]
    assert replies[1]["title"] == "Talk to a person ri…"


def test_more_than_13_choices_take_two_messages_and_a_long_text_keeps_them_on_its_last_piece():
    buttons = [{"title": f"Size {n}", "payload": f"/size{n}"} for n in range(20)]
    bodies = fb.choice_messages(PSID, "word " * 500, buttons, "en")
    assert_valid(bodies)
    assert ["quick_replies" in b["message"] for b in bodies] == [False, True, True]
    assert sum(len(b["message"].get("quick_replies", [])) for b in bodies) == 20


ITEM = {"id": "TP-JKT-001", "name": "Harbor Shell 2.5L Rain Jacket", "price": 149.0, "currency": "USD",
        "url": "https://tidepool.example/products/harbor-shell", "image": "https://tidepool.example/img/harbor.jpg",
        "reason": "Waterproof, breathable, and it packs into its own chest pocket for the trail.",
        "promotion": {"code": "RAIN10", "title": "10% off rainwear"}}


def test_products_are_a_generic_template():
    (body,) = fb.custom_messages(PSID, {"type": "products", "items": [ITEM, {**ITEM, "image": None}]}, "en")
    assert_valid([body])
    first, second = body["message"]["attachment"]["payload"]["elements"]
    assert first["title"] == ITEM["name"] and first["image_url"] == ITEM["image"]
    assert first["subtitle"].startswith("149.00 USD · RAIN10 · Waterproof") and len(first["subtitle"]) <= 80
    assert first["buttons"] == [{"type": "web_url", "url": ITEM["url"], "title": "View product"}]
    assert "image_url" not in second


def test_more_than_ten_products_take_two_carousels():
    items = [{**ITEM, "id": f"TP-{n}", "name": "x" * 100} for n in range(12)]
    bodies = fb.product_messages(PSID, items, "zh")
    assert_valid(bodies)
    assert [len(b["message"]["attachment"]["payload"]["elements"]) for b in bodies] == [10, 2]
    assert bodies[0]["message"]["attachment"]["payload"]["elements"][0]["buttons"][0]["title"] == "查看商品"


def test_an_order_is_a_one_card_template():
    card = {"type": "order", "order_id": "TP-1001", "status": "shipped", "status_label": "Shipped", "language": "en",
            "items": [{"name": "Harbor Shell", "quantity": 2}], "total": 298, "currency": "USD"}
    (body,) = fb.custom_messages(PSID, card, "en")
    assert_valid([body])
    (element,) = body["message"]["attachment"]["payload"]["elements"]
    assert element == {"title": "Order TP-1001 · Shipped", "subtitle": "2 × Harbor Shell · Total 298.00 USD"}


def test_handoff_notices_offer_their_quick_replies():
    (waiting,) = fb.custom_messages(PSID, {"type": "handoff_waiting", "position": 1, "language": "zh"}, "en")
    assert_valid([waiting])
    assert waiting["message"]["quick_replies"][0] == {"content_type": "text", "title": "返回智能助手",
                                                      "payload": "/handoff_cancel"}
    (rating,) = fb.custom_messages(PSID, {"type": "handoff_ended", "agent": "Lin", "ask_rating": True}, "en")
    assert_valid([rating])
    assert len(rating["message"]["quick_replies"]) == 5


def test_payloads_without_a_native_form_give_nothing_and_agent_products_a_card():
    assert fb.custom_messages(PSID, {"type": "agent_joined", "agent": "Lin"}, "en") == []
    assert fb.custom_messages(PSID, {"type": "handoff_ended", "ask_rating": False}, "en") == []
    (card,) = fb.custom_messages(PSID, {"type": "agent_message", "agent": "Lin", "product": ITEM}, "en")
    assert card["message"]["attachment"]["payload"]["template_type"] == "generic"


def test_an_image_is_a_reusable_attachment():
    body = fb.image_message(PSID, "https://tidepool.example/img/harbor.jpg")
    assert_valid([body])


# --- Graph answers --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, name, verdict", [
    (400, "error_rate_limit.json", "retry"),
    (400, "error_outside_window.json", "fail"),
    (401, "error_190.json", "fail"),
])
def test_messenger_errors_are_classified(status, name, verdict):
    assert graph_classifier(Reply(status, fixture(name))) == verdict


def run_against_double(script):
    return with_graph_client(MessengerDouble(SECRET, "page-token"), "/v21.0/me/messages", script)


PARAMS = {"access_token": "page-token"}


def test_a_rate_limit_is_retried_then_delivered():
    async def script(double, client, url):
        double.fail_rate_limited(retry_after_s=1)
        started = time.monotonic()
        reply = await client.send(url, fb.text_messages(PSID, "hi")[0], params=PARAMS)
        return reply, time.monotonic() - started, [c.answered for c in double.calls]
    reply, took, answers = run_against_double(script)
    assert reply.status == 200 and reply.body["recipient_id"] == PSID
    assert answers == [429, 200] and took >= 0.9


def test_the_outside_window_error_is_not_retried():
    async def script(double, client, url):
        double.fail_window_closed()
        with pytest.raises(SendFailed) as failure:
            await client.send(url, fb.text_messages(PSID, "hi")[0], params=PARAMS)
        return GraphError.of(failure.value.reply.body), len(double.calls)
    error, calls = run_against_double(script)
    assert calls == 1 and (error.code, error.subcode) == (10, 2018278)


def test_a_wrong_page_token_is_refused_like_the_platform():
    async def script(double, client, url):
        with pytest.raises(SendFailed):
            await client.send(url, fb.text_messages(PSID, "hi")[0], params={"access_token": "stolen"})
        return [c.answered for c in double.calls]
    assert run_against_double(script) == [401]
