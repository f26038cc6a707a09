"""WhatsApp Cloud API connector without the stack: Meta signatures and handshake, webhook parsing, rendering within
the documented limits (checked by the double's schema), and the Graph client's retries against the double."""

from __future__ import annotations

import json
import time

import pytest

from connectors import whatsapp_format as wa
from connectors.meta_format import (
    GraphError,
    Shoppers,
    graph_classifier,
    handshake,
    recent,
    sign,
    signature_ok,
)
from connectors.platform import Reply, SendFailed, with_handoff_buttons
from tests.connectors.doubles.meta import sign as documented_sign
from tests.connectors.doubles.whatsapp import WhatsAppDouble, fixture, schema_errors
from tests.connectors.helpers import with_graph_client

SECRET = "test-whatsapp-app-secret"
TO = "16505551234"


def assert_valid(bodies):
    for body in bodies:
        assert schema_errors(body) == [], json.dumps(body, ensure_ascii=False)[:500]


# --- verification ------------------------------------------------------------------------------------------------

def test_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = json.dumps(fixture("text.json")).encode()
    assert sign(SECRET, body) == documented_sign(SECRET, body)
    assert signature_ok(SECRET, body, documented_sign(SECRET, body))
    assert signature_ok(SECRET, body, documented_sign(SECRET, body).upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64])
def test_a_missing_or_wrong_signature_is_refused(header):
    assert not signature_ok(SECRET, b'{"object": "whatsapp_business_account"}', header)


def test_a_body_changed_after_signing_is_refused():
    body = json.dumps(fixture("text.json")).encode()
    assert not signature_ok(SECRET, body.replace(b"colour", b"color"), sign(SECRET, body))
    assert not signature_ok("another-secret", body, sign(SECRET, body))


def test_handshake_echoes_the_challenge_only_for_our_verify_token():
    args = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert handshake(args, "verify-me") == (200, "1158201444")
    assert handshake({**args, "hub.verify_token": "guess"}, "verify-me")[0] == 403
    assert handshake({**args, "hub.mode": "unsubscribe"}, "verify-me")[0] == 403
    assert handshake({k: v for k, v in args.items() if k != "hub.challenge"}, "verify-me")[0] == 400


def test_replay_window_takes_seconds_or_milliseconds():
    now = time.time()
    assert recent(str(int(now)), now=now) and recent(int(now * 1000), now=now)
    assert not recent(str(int(now - 2 * 86400)), now=now)
    assert not recent("", now=now) and not recent(None, now=now)


# --- parsing ---------------------------------------------------------------------------------------------------------

def test_text_message_is_read_with_its_sender_and_id():
    (message,), statuses = wa.parse_webhook(fixture("text.json"))
    assert statuses == []
    assert (message.kind, message.text, message.sender) == ("text", "Does it come in another colour?", "16505551234")
    assert message.message_id.startswith("wamid.") and message.name == "Sheena Nelson"
    assert message.phone_number_id == "106540352242922"


@pytest.mark.parametrize("name, payload", [("interactive_button_reply.json", "cancel-button"),
                                           ("interactive_list_reply.json", "priority_express")])
def test_a_tapped_button_or_row_gives_its_id(name, payload):
    (message,), _ = wa.parse_webhook(fixture(name))
    assert (message.kind, message.text) == ("text", payload)


@pytest.mark.parametrize("name", ["image.json", "sticker.json", "location.json", "audio.json"])
def test_media_and_locations_are_unsupported(name):
    (message,), _ = wa.parse_webhook(fixture(name))
    assert message.kind == "unsupported" and message.text == ""


def test_an_image_caption_is_kept_for_the_language_only():
    (message,), _ = wa.parse_webhook(fixture("image.json"))
    assert message.caption == "Have you got this in blue?"


def test_unknown_types_are_unsupported_and_reactions_ignored():
    payload = fixture("text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "hologram"
    assert wa.parse_webhook(payload)[0][0].kind == "unsupported"
    message["type"] = "reaction"
    message["reaction"] = {"message_id": "wamid.x", "emoji": "👍"}
    assert wa.parse_webhook(payload)[0][0].kind == "ignored"


def test_statuses_carry_no_message_and_failures_keep_their_codes():
    assert wa.parse_webhook(fixture("status_sent.json")) == ([], [wa.Status("16505551234", "sent", [])])
    _, (status,) = wa.parse_webhook(fixture("status_failed_131047.json"))
    assert (status.status, status.error_codes) == ("failed", [131047])


@pytest.mark.parametrize("payload", [
    [], "text", {"object": "page", "entry": []}, {"object": "whatsapp_business_account", "entry": {}},
    {"object": "whatsapp_business_account", "entry": ["x"]},
    {"object": "whatsapp_business_account",
     "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"type": "text"}]}}]}]},
])
def test_unknown_shapes_are_malformed(payload):
    with pytest.raises(wa.MalformedWebhook):
        wa.parse_webhook(payload)


def test_other_subscription_fields_are_skipped():
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {"event": "VERIFIED"}}]}]}
    assert wa.parse_webhook(payload) == ([], [])


# --- rendering -------------------------------------------------------------------------------------------------------

def test_long_text_is_split_at_4096_characters_without_breaking_words():
    words = ("lightweight waterproof jacket " * 400).strip()
    bodies = wa.text_messages(TO, words)
    assert len(bodies) == 3
    assert_valid(bodies)
    assert " ".join(b["text"]["body"] for b in bodies) == words


def test_long_chinese_text_is_split_between_characters():
    text = "这件冲锋衣防水透气，适合徒步。" * 400
    bodies = wa.text_messages(TO, text)
    assert_valid(bodies)
    assert "".join(b["text"]["body"] for b in bodies) == text


def test_up_to_three_short_choices_are_reply_buttons_with_payload_ids():
    buttons = [{"title": "Track an order", "payload": "/order_tracking"}, {"title": "Talk to a person",
                                                                          "payload": "/human_agent"}]
    (body,) = wa.choice_messages(TO, "How can I help?", buttons, "en")
    assert_valid([body])
    interactive = body["interactive"]
    assert interactive["type"] == "button" and interactive["body"]["text"] == "How can I help?"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["/order_tracking", "/human_agent"]


def test_more_choices_become_lists_of_ten_rows():
    buttons = [{"title": f"Option {n}", "payload": f"/choose{{\"n\": {n}}}"} for n in range(12)]
    bodies = wa.choice_messages(TO, "Pick one", buttons, "en")
    assert_valid(bodies)
    assert [b["interactive"]["type"] for b in bodies] == ["list", "list"]
    rows = [r for b in bodies for r in b["interactive"]["action"]["sections"][0]["rows"]]
    assert [r["id"] for r in rows] == [b["payload"] for b in buttons]


def test_long_button_titles_are_cut_at_20_and_a_list_keeps_titles_unique():
    buttons = [{"title": "Harbor Shell 2.5L Rain Jacket, size M", "payload": "/a"}, {"title": "No", "payload": "/b"}]
    (body,) = wa.choice_messages(TO, "Which one?", buttons, "en")
    assert_valid([body])
    assert body["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Harbor Shell 2.5L R…"
    twins = [{"title": "Harbor Shell 2.5L Rain Jacket, size M", "payload": "/m"},
             {"title": "Harbor Shell 2.5L Rain Jacket, size L", "payload": "/l"}]
    (body,) = wa.choice_messages(TO, "Which size?", twins, "en")
    assert_valid([body])
    assert body["interactive"]["type"] == "list"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["Harbor Shell 2.5L Rain…"] * 2
    assert [r["description"] for r in rows] == [b["title"] for b in twins]


def test_a_text_too_long_for_buttons_goes_first_and_the_buttons_get_a_prompt():
    text = "word " * 400
    bodies = wa.choice_messages(TO, text, [{"title": "Yes", "payload": "/affirm"}], "zh")
    assert_valid(bodies)
    assert bodies[0]["type"] == "text" and bodies[-1]["interactive"]["body"]["text"] == "请选择："


def test_a_payload_too_long_for_an_id_is_replaced_by_the_title():
    (body,) = wa.choice_messages(TO, "?", [{"title": "Yes", "payload": "/x" + "y" * 300}], "en")
    assert_valid([body])
    assert body["interactive"]["action"]["buttons"][0]["reply"]["id"] == "Yes"


ITEM = {"id": "TP-JKT-001", "name": "Harbor Shell 2.5L Rain Jacket", "price": 149.0, "currency": "USD",
        "url": "https://tidepool.example/products/harbor-shell", "image": "https://tidepool.example/img/harbor.jpg",
        "reason": "Waterproof and packs small.", "promotion": {"code": "RAIN10", "title": "10% off rainwear"}}


def test_products_are_images_with_captions():
    bodies = wa.custom_messages(TO, {"type": "products", "items": [ITEM, {**ITEM, "image": None}]}, "en")
    assert_valid(bodies)
    assert [b["type"] for b in bodies] == ["image", "text"]
    caption = bodies[0]["image"]["caption"]
    assert "*Harbor Shell 2.5L Rain Jacket*" in caption and "149.00 USD" in caption and "RAIN10" in caption
    assert bodies[0]["image"]["link"] == ITEM["image"]


def test_a_huge_product_caption_is_cut_to_1024():
    (body,) = wa.product_messages(TO, [{**ITEM, "reason": "x" * 3000}], "en")
    assert_valid([body])
    assert len(body["image"]["caption"]) == 1024


def test_an_order_is_a_text_card():
    card = {"type": "order", "order_id": "TP-1001", "status": "shipped", "status_label": "已发货", "language": "zh",
            "items": [{"name": "港湾防水夹克", "quantity": 1, "size": "M"}], "total": 149, "currency": "USD",
            "carrier": "UPS", "tracking_number": "1Z999"}
    (body,) = wa.custom_messages(TO, card, "en")
    assert_valid([body])
    assert body["text"]["body"].split("\n") == [
        "*订单 TP-1001* · 已发货", "• 1 × 港湾防水夹克 (M)", "合计: 149.00 USD", "运单号: UPS 1Z999"]


def test_handoff_notices_offer_their_buttons():
    (waiting,) = wa.custom_messages(TO, {"type": "handoff_waiting", "position": 2, "language": "en"}, "en")
    assert_valid([waiting])
    assert waiting["interactive"]["action"]["buttons"][0]["reply"]["id"] == "/handoff_cancel"
    (rating,) = wa.custom_messages(TO, {"type": "handoff_ended", "agent": "Lin", "ask_rating": True}, "en")
    assert_valid([rating])
    rows = rating["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f'/rate_conversation{{"rating": {n}}}' for n in range(1, 6)]


def test_payloads_without_a_native_form_give_nothing_and_agent_products_a_card():
    assert wa.custom_messages(TO, {"type": "agent_joined", "agent": "Lin"}, "en") == []
    assert wa.custom_messages(TO, {"type": "answer", "citations": []}, "en") == []
    assert wa.custom_messages(TO, ["not", "a", "dict"], "en") == []
    (card,) = wa.custom_messages(TO, {"type": "agent_message", "agent": "Lin", "product": ITEM}, "en")
    assert card["type"] == "image"


def test_a_handoff_notice_with_text_travels_as_one_message():
    message = {"text": "You are number 2 in the queue.", "custom": {"type": "handoff_waiting", "language": "en"}}
    merged = with_handoff_buttons(message)
    assert merged["buttons"] == [{"title": "Back to assistant", "payload": "/handoff_cancel"}]
    assert "custom" not in merged
    plain = {"text": "Lin joined", "custom": {"type": "agent_joined"}}
    assert with_handoff_buttons(plain) is plain


# --- shoppers and the 24-hour window ----------------------------------------------------------------------------

def test_the_window_closes_24_hours_after_the_last_message_and_reopens_when_they_write():
    shoppers = Shoppers()
    now = time.time()
    assert not shoppers.outside_window("unknown")  # after a restart the platform decides
    shoppers.heard_from("a", now - 25 * 3600, "zh")
    assert shoppers.outside_window("a", now) and shoppers.language("a") == "zh"
    shoppers.heard_from("a", now, None)
    assert not shoppers.outside_window("a", now) and shoppers.language("a") == "zh"
    shoppers.close_window("a")
    assert shoppers.outside_window("a", now)


def test_shoppers_are_bounded():
    shoppers = Shoppers(max_items=2)
    for sender in "abc":
        shoppers.heard_from(sender, language="zh")
    assert shoppers.last_inbound("a") is None and shoppers.language("c") == "zh"


# --- Graph answers --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, body, verdict", [
    (200, fixture("send_response.json"), "ok"),
    (429, fixture("error_130429.json"), "retry"),
    (400, fixture("error_130429.json"), "retry"),
    (503, "upstream down", "retry"),
    (400, fixture("error_131047.json"), "fail"),
    (401, fixture("error_190.json"), "fail"),
    (400, {"error": {"code": 100, "message": "Invalid parameter"}}, "fail"),
])
def test_graph_answers_are_classified(status, body, verdict):
    assert graph_classifier(Reply(status, body)) == verdict


def test_graph_error_reads_code_and_details():
    error = GraphError.of(fixture("error_131047.json"))
    assert error.code == 131047 and "24 hours" in error.details
    assert GraphError.of("oops").code is None


def run_against_double(script):
    double = WhatsAppDouble(SECRET, "token", "106540352242922")
    return with_graph_client(double, "/v21.0/106540352242922/messages", script)


HEADERS = {"Authorization": "Bearer token"}


def test_a_429_is_retried_after_retry_after_then_delivered():
    async def script(double, client, url):
        double.fail_rate_limited(retry_after_s=1)
        started = time.monotonic()
        reply = await client.send(url, wa.text_messages(TO, "hi")[0], headers=HEADERS)
        return reply, time.monotonic() - started, [c.answered for c in double.calls]
    reply, took, answers = run_against_double(script)
    assert reply.status == 200 and answers == [429, 200] and took >= 0.9


@pytest.mark.parametrize("fail", ["fail_window_closed", "fail_expired_token"])
def test_a_closed_window_or_an_expired_token_is_not_retried(fail):
    async def script(double, client, url):
        getattr(double, fail)()
        with pytest.raises(SendFailed) as failure:
            await client.send(url, wa.text_messages(TO, "hi")[0], headers=HEADERS)
        return GraphError.of(failure.value.reply.body).code, len(double.calls)
    code, calls = run_against_double(script)
    assert calls == 1 and code in (131047, 190)
