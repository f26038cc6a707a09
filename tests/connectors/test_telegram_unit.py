"""Telegram without Rasa: the secret-token check, reading updates, button payloads, splitting, rendering our cards
as Bot API calls (checked against the double's documented schema), and the double itself."""

import asyncio
import json

import pytest
from aiohttp import ClientSession

from connectors import telegram_format as tg
from connectors.platform import UNSUPPORTED
from scripts.stack import free_port
from tests.connectors.doubles.telegram import TelegramDouble, fixture, markup_of, schema_errors
from tests.connectors.helpers import PRODUCT_CARD

CHAT = "1111111"


# --- verification ------------------------------------------------------------------------------------------------

def test_the_secret_token_must_match_exactly():
    assert tg.secret_matches("test-telegram-secret", "test-telegram-secret")
    assert not tg.secret_matches("test-telegram-secreT", "test-telegram-secret")
    assert not tg.secret_matches(None, "test-telegram-secret")
    assert not tg.secret_matches("", "test-telegram-secret")
    assert not tg.secret_matches("", "")  # no configured secret never lets anything through


# --- reading updates ---------------------------------------------------------------------------------------------

def test_a_text_message_is_read_with_its_chat_and_language():
    update = fixture("text.json")
    update["message"]["text"] = "where is my order TP10042?"
    incoming = tg.parse_update(update)
    assert (incoming.kind, incoming.chat_id, incoming.text) == ("text", CHAT, "where is my order TP10042?")
    assert (incoming.update_id, incoming.language_code, incoming.message_id) == (10000, "en", 1365)


@pytest.mark.parametrize("language_code, greeting", [("en", "hi"), ("zh-hans", "你好"), ("", "hi")])
def test_start_opens_the_chat_with_a_greeting(language_code, greeting):
    update = fixture("text.json")  # the documented sample is "/start"
    update["message"]["from"]["language_code"] = language_code
    assert tg.parse_update(update).text == greeting
    update["message"]["text"] = "/start@tidepool_bot campaign42"
    assert tg.parse_update(update).text == greeting


@pytest.mark.parametrize("name, what", [("sticker.json", "sticker"), ("location.json", "location"),
                                        ("voice.json", "voice")])
def test_what_is_not_text_is_unsupported(name, what):
    incoming = tg.parse_update(fixture(name))
    assert (incoming.kind, incoming.what, incoming.chat_id) == ("unsupported", what, CHAT)


def test_a_button_press_carries_its_payload_and_query_id():
    incoming = tg.parse_update(fixture("callback_query.json"))
    assert incoming.kind == "button" and incoming.chat_id == CHAT
    assert incoming.text == '/rate_conversation{"rating": 5}'
    assert incoming.callback_query_id == "4382bfdwdsb323b2d9"


def test_edits_and_other_updates_are_ignored():
    assert tg.parse_update(fixture("edited_message.json")).kind == "ignored"
    assert tg.parse_update({"update_id": 5, "my_chat_member": {}}).kind == "ignored"
    service = fixture("text.json")
    del service["message"]["text"]
    service["message"]["new_chat_members"] = [{"id": 1}]
    assert tg.parse_update(service).kind == "ignored"


@pytest.mark.parametrize("update", [None, [], "text", {}, {"update_id": "7"},
                                    {"update_id": 7, "message": {"text": "x"}},
                                    {"update_id": 7, "callback_query": {"data": "x", "message": {"chat": {}}}}])
def test_malformed_updates_are_refused(update):
    with pytest.raises(tg.MalformedUpdate):
        tg.parse_update(update)


def test_language_codes_map_to_our_two_languages():
    assert tg.language_from_code("zh-hans") == "zh" and tg.language_from_code("en-GB") == "en"
    assert tg.language_from_code("de", "en") == "en" and tg.language_from_code("") == ""


# --- buttons -----------------------------------------------------------------------------------------------------

def test_payloads_longer_than_64_bytes_are_kept_under_a_short_key():
    store = tg.PayloadStore(max_items=2)
    short = '/rate_conversation{"rating": 5}'
    assert store.shorten(short) == short and store.resolve(short) == short
    long = '/inform{"product_id": "TP-KIT-013", "question": "does it fit a 15 inch laptop and a bottle?"}'
    key = store.shorten(long)
    assert len(key.encode()) <= 64 and store.resolve(key) == long
    store.shorten(long + "1")
    store.shorten(long + "2")
    assert store.resolve(key) is None  # bounded: the oldest is forgotten


def test_short_buttons_share_a_row_and_long_ones_get_their_own():
    store = tg.PayloadStore()
    stars = [{"title": "★" * n, "payload": f'/rate_conversation{{"rating": {n}}}'} for n in range(1, 6)]
    assert [len(row) for row in tg.keyboard(stars, store)["inline_keyboard"]] == [5]
    long = [{"title": "Track my order please", "payload": "/track"}, {"title": "Talk to a person", "payload": "/h"},
            {"title": "Store", "url": "https://tidepool.example"}]
    rows = tg.keyboard(long, store)["inline_keyboard"]
    assert [len(row) for row in rows] == [1, 1, 1]
    assert rows[2][0] == {"text": "Store", "url": "https://tidepool.example"}
    assert tg.keyboard([{"title": ""}], store) is None


# --- splitting ---------------------------------------------------------------------------------------------------

def test_long_texts_are_split_at_4096_without_breaking_words():
    words = " ".join(f"word{n}" for n in range(2000))  # about 17,000 characters
    calls = tg.text_calls(CHAT, words, {"inline_keyboard": [[{"text": "OK", "callback_data": "/ok"}]]})
    texts = [p["text"] for _, p in calls]
    assert len(calls) >= 4 and all(tg.utf16_len(t) <= tg.TEXT_LIMIT for t in texts)
    assert " ".join(texts).split() == words.split()  # nothing lost, no word cut
    assert "reply_markup" in calls[-1][1] and all("reply_markup" not in p for _, p in calls[:-1])


def test_chinese_and_emoji_are_never_cut_in_half():
    text = ("我们的退货政策是三十天内无理由退货。" * 300) + "😀" * 3000
    texts = [p["text"] for _, p in tg.text_calls(CHAT, text)]
    assert all(tg.utf16_len(t) <= tg.TEXT_LIMIT for t in texts)
    assert "".join(texts) == text  # every character arrives whole (split at sentence ends, no spaces to lose)
    assert tg.utf16_len("😀") == 2


# --- rendering ----------------------------------------------------------------------------------------------------

ITEM = {**PRODUCT_CARD, "reason": "Light enough for two on foot."}


def test_a_product_card_is_a_photo_with_caption_and_a_link_button():
    [(method, params)] = tg.product_calls(CHAT, ITEM, "en")
    assert method == "sendPhoto" and params["photo"] == ITEM["image"]
    caption = params["caption"]
    for part in ("Driftwood 2P Tent", "$289.00", "★ 4.6", "Light enough", "TRAIL10", "10% off tents"):
        assert part in caption
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "View product", "url": ITEM["url"]}]]}
    assert schema_errors(method, params) == []


def test_a_long_caption_is_cut_at_1024_and_a_card_without_photo_is_text():
    item = {**ITEM, "reason": "Roomy and light. " * 200}
    [(_, params)] = tg.product_calls(CHAT, item, "en")
    assert tg.utf16_len(params["caption"]) <= tg.CAPTION_LIMIT and params["caption"].endswith("…")
    [(method, params)] = tg.product_calls(CHAT, {**ITEM, "image": ""}, "en")
    assert method == "sendMessage" and params["text"].startswith("Driftwood 2P Tent")
    [(method, params)] = tg.photo_as_text(tg.product_calls(CHAT, ITEM, "en")[0])
    assert method == "sendMessage" and "reply_markup" in params


def test_products_render_one_photo_each_in_the_shoppers_language():
    zh = {**ITEM, "name": "浮木双人帐篷", "reason": "两人徒步也够轻。", "currency": "CNY", "price": 1999}
    calls = tg.custom_calls(CHAT, {"type": "products", "items": [zh, ITEM]}, tg.PayloadStore())
    assert [m for m, _ in calls] == ["sendPhoto", "sendPhoto"]
    assert "¥1,999.00" in calls[0][1]["caption"]
    assert calls[0][1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "查看商品"


def test_an_order_card_lists_status_items_total_and_tracking():
    card = {"type": "order", "order_id": "TP10042", "status": "shipped", "status_label": "Shipped",
            "items": [{"name": "Harbor Shell", "quantity": 2, "size": "M", "color": "navy"}], "total": 298.0,
            "currency": "USD", "carrier": "UPS", "tracking_number": "1Z999", "eta": "2025-06-01", "language": "en"}
    [(method, params)] = tg.custom_calls(CHAT, card, tg.PayloadStore())
    assert method == "sendMessage"
    assert params["text"].splitlines() == ["Order TP10042 · Shipped", "2 × Harbor Shell (M, navy)", "Total: $298.00",
                                           "Tracking: UPS 1Z999", "Expected: 2025-06-01"]


def test_an_answer_lists_its_sources_and_other_payloads_add_nothing():
    answer = {"type": "answer", "citations": [{"n": 1, "title": "Returns policy", "source": "returns.md",
                                               "url": "https://tidepool.example/returns"}]}
    [(_, params)] = tg.custom_calls(CHAT, answer, tg.PayloadStore())
    assert params["text"] == "Sources:\n1. Returns policy — https://tidepool.example/returns"
    for custom in ({"type": "answer", "citations": []}, {"type": "ticket", "ticket_id": "T1"},
                   {"type": "agent_joined", "agent": "Lin"}, {"type": "handoff_unavailable", "why": "closed"},
                   {"type": "mystery"}):
        assert tg.custom_calls(CHAT, custom, tg.PayloadStore()) == []


def test_handoff_notices_offer_their_buttons():
    store = tg.PayloadStore()
    [(_, waiting)] = tg.custom_calls(CHAT, {"type": "handoff_waiting", "position": 2, "language": "zh"}, store)
    back = {"text": "返回智能助手", "callback_data": "/handoff_cancel"}
    assert waiting["reply_markup"]["inline_keyboard"] == [[back]]
    [(_, ended)] = tg.custom_calls(CHAT, {"type": "handoff_ended", "agent": "Lin", "ask_rating": True}, store)
    data = [b["callback_data"] for b in ended["reply_markup"]["inline_keyboard"][0]]
    assert data == [f'/rate_conversation{{"rating": {n}}}' for n in range(1, 6)]
    assert schema_errors("sendMessage", ended) == []


def test_an_agent_message_with_a_product_shows_the_card():
    [(method, params)] = tg.custom_calls(CHAT, {"type": "agent_message", "agent": "Lin", "product": ITEM},
                                         tg.PayloadStore())
    assert method == "sendPhoto" and "Driftwood 2P Tent" in params["caption"]


def test_the_polite_reply_exists_in_both_languages():
    assert "text" in UNSUPPORTED["en"] and "文字" in UNSUPPORTED["zh"]


# --- the double ------------------------------------------------------------------------------------------------

def test_the_double_checks_calls_answers_like_telegram_and_scripts_errors():
    double = TelegramDouble("123456:test-telegram-token", "secret", "http://127.0.0.1:9/webhooks/telegram/webhook")
    port = free_port()
    base = f"http://127.0.0.1:{port}/bot123456:test-telegram-token"

    async def scenario():
        async with double.serving(port), ClientSession() as http:
            async def post(method, data):
                async with http.post(f"{base}/{method}", data=data) as answer:
                    return answer.status, await answer.json(), answer.headers

            markup = json.dumps({"inline_keyboard": [[{"text": "OK", "callback_data": "/ok"}]]})
            status, body, _ = await post("sendMessage", {"chat_id": CHAT, "text": "hello", "reply_markup": markup})
            assert status == 200 and body["ok"] and body["result"]["chat"]["id"] == int(CHAT)
            double.rate_limit(retry_after_s=3)
            status, body, headers = await post("sendMessage", {"chat_id": CHAT, "text": "again"})
            assert status == 429 and body["parameters"]["retry_after"] == 3 and headers["Retry-After"] == "3"
            status, _, _ = await post("sendMessage", {"chat_id": CHAT, "text": "x" * 4097})
            assert status == 200
            bad = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65, "url": "ftp://x"}]]})
            await post("sendPhoto", {"chat_id": CHAT, "photo": "", "reply_markup": bad})

    asyncio.run(scenario())
    assert [c.answered for c in double.calls] == [200, 429, 200, 200]
    assert double.texts(CHAT) == ["hello", "x" * 4097]  # the 429 was not delivered
    assert markup_of(double.sent(CHAT)[0][1]) == {"inline_keyboard": [[{"text": "OK", "callback_data": "/ok"}]]}
    problems = " | ".join(str(v) for v in double.violations)
    assert "text must be 1-4096" in problems and "photo is required" in problems
    assert "exactly one action" in problems and "not 1-64 bytes" in problems and "not http(s)" in problems
    with pytest.raises(AssertionError):
        double.assert_clean()


def test_the_double_builds_updates_from_the_fixtures():
    double = TelegramDouble("1:t", "s", "http://x")
    first, second = double.update("text.json", 42, "hello"), double.update("callback_query.json", 42, "/ok")
    assert second["update_id"] == first["update_id"] + 1
    assert first["message"]["chat"]["id"] == 42 and first["message"]["text"] == "hello"
    assert second["callback_query"]["message"]["chat"]["id"] == 42 and second["callback_query"]["data"] == "/ok"
    assert tg.parse_update(second).kind == "button"
