"""Property tests on every parser of shopper or platform input: arbitrary text and JSON (lone surrogates, huge
numbers, NaN and infinity, megabyte strings, odd shapes) give a value or the error the parser documents, never an
unexpected exception, and each input is read in bounded time.

Each target's budget is scaled by FUZZ_SCALE (tests/fuzz/counts.py); the inputs are counted per target."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.products import parse_budget_cents
from actions.replies import choose_items, parse_quantity, parse_yes_no
from connectors import meta_format, messenger_format, slack_format, telegram_format, wechat_format, whatsapp_format
from desk import transcript
from knowledge.loaders import normalise_product, parse_field_map
from knowledge.recommend import request
from knowledge.recommend.catalog import Catalog, Product
from shop.currency import store_currencies
from shop.identifiers import normalize_email, normalize_order_id
from shop.numerals import cn_number, normalise_number
from shop.store.backend import OrderItem
from tests.fuzz.counts import bounded, fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
STORE_DIR = ROOT / "data" / "store"
LIMIT_S = 5.0  # one input; generous for a shared 2-core machine, far below anything that hangs
BIG_LIMIT_S = 10.0  # one megabyte-sized input

# --- what the inputs are made of ---------------------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, lone surrogates included
ANY_TEXT = st.text(ANY_CHAR, max_size=120)
# Pieces of what shoppers really type, so the generator reaches deep into the parsers instead of stopping at the
# first "no match".
PIECES = ["TP", "tp-", "#", "TP 1", "10042", "99999", "１２３", "٣", "²", "𝟗", "$",
          "US$", "¥", "￥", "€", "£", "元", "块", "美元", "RMB", "yen", "euros",
          "rupees", "五百", "两百", "一百五", "十", "千", "零", "under", "under $", "below",
          "over", "between", "and", "to", "-", "~", "到", "预算", "不超过", "以内", "左右",
          "1,299.50", "0.5", ".", ",", "9" * 400, "1e999", "inf", "nan", "black",
          "not black", "不要", "黑色", "蓝", "size", "M", "XL", "EU 42", "2-person",
          "双人", "waterproof", "cheaper", "便宜", "others", "换几个", "jacket", "tent",
          "帐篷", "Ridgeline", "kids", "women", "a@b.co", "@", ".com", " ", "\n",
          "\t", "\u200b", "\u202e", "\ud800", "\udfff", "\x00", "/", "yes", "no",
          "好的", "算了", "all", "全部", "TP-JKT-001", "similar to"]
SHAPED_TEXT = st.lists(st.sampled_from(PIECES) | st.text(ANY_CHAR, max_size=4), max_size=14).map("".join)
HUGE_TEXT = st.builds(lambda piece, n: piece * n,
                      st.sampled_from(["a", "9", "TP", "五", "$9", "a@", "a.", " ", "\ud800", "-1", "黑色", "1,"]),
                      st.integers(10_000, 100_000))
TEXT = st.one_of(ANY_TEXT, SHAPED_TEXT, ANY_TEXT, SHAPED_TEXT, SHAPED_TEXT, HUGE_TEXT)  # one in six is huge

BIG_INTS = st.sampled_from([2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 10**4000])
NUMBERS = st.one_of(st.integers(), BIG_INTS, st.floats())  # floats include NaN and +/- infinity, as JSON may
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ANY_TEXT, st.sampled_from(PIECES))


def json_like(keys: list[str]) -> st.SearchStrategy:
    """JSON values whose objects mostly use the keys the parser looks for, so wrong types land where it reads."""
    key = st.sampled_from(keys) | ANY_TEXT
    return st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(key, inner, max_size=6), max_leaves=30)


def deeply_nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    """A value buried thousands of levels deep in lists and objects."""
    def bury(value, depth: int, as_list: bool):
        for _ in range(depth):
            value = [value] if as_list else {"a": value}
        return value
    return st.builds(bury, inner, st.integers(100, 5000), st.booleans())


# --- identifiers, numerals, money ---------------------------------------------------------------------------------

@fuzz_settings(600)
@given(TEXT)
def test_order_ids_are_normalised_or_none(text):
    found = bounded("shop.identifiers.normalize_order_id", LIMIT_S, normalize_order_id, text)
    assert found is None or re.fullmatch(r"TP\d{5}", found)


@fuzz_settings(400)
@given(TEXT)
def test_emails_are_found_or_none(text):
    found = bounded("shop.identifiers.normalize_email", LIMIT_S, normalize_email, text)
    assert found is None or ("@" in found and found == found.lower() and found in text.lower())


@fuzz_settings(400)
@given(TEXT)
def test_chinese_numerals_read_as_whole_numbers_or_none(text):
    value = bounded("shop.numerals.cn_number", LIMIT_S, cn_number, text)
    assert value is None or (isinstance(value, int) and value >= 0)
    assert isinstance(normalise_number(text[:200]), str)


@fuzz_settings(600)
@given(TEXT)
def test_amounts_in_any_currency_are_finite(text):
    money = store_currencies(STORE_DIR / "store.yml")
    mentions = bounded("shop.currency.Currencies.find", LIMIT_S, money.find, text)
    for m in mentions:
        assert math.isfinite(m.amount) and m.amount >= 0 and 0 <= m.start < m.end <= len(text)
        if m.code is not None:
            assert math.isfinite(money.convert(m.amount, m.code))


@fuzz_settings(500)
@given(TEXT)
def test_budgets_in_cents_are_whole_numbers_or_none(text):
    cents = bounded("actions.products.parse_budget_cents", LIMIT_S, parse_budget_cents, text)
    assert cents is None or isinstance(cents, int)


ITEMS = [OrderItem("TP-JKT-001", "Ridgeline Shell Jacket", "山脊冲锋衣", "black", "M", 1, 12900),
         OrderItem("TP-TNT-002", "Hollowpine 2P Tent", None, None, None, 2, 19900)]


@fuzz_settings(500)
@given(TEXT)
def test_form_replies_read_as_yes_no_quantity_or_items(text):
    assert bounded("actions.replies.parse_yes_no", LIMIT_S, parse_yes_no, text) in (True, False, None)
    quantity = bounded("actions.replies.parse_quantity", LIMIT_S, parse_quantity, text)
    assert quantity is None or isinstance(quantity, int)
    chosen = bounded("actions.replies.choose_items", LIMIT_S, choose_items, text, ITEMS, allow_all=True)
    assert all(item in ITEMS for item in chosen)


# --- the recommender's request parser and field maps --------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> Catalog:
    rows = [json.loads(line) for line in (STORE_DIR / "catalog.jsonl").open(encoding="utf-8") if line.strip()]
    return Catalog({p["id"]: p for p in (normalise_product(r, {}) for r in rows)})


def finite_numbers(value) -> bool:
    """No NaN or infinity anywhere in a parsed request (they turn into crashes when a price is shown)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    return True


STATE = json_like(list(request.STATE_KEYS))
HINTS = st.dictionaries(st.sampled_from(["category", "color", "size", "brand", "price"]),
                        st.one_of(st.none(), ANY_TEXT, SHAPED_TEXT, st.integers(), st.floats()), max_size=5)


@fuzz_settings(600)
@given(message=TEXT.map(lambda t: t[:1000]),  # /recommend refuses longer messages (MAX_QUESTION)
       state=STATE | st.dictionaries(st.sampled_from(list(request.STATE_KEYS)), SCALARS),
       hints=HINTS, last=st.lists(st.floats(0, 10_000), max_size=3), lang=st.sampled_from(["en", "zh"]))
def test_recommendation_requests_parse_and_merge_into_a_clean_state(catalog, message, state, hints, last, lang):
    money = store_currencies(STORE_DIR / "store.yml")
    said = bounded("knowledge.recommend.request.parse", LIMIT_S, request.parse, message, catalog, money)
    assert isinstance(said.get("use"), str) and finite_numbers(said)
    old = bounded("knowledge.recommend.request.clean_state", LIMIT_S, request.clean_state, state)
    assert set(old) <= set(request.STATE_KEYS) and finite_numbers(old)
    merged, refined = bounded("knowledge.recommend.request.merge", LIMIT_S, request.merge, old, said, hints,
                              catalog, last, money)
    assert isinstance(refined, bool) and finite_numbers(merged)
    shown = request.conversion(said, money, lang)
    assert shown is None or isinstance(shown["text"], str)


@fuzz_settings(300)
@given(st.one_of(ANY_TEXT, st.lists(st.sampled_from(["id=sku", "name=title", "price", "=", ",", "price=cost",
                                                     " attributes = extra", "nope=x", "id="]) | ANY_TEXT,
                                    max_size=6).map(",".join)))
def test_field_maps_parse_or_say_which_entry_is_bad(spec):
    try:
        mapping = bounded("knowledge.loaders.parse_field_map", LIMIT_S, parse_field_map, spec)
    except ValueError as error:
        assert "field-map" in str(error)
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())


PRODUCT_KEYS = ["id", "name", "price", "currency", "attributes", "variants", "category", "brand", "color", "size",
                "stock", "in_stock", "rating", "name_zh", "sku", "title"]


@fuzz_settings(400)
@given(row=json_like(PRODUCT_KEYS).filter(lambda v: isinstance(v, dict))
       | st.fixed_dictionaries({"id": SCALARS, "name": SCALARS}, optional={k: json_like(PRODUCT_KEYS)
                                                                           for k in PRODUCT_KEYS[2:]}),
       field_map=st.sampled_from([{}, {"sku": "id", "title": "name"}, {"cost": "price", "extra": "attributes"}]))
def test_catalogue_rows_become_products_or_are_refused(row, field_map):
    try:
        product = bounded("knowledge.loaders.normalise_product", LIMIT_S, normalise_product, row, field_map)
    except ValueError:
        return  # a row without id or name, or with unreadable attributes: the ingest says which
    assert isinstance(product["id"], str) and isinstance(product["attributes"], dict)
    bounded("knowledge.recommend.catalog.Product", LIMIT_S, Product, product)


# --- the agent desk: transcripts from Rasa trackers whose user events carry what the shopper sent ----------------

# Rasa writes the events' shape; the shopper chooses the text and, through payloads such as
# /share_photo{"attachment_id": ...}, the entities' values.
PARSE_DATA = st.fixed_dictionaries({}, optional={
    "intent": st.fixed_dictionaries({"name": st.none() | st.sampled_from(["greeting", "human_agent", "share_photo"])
                                     | ANY_TEXT}),
    "entities": st.lists(st.fixed_dictionaries({"entity": st.sampled_from(["attachment_id", "order_id"]) | ANY_TEXT,
                                                "value": json_like(["a"])}), max_size=3)})
EVENT = st.fixed_dictionaries(
    {"event": st.sampled_from(["user", "bot", "pause", "resume", "slot", "action"])},
    optional={"text": st.one_of(st.none(), TEXT), "timestamp": st.floats(0, 2e9), "parse_data": PARSE_DATA,
              "data": st.fixed_dictionaries({}, optional={"custom": json_like(["type", "citations", "product",
                                                                                "agent", "title", "url"])}),
              "metadata": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"utter_action": ANY_TEXT}))})


@fuzz_settings(400)
@given(events=st.lists(EVENT, max_size=12))
def test_desk_transcripts_read_any_conversation(events):
    tracker = {"events": events}
    entries = bounded("desk.transcript.build", LIMIT_S, transcript.build, tracker, [])
    assert all(e["kind"] in ("user", "bot", "agent", "note", "system") for e in entries)
    question = bounded("desk.transcript.latest_question", LIMIT_S, transcript.latest_question, tracker)
    history = transcript.history(tracker, question)
    assert all(len(h["content"]) <= 2000 for h in history)


# --- messaging platforms' payloads ---------------------------------------------------------------------------------

TELEGRAM = json_like(["update_id", "message", "callback_query", "chat", "id", "text", "from", "language_code",
                      "data", "message_id", "sticker", "photo"])


@fuzz_settings(500)
@given(TELEGRAM | st.fixed_dictionaries({"update_id": st.integers()}, optional={
    "message": TELEGRAM, "callback_query": TELEGRAM}) | deeply_nested(TELEGRAM))
def test_telegram_updates_are_read_or_refused(update):
    try:
        found = bounded("connectors.telegram_format.parse_update", LIMIT_S, telegram_format.parse_update, update)
    except telegram_format.MalformedUpdate:
        return
    assert found.kind in ("text", "button", "unsupported", "ignored") and isinstance(found.text, str)


SLACK = json_like(["type", "challenge", "event", "event_id", "team_id", "authorizations", "is_bot", "user_id",
                   "user", "channel", "text", "subtype", "bot_id", "channel_type", "actions", "value", "container",
                   "channel_id", "id", "trigger_id", "action_ts", "team", "files"])
SLACK_TYPES = st.sampled_from(["url_verification", "event_callback", "block_actions", "message", "app_mention",
                               "button"])


@fuzz_settings(600)
@given(SLACK | st.fixed_dictionaries({"type": SLACK_TYPES}, optional={
    k: SLACK for k in ("event", "event_id", "authorizations", "actions", "channel", "user", "container", "team")}))
def test_slack_envelopes_and_interactions_are_read_or_refused(payload):
    for target, parse in (("connectors.slack_format.parse_envelope", slack_format.parse_envelope),
                          ("connectors.slack_format.parse_interaction", slack_format.parse_interaction)):
        try:
            found = bounded(target, LIMIT_S, parse, payload)
        except slack_format.MalformedRequest:
            continue
        assert isinstance(found.text, str) and isinstance(found.channel, str)


@fuzz_settings(300)
@given(headers=st.dictionaries(st.sampled_from([slack_format.TIMESTAMP_HEADER, slack_format.SIGNATURE_HEADER,
                                                slack_format.RETRY_NUM_HEADER]) | ANY_TEXT,
                               st.sampled_from(["1", "²", "v0=ab", "99999999999999999999", "-5", "1e9"]) | ANY_TEXT),
       text=TEXT)
def test_slack_headers_and_text_are_checked(headers, text):
    problem = bounded("connectors.slack_format.request_problem", LIMIT_S, slack_format.request_problem, headers)
    assert problem is None or isinstance(problem, str)
    assert isinstance(bounded("connectors.slack_format.plain_text", LIMIT_S, slack_format.plain_text, text), str)


META = json_like(["object", "entry", "id", "time", "messaging", "changes", "field", "value", "contacts", "wa_id",
                  "profile", "name", "metadata", "phone_number_id", "messages", "statuses", "errors", "code",
                  "from", "type", "text", "body", "interactive", "button_reply", "list_reply", "button", "payload",
                  "sender", "recipient", "timestamp", "message", "mid", "is_echo", "quick_reply", "attachments",
                  "postback", "recipient_id", "status", "caption", "image"])


def meta_body(kind: str) -> st.SearchStrategy:
    return st.fixed_dictionaries({"object": st.just(kind), "entry": st.lists(META, max_size=3)})


@fuzz_settings(600)
@given(META | meta_body("whatsapp_business_account") | meta_body("page"))
def test_whatsapp_and_messenger_webhooks_are_read_or_refused(payload):
    try:
        bounded("connectors.whatsapp_format.parse_webhook", LIMIT_S, whatsapp_format.parse_webhook, payload)
    except meta_format.MalformedWebhook:
        pass
    try:
        bounded("connectors.messenger_format.parse_webhook", LIMIT_S, messenger_format.parse_webhook, payload)
    except meta_format.MalformedWebhook:
        pass
    error = bounded("connectors.meta_format.GraphError.of", LIMIT_S, meta_format.GraphError.of, payload)
    assert error.code is None or isinstance(error.code, int)


@fuzz_settings(300)
@given(args=st.dictionaries(st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge"]) | ANY_TEXT,
                            st.sampled_from(["subscribe", "verify", ""]) | ANY_TEXT),
       timestamp=SCALARS)
def test_meta_handshakes_and_timestamps(args, timestamp):
    status, text = bounded("connectors.meta_format.handshake", LIMIT_S, meta_format.handshake, args, "verify")
    assert status in (200, 400, 403) and isinstance(text, str)
    assert isinstance(bounded("connectors.meta_format.recent", LIMIT_S, meta_format.recent, timestamp), bool)


XML_TAGS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Encrypt", "Event"]
XML = st.one_of(
    st.binary(max_size=300),
    st.lists(st.tuples(st.sampled_from(XML_TAGS), ANY_TEXT), max_size=6).map(
        lambda fields: ("<xml>" + "".join(f"<{t}><![CDATA[{v}]]></{t}>" for t, v in fields) + "</xml>")
        .encode("utf-8", "surrogatepass")),
    st.integers(100, 100_000).map(lambda n: ("<xml>" + "<a>" * n + "</a>" * n + "</xml>").encode()),
    st.just(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><xml><Content>&a;</Content></xml>'),
    st.integers(60_000, 200_000).map(lambda n: b"<xml><Content>" + b"x" * n + b"</Content></xml>"))


@fuzz_settings(400)
@given(body=XML, encrypted=ANY_TEXT | st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
       typed=TEXT)
def test_wechat_messages_are_read_or_refused(body, encrypted, typed):
    try:
        fields = bounded("connectors.wechat_format.parse_xml", BIG_LIMIT_S, wechat_format.parse_xml, body)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
    except wechat_format.BadXml:
        pass
    key = wechat_format.aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    try:
        bounded("connectors.wechat_format.decrypt", LIMIT_S, wechat_format.decrypt, encrypted, key, "wx0123")
    except wechat_format.CryptoError:
        pass
    choice = bounded("connectors.wechat_format.menu_choice", LIMIT_S, wechat_format.menu_choice, typed)
    assert choice is None or (choice.isdigit() and len(choice) <= 2)
