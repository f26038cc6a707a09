"""Slack without Rasa: header and timestamp checks, the signature the double makes, reading events and button
presses, splitting, and rendering our replies as Block Kit (checked against the double's documented schema)."""

import asyncio
import json
import time
from urllib.parse import parse_qs

import pytest
from aiohttp import ClientSession

from connectors import slack_format as sf
from connectors.platform import hmac_sha256_hex
from scripts.stack import free_port
from tests.connectors.doubles.slack import SlackDouble, fixture, post_message_errors, signature
from tests.connectors.helpers import PRODUCT_CARD

DM = "D024BE91L"


# --- verification ------------------------------------------------------------------------------------------------

def headers(timestamp, signature_value="v0=abc"):
    return {sf.TIMESTAMP_HEADER: str(timestamp), sf.SIGNATURE_HEADER: signature_value}


def test_fresh_signed_requests_are_worth_checking():
    now = 1_700_000_000
    assert sf.request_problem(headers(now), now=now) is None
    assert sf.request_problem(headers(now - 299), now=now) is None
    assert sf.request_problem(headers(now + 299), now=now) is None


@pytest.mark.parametrize("given, why", [({}, "missing"), (headers(1_700_000_000 - 301), "stale"),
                                        (headers(1_700_000_000 + 400), "stale"), (headers("12a"), "not a number"),
                                        (headers(1_700_000_000, "v1=abc"), "version")])
def test_missing_stale_or_odd_headers_are_refused(given, why):
    assert why in sf.request_problem(given, now=1_700_000_000)


def test_the_double_signs_the_documented_way():
    body = b'{"type":"event_callback"}'
    expected = "v0=" + hmac_sha256_hex("test-slack-signing-secret", b"v0:1531420618:" + body)
    assert signature("test-slack-signing-secret", "1531420618", body) == expected


# --- reading requests ---------------------------------------------------------------------------------------------

def test_the_url_verification_challenge_is_read():
    incoming = sf.parse_envelope(fixture("url_verification.json"))
    assert incoming.kind == "challenge" and incoming.challenge.startswith("3eZbrw1aBm2rZgRNFdxV")


def test_a_direct_message_is_read_with_its_channel_and_event_id():
    incoming = sf.parse_envelope(fixture("message_im.json"))
    assert (incoming.kind, incoming.channel, incoming.user) == ("text", DM, "U2147483697")
    assert (incoming.key, incoming.text, incoming.team) == ("Ev123ABC456", "Hello hello can you hear me?", "T123ABC456")


def test_a_mention_in_a_channel_drops_our_own_mention():
    incoming = sf.parse_envelope(fixture("app_mention.json"))
    assert (incoming.kind, incoming.channel) == ("text", "C123ABC456")
    assert incoming.text == "is it everything a river should be?"


def test_slack_markup_is_undone():
    text = "&lt;3 this &amp; <https://tidepool.example/t|that tent>, mail <mailto:a@b.co|a@b.co> or <https://x.y>"
    assert sf.plain_text(text) == "<3 this & that tent, mail a@b.co or https://x.y"


@pytest.mark.parametrize("name", ["message_bot.json", "message_changed.json"])
def test_bots_and_edits_are_ignored(name):
    assert sf.parse_envelope(fixture(name)).kind == "ignored"


def test_our_own_messages_and_channel_chatter_are_ignored():
    own = fixture("message_im.json")
    own["event"]["user"] = "U0LAN0Z89"  # the bot user named in authorizations
    assert sf.parse_envelope(own).kind == "ignored"
    chatter = fixture("message_im.json")
    chatter["event"]["channel_type"] = "channel"  # arrives again as app_mention if it names the bot
    assert sf.parse_envelope(chatter).kind == "ignored"
    assert sf.parse_envelope({"type": "app_rate_limited", "minute_rate_limited": 1}).kind == "ignored"


def test_a_file_alone_is_unsupported_and_a_file_with_words_is_text():
    assert sf.parse_envelope(fixture("message_file_share.json")).kind == "unsupported"
    with_words = fixture("message_file_share.json")
    with_words["event"]["text"] = "is this tent in stock?"
    assert sf.parse_envelope(with_words).kind == "text"


@pytest.mark.parametrize("body", [None, [], {}, {"type": 3}, {"type": "url_verification"},
                                  {"type": "event_callback", "event": {"type": "message"}},
                                  {"type": "event_callback", "event_id": "Ev1", "event": "x"}])
def test_malformed_envelopes_are_refused(body):
    with pytest.raises(sf.MalformedRequest):
        sf.parse_envelope(body)


def test_a_button_press_sends_its_value_once_per_trigger():
    incoming = sf.parse_interaction(fixture("block_actions.json"))
    assert (incoming.kind, incoming.channel, incoming.text) == ("button", DM, '/rate_conversation{"rating": 5}')
    assert incoming.key == "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3"
    link_press = fixture("block_actions.json")
    del link_press["actions"][0]["value"]  # a url button: Slack opens the link, nothing to answer
    assert sf.parse_interaction(link_press).kind == "ignored"
    with pytest.raises(sf.MalformedRequest):
        sf.parse_interaction({"type": "block_actions", "actions": []})
    assert sf.parse_interaction({"type": "view_submission"}).kind == "ignored"


# --- rendering ------------------------------------------------------------------------------------------------------

def test_long_texts_are_split_at_3000_without_breaking_words_and_escaped():
    text = " ".join(f"a&b{n}" for n in range(2000))  # 15,000 characters, 30,000 once escaped
    messages = sf.text_messages(DM, text)
    assert len(messages) > 5 and all(len(m["text"]) <= sf.SECTION_TEXT_LIMIT for m in messages)
    assert " ".join(m["text"] for m in messages).replace("&amp;", "&").split() == text.split()
    assert all(post_message_errors(m) == [] for m in messages)


def test_chinese_is_never_cut_in_half():
    text = "我们的退货政策是三十天内无理由退货。" * 400
    messages = sf.text_messages(DM, text)
    assert len(messages) >= 3 and "".join(m["text"] for m in messages) == text


def test_buttons_go_with_the_last_piece_as_section_and_actions():
    buttons = [{"title": "Track an order", "payload": "/track_order"},
               {"title": "Store", "url": "https://tidepool.example"}, {"title": "x" * 100, "payload": "/long"}]
    [message] = sf.text_messages(DM, "What next?", buttons)
    section, actions = message["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "What next?"}}
    track, store, long = actions["elements"]
    assert track["value"] == "/track_order" and store["url"] == "https://tidepool.example" and "value" not in store
    assert len(long["text"]["text"]) == sf.BUTTON_TEXT_LIMIT
    assert post_message_errors(message) == []
    many = [{"title": f"b{n}", "payload": f"/p{n}"} for n in range(30)]
    [message] = sf.text_messages(DM, "Pick", many)
    assert [len(b["elements"]) for b in message["blocks"][1:]] == [25, 5] and post_message_errors(message) == []


ITEM = {**PRODUCT_CARD, "reason": "Light <enough> for two & a dog."}  # Slack's control characters, to be escaped


def test_products_are_sections_with_an_image_accessory():
    [message] = sf.custom_messages(DM, {"type": "products", "items": [ITEM, {**ITEM, "image": ""}]})
    first, divider, second = message["blocks"]
    assert divider == {"type": "divider"}
    assert first["accessory"] == {"type": "image", "image_url": ITEM["image"], "alt_text": "Driftwood 2P Tent"}
    text = first["text"]["text"]
    assert text.startswith(f"*<{ITEM['url']}|Driftwood 2P Tent>*")
    for part in ("$289.00", "★ 4.6", "Light &lt;enough&gt; for two &amp; a dog.", "`TRAIL10`", "10% off tents"):
        assert part in text
    assert "accessory" not in second
    assert message["text"] == "Products: Driftwood 2P Tent, Driftwood 2P Tent"  # fallback, not the bot's text
    assert post_message_errors(message) == []


def test_an_order_is_fields_and_an_item_list():
    card = {"type": "order", "order_id": "TP10042", "status": "shipped", "status_label": "已发货", "language": "zh",
            "items": [{"name": "港湾夹克", "quantity": 1, "size": "M"}], "total": 149.0, "currency": "CNY",
            "carrier": "SF", "tracking_number": "SF123", "eta": "2025-06-01"}
    [message] = sf.custom_messages(DM, card)
    fields = [f["text"] for f in message["blocks"][0]["fields"]]
    assert fields == ["*订单*\nTP10042", "*状态*\n已发货", "*合计*\n¥149.00", "*物流单号*\nSF SF123",
                      "*预计送达*\n2025-06-01"]
    assert "1 × 港湾夹克 (M)" in message["blocks"][1]["text"]["text"]
    assert post_message_errors(message) == []


def test_citations_are_a_context_block_and_other_payloads_add_nothing():
    answer = {"type": "answer", "citations": [{"n": 1, "title": "Returns | policy", "url": "https://t.example/r"},
                                              {"n": 2, "title": "Shipping", "source": "shipping.md"}]}
    [message] = sf.custom_messages(DM, answer)
    texts = [e["text"] for e in message["blocks"][0]["elements"]]
    assert texts == ["*Sources*", "1. <https://t.example/r|Returns ¦ policy>", "2. Shipping"]
    assert post_message_errors(message) == []
    for custom in ({"type": "ticket"}, {"type": "agent_joined"}, {"type": "handoff_unavailable"}, {"type": "x"},
                   {"type": "products", "items": []}, {"type": "answer", "citations": []}):
        assert sf.custom_messages(DM, custom) == []


def test_handoff_notices_offer_their_buttons():
    [waiting] = sf.custom_messages(DM, {"type": "handoff_waiting", "position": 1, "language": "en"})
    assert [e["value"] for e in waiting["blocks"][-1]["elements"]] == ["/handoff_cancel"]
    [ended] = sf.custom_messages(DM, {"type": "handoff_ended", "agent": "Lin", "ask_rating": True})
    values = [e["value"] for e in ended["blocks"][-1]["elements"]]
    assert values == [f'/rate_conversation{{"rating": {n}}}' for n in range(1, 6)]
    assert post_message_errors(ended) == []
    [card] = sf.custom_messages(DM, {"type": "agent_message", "agent": "Lin", "product": ITEM})
    assert card["blocks"][0]["accessory"]["image_url"] == ITEM["image"]


# --- the double ------------------------------------------------------------------------------------------------

def test_the_double_checks_calls_answers_like_slack_and_scripts_errors():
    double = SlackDouble("xoxb-test", "secret", "http://127.0.0.1:9/webhooks/slack/webhook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/chat.postMessage"

    async def scenario():
        async with double.serving(port), ClientSession() as http:
            async def post(body, token="xoxb-test"):
                async with http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as answer:
                    return answer.status, await answer.text(), answer.headers

            status, body, _ = await post({"channel": DM, "text": "hello"})
            assert status == 200 and json.loads(body)["ok"] and json.loads(body)["channel"] == DM
            double.rate_limit(retry_after_s=2)
            status, body, headers = await post({"channel": DM, "text": "again"})
            assert status == 429 and json.loads(body)["error"] == "ratelimited" and headers["Retry-After"] == "2"
            double.server_error()
            status, _, headers = await post({"channel": DM, "text": "again"})
            assert status == 503 and headers["Content-Type"].startswith("text/html")
            await post({"channel": DM, "blocks": [{"type": "actions", "elements": []}]})
            await post({"channel": DM, "text": "x"}, token="xoxb-other")

    asyncio.run(scenario())
    assert double.texts(DM) == ["hello", ""]  # the 429, the 503 and the wrong token were not delivered
    problems = " | ".join(str(v) for v in double.violations)
    assert "text is required with blocks" in problems and "1-25 elements" in problems and "Bearer" in problems


def test_the_double_builds_signed_events_and_presses():
    double = SlackDouble("xoxb-test", "secret", "http://x")
    first, second = double.event("message_im.json", "D1", "hi"), double.event("message_im.json", "D1", "hi")
    assert first["event_id"] != second["event_id"] and first["event"]["channel"] == "D1"
    body, content_type = double.body_of(first)
    signed = double.signed(body)
    assert abs(int(signed["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert signed["X-Slack-Signature"] == signature("secret", signed["X-Slack-Request-Timestamp"], body)
    press = double.press("D1", "/handoff_cancel")
    body, content_type = double.body_of(press)
    assert content_type == "application/x-www-form-urlencoded"
    assert sf.parse_interaction(json.loads(parse_qs(body.decode())["payload"][0])).text == "/handoff_cancel"
