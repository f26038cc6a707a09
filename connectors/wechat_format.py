"""WeChat Official Account (公众号) message formats, as pure functions: the SHA1 signatures, the AES "safe mode"
message crypto, safe XML parsing, the customer-service API's JSON messages and the numbered text menus that stand in
for quick replies.

Written by hand: no maintained Python WeChat SDK exists (wechatpy, the usual one, has been unmaintained since 2021
and is not installed). AES-256-CBC and PKCS#7 come from `cryptography`. Imports no rasa, so tests run it anywhere.
Documentation followed (Official Account, 2024):
- https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html (signature)
- https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
- https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
- https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
import xml.etree.ElementTree as ElementTree
from typing import Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from connectors.platform import LastPerUser, Reply, same, split_text, utf8_len

TEXT_LIMIT_BYTES = 2048  # customer-service text messages: content at most 2,048 bytes
MAX_XML_BYTES = 64 * 1024  # a push is a few hundred bytes; a compatible-mode one about three times that
PKCS7_BLOCK_BITS = 256  # WeChat pads to 32-byte blocks, not AES's 16


# --- signatures -----------------------------------------------------------------------------------------------

def signature(*parts: str) -> str:
    """SHA1 hex of the parts sorted and joined: `signature` over token, timestamp, nonce; `msg_signature` adds the
    Encrypt field."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signed(expected_parts: Tuple[str, ...], given: str) -> bool:
    """Whether `given` is the signature of the parts (constant-time)."""
    return bool(given) and same(signature(*expected_parts), given.lower())


# --- AES safe mode -----------------------------------------------------------------------------------------------

class CryptoError(ValueError):
    """A message that cannot be decrypted, or that was encrypted for another AppID."""


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key: EncodingAESKey (43 characters) is its base64 without the trailing '='."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as error:
        raise CryptoError("WECHAT_AES_KEY is not a 43-character EncodingAESKey") from error
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise CryptoError("WECHAT_AES_KEY is not a 43-character EncodingAESKey")
    return key


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))  # the IV is the key's first 16 bytes, as documented


def encrypt(xml_text: str, key: bytes, app_id: str, random_prefix: Optional[bytes] = None) -> str:
    """Base64(AES-CBC(16 random bytes + 4-byte big-endian length + XML + AppID), PKCS#7 to 32-byte blocks)."""
    message = xml_text.encode("utf-8")
    prefix = random_prefix if random_prefix is not None else os.urandom(16)
    plain = prefix + struct.pack(">I", len(message)) + message + app_id.encode("utf-8")
    padder = padding.PKCS7(PKCS7_BLOCK_BITS).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def decrypt(encrypted: str, key: bytes, app_id: str) -> str:
    """The XML inside an Encrypt field; CryptoError when it is not valid or names another AppID."""
    try:
        sealed = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as error:
        raise CryptoError("Encrypt is not base64") from error
    if not sealed or len(sealed) % 16:
        raise CryptoError("Encrypt is not a whole number of AES blocks")
    decryptor = _cipher(key).decryptor()
    padded = decryptor.update(sealed) + decryptor.finalize()
    unpadder = padding.PKCS7(PKCS7_BLOCK_BITS).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError as error:
        raise CryptoError("bad padding (wrong key?)") from error
    if len(plain) < 20:
        raise CryptoError("decrypted message too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, sender_app_id = plain[20:20 + length], plain[20 + length:]
    if len(message) != length:
        raise CryptoError("decrypted length does not match")
    if not same(sender_app_id.decode("utf-8", "replace"), app_id):
        raise CryptoError("message encrypted for another AppID")
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CryptoError("decrypted message is not UTF-8") from error


# --- XML ------------------------------------------------------------------------------------------------------

class BadXml(ValueError):
    """A push that is not the flat <xml>...</xml> WeChat sends."""


FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(body: bytes) -> Dict[str, str]:
    """The push's fields ({"MsgType": "text", ...}), refusing oversize bodies and any DTD before the parser sees
    them, so entity expansion (billion laughs) and external entities never happen."""
    if len(body) > MAX_XML_BYTES:
        raise BadXml(f"body over {MAX_XML_BYTES} bytes")
    if FORBIDDEN_XML.search(body):
        raise BadXml("DOCTYPE/ENTITY declarations are not accepted")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise BadXml(f"not XML: {error}") from error
    if root.tag != "xml":
        raise BadXml(f"root element is <{root.tag}>, not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_xml(fields: Dict[str, Any]) -> str:
    """A flat WeChat XML document; numbers bare, strings in CDATA (as WeChat writes them)."""
    inner = "".join(
        f"<{name}>{value if isinstance(value, int) else _cdata(str(value))}</{name}>" for name, value in fields.items()
    )
    return f"<xml>{inner}</xml>"


def dedupe_key(fields: Dict[str, str]) -> str:
    """MsgId for messages; FromUserName + CreateTime for events (they have no MsgId), as the docs advise."""
    if fields.get("MsgId"):
        return "msg:" + fields["MsgId"]
    return f"event:{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}:{fields.get('Event', '')}"


# --- API answers ----------------------------------------------------------------------------------------------

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed, expired access_token: fetch a new one
BUSY_ERRORS = {-1, 45009}  # system busy; API call frequency over the limit


def api_classifier(reply: Reply) -> str:
    """WeChat answers most errors with HTTP 200 and a JSON errcode: "ok", "refresh", "retry" or "fail"."""
    if reply.status == 429 or reply.status >= 500:
        return "retry"
    if not 200 <= reply.status < 300:
        return "fail"
    body = reply.body if isinstance(reply.body, dict) else {}
    code = body.get("errcode", 0)
    if code == 0:
        return "ok"
    if code in TOKEN_ERRORS:
        return "refresh"
    if code in BUSY_ERRORS:
        return "retry"
    return "fail"


def token_classifier(reply: Reply) -> str:
    """The token endpoint answers {access_token, expires_in}, or an errcode."""
    verdict = api_classifier(reply)
    if verdict == "ok" and not (isinstance(reply.body, dict) and reply.body.get("access_token")):
        return "fail"
    return "fail" if verdict == "refresh" else verdict


# --- outbound messages ----------------------------------------------------------------------------------------

def text_messages(openid: str, text: str) -> List[Dict[str, Any]]:
    """Customer-service text messages, split at 2,048 bytes without cutting a word or a character."""
    return [
        {"touser": openid, "msgtype": "text", "text": {"content": piece}}
        for piece in split_text(text, TEXT_LIMIT_BYTES, utf8_len)
    ]


def _money(amount: Any, currency: Any) -> str:
    try:
        return f"{currency or ''} {float(amount):.2f}".strip()
    except (TypeError, ValueError):
        return ""


def product_article(item: Dict[str, Any]) -> Dict[str, str]:
    """One news article for a product card: name and price as the title, the card's reason as the description."""
    price = _money(item.get("price"), item.get("currency"))
    title = " · ".join(part for part in (str(item.get("name") or ""), price) if part)
    description = str(item.get("copy") or item.get("reason") or item.get("promotion") or "")
    return {
        "title": title,
        "description": description,
        "url": str(item.get("url") or ""),
        "picurl": str(item.get("image") or ""),
    }


def news_message(openid: str, item: Dict[str, Any]) -> Dict[str, Any]:
    """A news message with one article: customer-service news messages allow exactly one."""
    return {"touser": openid, "msgtype": "news", "news": {"articles": [product_article(item)]}}


ORDER_WORDS = {
    "en": {"order": "Order", "total": "Total", "qty": "×"},
    "zh": {"order": "订单", "total": "合计", "qty": "×"},
}


def order_summary(card: Dict[str, Any]) -> str:
    """An order card as a short text (WeChat has no card for it): what was ordered and the total."""
    words = ORDER_WORDS["zh" if card.get("language") == "zh" else "en"]
    head = f"{words['order']} {card.get('order_id', '')}"
    if card.get("status_label"):
        head += f" · {card['status_label']}"
    lines = [head]
    for item in card.get("items") or []:
        lines.append(f"• {item.get('name', '')} {words['qty']}{item.get('quantity', 1)}")
    total = _money(card.get("total"), card.get("currency"))
    if total:
        lines.append(f"{words['total']} {total}")
    return "\n".join(lines)


# --- numbered menus (WeChat has no quick-reply buttons) --------------------------------------------------------

MENU_LINE = {"en": "Reply {n}: {title}", "zh": "回复 {n}：{title}"}
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def numbered_menu(buttons: List[Dict[str, Any]], language: str) -> Tuple[str, Dict[str, str]]:
    """The menu's text ("Reply 1: Yes" / "回复 1：是") and {"1": payload} to read the shopper's answer back."""
    line = MENU_LINE["zh" if language == "zh" else "en"]
    lines, choices = [], {}
    for n, button in enumerate(buttons, start=1):
        title = str(button.get("title") or button.get("payload") or "")
        lines.append(line.format(n=n, title=title))
        choices[str(n)] = str(button.get("payload") or title)
    return "\n".join(lines), choices


def with_menu(openid: str, text: str, menu: str) -> List[Dict[str, Any]]:
    """Text messages ending with the menu; the menu stays whole in the last one."""
    if not text.strip():
        return text_messages(openid, menu)
    messages = text_messages(openid, text)
    last = messages[-1]["text"]["content"] + "\n\n" + menu
    if utf8_len(last) <= TEXT_LIMIT_BYTES:
        messages[-1]["text"]["content"] = last
    else:
        messages += text_messages(openid, menu)
    return messages


def menu_choice(text: str) -> Optional[str]:
    """"1", " 2 ", "３" → the number typed; anything else → None."""
    typed = (text or "").strip().translate(FULL_WIDTH_DIGITS)
    return typed if typed.isdigit() and len(typed) <= 2 else None


def answer_to_menu(menus: "LastPerUser[Dict[str, str]]", openid: str, text: str) -> Optional[str]:
    """The payload of the button the shopper picked by typing its number, if their last menu had one. A menu
    answers only the message right after it: any reply takes it away, so a later "1" (a quantity) stays text."""
    choices = menus.pop(openid)
    number = menu_choice(text)
    return (choices or {}).get(number) if number else None
