"""WeChat formats without servers: signatures, safe-mode crypto (against the double's independent code), safe XML
parsing, the API error classifier, and how replies become customer-service messages and numbered menus."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors import wechat_format as fmt
from connectors.platform import LastPerUser, Reply, unsupported_reply
from tests.connectors.doubles.wechat import WechatDouble, aes_decrypt, aes_encrypt, fixture, sha1_signature

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # the test EncodingAESKey (scripts/stack.py)
APP_ID = "wx0123456789abcdef"
TOKEN = "testwechattoken"


# --- signatures ------------------------------------------------------------------------------------------------

def test_signature_is_sha1_of_the_sorted_parts():
    expected = hashlib.sha1("".join(sorted([TOKEN, "1409304348", "xxxxxx"])).encode()).hexdigest()
    assert fmt.signature(TOKEN, "1409304348", "xxxxxx") == expected
    assert fmt.signature("1409304348", "xxxxxx", TOKEN) == expected  # order does not matter: they are sorted


def test_signed_accepts_the_right_signature_only():
    good = sha1_signature(TOKEN, "1409304348", "nonce1")
    assert fmt.signed((TOKEN, "1409304348", "nonce1"), good)
    assert fmt.signed((TOKEN, "1409304348", "nonce1"), good.upper())  # hex case is not a secret
    assert not fmt.signed((TOKEN, "1409304349", "nonce1"), good)
    assert not fmt.signed(("another-token", "1409304348", "nonce1"), good)
    assert not fmt.signed((TOKEN, "1409304348", "nonce1"), "")


def test_msg_signature_covers_the_encrypted_body():
    parts = (TOKEN, "1409304348", "n", "CIPHERTEXT")
    assert fmt.signed(parts, sha1_signature(*parts))
    assert not fmt.signed((TOKEN, "1409304348", "n", "CIPHERTEXT2"), sha1_signature(*parts))


# --- AES safe mode -----------------------------------------------------------------------------------------------

def test_aes_key_is_the_base64_of_the_encoding_key():
    key = fmt.aes_key(AES)
    assert len(key) == 32 and key == base64.b64decode(AES + "=")
    for bad in ("short", AES[:-1], AES + "A", "!" * 43):
        with pytest.raises(fmt.CryptoError):
            fmt.aes_key(bad)


def test_the_connector_reads_what_the_double_encrypts_and_back():
    xml = fixture("text.xml").replace("this is a test", "你好，帐篷有货吗？")
    assert fmt.decrypt(aes_encrypt(xml, AES, APP_ID), fmt.aes_key(AES), APP_ID) == xml
    assert aes_decrypt(fmt.encrypt(xml, fmt.aes_key(AES), APP_ID), AES) == (xml, APP_ID)


def test_encryption_layout_is_random_length_message_appid_padded_to_32():
    key = fmt.aes_key(AES)
    sealed = base64.b64decode(fmt.encrypt("<xml/>", key, APP_ID, random_prefix=b"R" * 16))
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(sealed) + decryptor.finalize()
    body = b"R" * 16 + struct.pack(">I", 6) + b"<xml/>" + APP_ID.encode()
    pad = 32 - len(body) % 32
    assert len(sealed) % 32 == 0
    assert plain == body + bytes([pad]) * pad


def test_a_message_for_another_app_id_is_refused():
    with pytest.raises(fmt.CryptoError, match="AppID"):
        fmt.decrypt(aes_encrypt("<xml/>", AES, "wxsomeoneelse0000"), fmt.aes_key(AES), APP_ID)


@pytest.mark.parametrize("garbage", ["not base64!", base64.b64encode(b"x" * 15).decode(), ""])
def test_garbage_ciphertext_is_a_crypto_error(garbage):
    with pytest.raises(fmt.CryptoError):
        fmt.decrypt(garbage, fmt.aes_key(AES), APP_ID)


def test_a_wrong_key_is_a_crypto_error_not_a_crash():
    other = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
    sealed = aes_encrypt("<xml/>", other, APP_ID)
    with pytest.raises(fmt.CryptoError):
        fmt.decrypt(sealed, fmt.aes_key(AES), APP_ID)


# --- XML ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["text.xml", "image.xml", "voice.xml", "location.xml", "link.xml",
                                  "event_subscribe.xml", "encrypted.xml"])
def test_documented_pushes_parse(name):
    fields = fmt.parse_xml(fixture(name).encode())
    assert fields["ToUserName"] == "toUser"
    assert "MsgType" in fields or "Encrypt" in fields


def test_text_push_fields():
    fields = fmt.parse_xml(fixture("text.xml").encode())
    assert fields == {"ToUserName": "toUser", "FromUserName": "fromUser", "CreateTime": "1348831860",
                      "MsgType": "text", "Content": "this is a test", "MsgId": "1234567890123456"}


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><Content>&lol;</Content></xml>',
    b'<!doctype xml SYSTEM "file:///etc/passwd"><xml/>',
    b'<xml><!ENTITY x "y"></xml>',
    b"<xml><Content>unclosed</xml>",
    b"not xml at all",
    b"<html><body/></html>",
    b"",
    b"<xml>" + b"<A>" + b"x" * (fmt.MAX_XML_BYTES) + b"</A></xml>",
])
def test_unsafe_or_malformed_xml_is_refused(body):
    with pytest.raises(fmt.BadXml):
        fmt.parse_xml(body)


def test_build_xml_round_trips_and_escapes_cdata_ends():
    xml = fmt.build_xml({"ToUserName": "gh_1", "CreateTime": 1, "Content": "a ]]> b <tag> & 中文"})
    assert fmt.parse_xml(xml.encode()) == {"ToUserName": "gh_1", "CreateTime": "1", "Content": "a ]]> b <tag> & 中文"}


def test_dedupe_keys():
    text = fmt.parse_xml(fixture("text.xml").encode())
    event = fmt.parse_xml(fixture("event_subscribe.xml").encode())
    assert fmt.dedupe_key(text) == "msg:1234567890123456"
    assert fmt.dedupe_key(event) == "event:FromUser:123456789:subscribe"


# --- API answers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reply, verdict", [
    (Reply(200, {"errcode": 0, "errmsg": "ok"}), "ok"),
    (Reply(200, {"access_token": "t", "expires_in": 7200}), "ok"),
    (Reply(200, {"errcode": 40001, "errmsg": "invalid credential"}), "refresh"),
    (Reply(200, {"errcode": 42001, "errmsg": "access_token expired"}), "refresh"),
    (Reply(200, {"errcode": 40014, "errmsg": "invalid access_token"}), "refresh"),
    (Reply(200, {"errcode": -1, "errmsg": "system error"}), "retry"),
    (Reply(200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}), "retry"),
    (Reply(429, "slow down"), "retry"),
    (Reply(503, "unavailable"), "retry"),
    (Reply(200, {"errcode": 45015, "errmsg": "response out of time limit"}), "fail"),
    (Reply(200, {"errcode": 45047, "errmsg": "out of response count limit"}), "fail"),
    (Reply(200, {"errcode": 40003, "errmsg": "invalid openid"}), "fail"),
    (Reply(400, "bad request"), "fail"),
])
def test_api_classifier(reply, verdict):
    assert fmt.api_classifier(reply) == verdict


def test_token_classifier_needs_a_token():
    assert fmt.token_classifier(Reply(200, {"access_token": "abc", "expires_in": 7200})) == "ok"
    assert fmt.token_classifier(Reply(200, {"errcode": 40013, "errmsg": "invalid appid"})) == "fail"
    assert fmt.token_classifier(Reply(200, {"errcode": 40001, "errmsg": "invalid secret"})) == "fail"
    assert fmt.token_classifier(Reply(200, {"errcode": -1})) == "retry"
    assert fmt.token_classifier(Reply(200, {})) == "fail"


# --- outbound messages --------------------------------------------------------------------------------------------

def test_short_text_is_one_documented_text_message():
    [message] = fmt.text_messages("oUser", "Hello World")
    assert message == {"touser": "oUser", "msgtype": "text", "text": {"content": "Hello World"}}
    assert not WechatDouble.schema_problems(message)


@pytest.mark.parametrize("text", [
    "帐篷防水性能很好，适合雨天露营。" * 200,  # 3 bytes a character
    "The tent is waterproof and light. " * 150,
    ("中文 mixed with English words, " * 120),
])
def test_long_text_is_split_at_2048_bytes_on_boundaries(text):
    messages = fmt.text_messages("oUser", text)
    pieces = [m["text"]["content"] for m in messages]
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 2048 for p in pieces)
    assert all(not WechatDouble.schema_problems(m) for m in messages)
    assert "".join(p.replace(" ", "") for p in pieces) == text.replace(" ", "")  # nothing lost, nothing cut
    for piece in pieces[:-1]:
        assert piece.endswith(("。", ".", ",", "，")) or piece[-1].isalnum()


def test_product_card_is_one_news_article():
    item = {"id": "TP-TNT-001", "name": "Ridge 2P Tent", "price": 289.0, "currency": "USD",
            "url": "https://tidepool.example/products/ridge", "image": "https://tidepool.example/img/ridge.jpg",
            "reason": "Tidepool, rated 4.8★."}
    message = fmt.news_message("oUser", item)
    assert message == {"touser": "oUser", "msgtype": "news", "news": {"articles": [{
        "title": "Ridge 2P Tent · USD 289.00", "description": "Tidepool, rated 4.8★.",
        "url": "https://tidepool.example/products/ridge", "picurl": "https://tidepool.example/img/ridge.jpg"}]}}
    assert not WechatDouble.schema_problems(message)
    assert set(message["news"]["articles"][0]) == set(
        __import__("json").loads(fixture("custom_send_news.json"))["news"]["articles"][0])


def test_the_copy_line_wins_over_the_reason_and_missing_price_is_left_out():
    article = fmt.product_article({"name": "Kit", "copy": "Packs small.", "reason": "r", "url": "https://x"})
    assert article["title"] == "Kit" and article["description"] == "Packs small."


def test_order_summary_lists_items_and_total_in_the_cards_language():
    card = {"type": "order", "order_id": "TP10042", "status_label": "已发货", "language": "zh", "total": 149,
            "currency": "USD", "items": [{"name": "港湾防水夹克", "quantity": 1}]}
    assert fmt.order_summary(card) == "订单 TP10042 · 已发货\n• 港湾防水夹克 ×1\n合计 USD 149.00"


# --- numbered menus -------------------------------------------------------------------------------------------------

def test_menu_in_both_languages():
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    assert fmt.numbered_menu(buttons, "en") == ("Reply 1: Yes\nReply 2: No", {"1": "/affirm", "2": "/deny"})
    assert fmt.numbered_menu(buttons, "zh")[0] == "回复 1：Yes\n回复 2：No"


def test_menu_follows_the_text_and_stays_whole():
    menu = "Reply 1: Back to assistant"
    [message] = fmt.with_menu("o", "You're number 2 in the queue.", menu)
    assert message["text"]["content"] == "You're number 2 in the queue.\n\nReply 1: Back to assistant"
    long = fmt.with_menu("o", "字" * 700, menu)  # 2,100 bytes of text: the menu goes in the last piece
    assert long[-1]["text"]["content"].endswith(menu)
    assert all(len(m["text"]["content"].encode()) <= 2048 for m in long)
    assert fmt.with_menu("o", "", menu) == fmt.text_messages("o", menu)


@pytest.mark.parametrize("typed, number", [("1", "1"), (" 2 ", "2"), ("３", "3"), ("12", "12"), ("one", None),
                                           ("1 please", None), ("", None), ("123", None)])
def test_menu_choice(typed, number):
    assert fmt.menu_choice(typed) == number


def test_the_shoppers_number_maps_to_the_buttons_payload_once():
    menus: LastPerUser = LastPerUser()
    menus.put("o1", {"1": "/handoff_cancel"})
    assert fmt.answer_to_menu(menus, "o2", "1") is None  # someone else's menu
    assert fmt.answer_to_menu(menus, "o1", "1") == "/handoff_cancel"
    assert fmt.answer_to_menu(menus, "o1", "1") is None  # used up: a later "1" is just text
    menus.put("o1", {"1": "/a"})
    assert fmt.answer_to_menu(menus, "o1", "where is my order") is None
    assert fmt.answer_to_menu(menus, "o1", "1") is None  # the menu answered only the next message


def test_last_per_user_is_bounded_and_forgets_the_oldest():
    store: LastPerUser = LastPerUser(max_users=3)
    for n in range(5):
        store.put(f"u{n}", n)
    assert len(store) == 3 and store.get("u0") is None and store.get("u4") == 4
    store.put("u2", 22)  # refreshed: now the newest
    store.put("u5", 5)
    assert store.get("u2") == 22 and store.get("u3") is None


# --- the double's own checks (so a test cannot pass against a lax double) ------------------------------------------

@pytest.mark.parametrize("body, problem", [
    ({"touser": "o", "msgtype": "text", "text": {"content": "x" * 2049}}, "over 2048"),
    ({"touser": "o", "msgtype": "text", "text": {"content": ""}}, "must not be empty"),
    ({"msgtype": "text", "text": {"content": "hi"}}, "touser"),
    ({"touser": "o", "msgtype": "news", "news": {"articles": [{"title": "a"}, {"title": "b"}]}}, "exactly one"),
    ({"touser": "o", "msgtype": "news", "news": {"articles": [{"title": "a", "thumb_url": "x"}]}}, "unknown"),
    ({"touser": "o", "msgtype": "news", "news": {"articles": [{"title": "a", "url": "ftp://x"}]}}, "http"),
    ({"touser": "o", "msgtype": "image", "image": {"media_id": "m"}}, "only send text and news"),
    ([], "not a JSON object"),
])
def test_the_double_flags_malformed_calls(body, problem):
    assert any(problem in p for p in WechatDouble.schema_problems(body))


def test_unsupported_reply_exists_in_both_languages():
    assert "text" in unsupported_reply("en") and "文字" in unsupported_reply("zh")
