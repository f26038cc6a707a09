"""Telegram Bot API, without Rasa: reading an Update, and turning our replies into Bot API calls.

Pure functions (standard library and connectors.platform only), so the unit tests run in any venv.
The Rasa channel (connectors/telegram.py) checks the secret token, parses with `parse_update`, and sends the
`(method, parameters)` calls these functions return through aiogram.

Bot API reference: https://core.telegram.org/bots/api (Update, Message, CallbackQuery, sendMessage, sendPhoto,
InlineKeyboardMarkup).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from connectors.platform import (
    card_language,
    handoff_buttons,
    item_line,
    order_facts,
    price_and_rating,
    same,
    split_text,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096  # sendMessage text: 1-4096 characters
CAPTION_LIMIT = 1024  # sendPhoto caption: 0-1024 characters
CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data: 1-64 bytes
SHORT_TITLE, SHORT_BUTTONS_PER_ROW = 12, 5  # e.g. the five rating buttons share one row

# Message fields that carry something other than text; the shopper gets the polite "I can read text" reply.
NOT_TEXT = ("sticker", "photo", "voice", "audio", "video", "video_note", "animation", "document", "location", "venue",
            "contact", "poll", "dice", "game", "story", "invoice")

# A Bot API call: the method name and its parameters (reply_markup as a dict; aiogram serialises it).
Call = Tuple[str, Dict[str, Any]]


def utf16_len(text: str) -> int:
    """Telegram measures texts in UTF-16 code units (an emoji counts 2): the safe measure for its limits."""
    return len(text.encode("utf-16-le")) // 2


def secret_matches(header_value: Optional[str], secret: str) -> bool:
    """The X-Telegram-Bot-Api-Secret-Token header equals the secret given to setWebhook (constant time)."""
    return bool(secret) and same(header_value or "", secret)


# --- reading updates -------------------------------------------------------------------------------------------

class MalformedUpdate(ValueError):
    """Not a Telegram Update (no integer update_id, or a message without a chat)."""


@dataclass
class Incoming:
    """What one Update asks of us."""

    kind: str  # "text", "button", "unsupported" (a sticker, a location...), or "ignored"
    update_id: int
    what: str = ""  # the update's or message's type, for the logs
    chat_id: str = ""
    text: str = ""  # the text, or the button's callback_data
    user_id: str = ""
    language_code: str = ""  # the shopper's Telegram app language (IETF tag), if sent
    message_id: Optional[int] = None
    callback_query_id: str = ""


def parse_update(update: Any) -> Incoming:
    """Read an Update: a text message, an inline-keyboard press (callback_query), something we cannot read, or
    something to ignore (edits, channel posts, membership changes...). Raises MalformedUpdate."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise MalformedUpdate("no integer update_id")
    update_id = update["update_id"]
    if isinstance(update.get("message"), dict):
        return _message(update_id, update["message"])
    if isinstance(update.get("callback_query"), dict):
        return _button(update_id, update["callback_query"])
    kinds = [key for key in update if key != "update_id"]
    return Incoming("ignored", update_id, what=kinds[0] if kinds else "empty update")


def _chat_id(message: Dict[str, Any]) -> str:
    chat = message.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), (int, str)) or chat.get("id") == "":
        raise MalformedUpdate("message without chat.id")
    return str(chat["id"])


def _sender(message_or_query: Dict[str, Any]) -> Tuple[str, str]:
    sender = message_or_query.get("from") if isinstance(message_or_query.get("from"), dict) else {}
    return str(sender.get("id", "")), str(sender.get("language_code") or "")


def _message(update_id: int, message: Dict[str, Any]) -> Incoming:
    chat_id = _chat_id(message)
    user_id, language_code = _sender(message)
    base = dict(update_id=update_id, chat_id=chat_id, user_id=user_id, language_code=language_code,
                message_id=message.get("message_id"))
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return Incoming("text", what="text", text=start_command_as_greeting(text, language_code), **base)
    kind = next((k for k in NOT_TEXT if k in message), None)
    if kind:
        return Incoming("unsupported", what=kind, **base)
    return Incoming("ignored", what="service message", **base)  # someone joined, a pinned message...


def _button(update_id: int, query: Dict[str, Any]) -> Incoming:
    user_id, language_code = _sender(query)
    message = query.get("message")
    data = query.get("data")
    if not isinstance(message, dict) or not isinstance(data, str) or not data:
        # a press on a message sent in inline mode, or a game button: not ours
        return Incoming("ignored", update_id, what="callback_query without message or data",
                        callback_query_id=str(query.get("id", "")))
    return Incoming("button", update_id, what="callback_query", chat_id=_chat_id(message), text=data,
                    user_id=user_id, language_code=language_code, message_id=message.get("message_id"),
                    callback_query_id=str(query.get("id", "")))


def start_command_as_greeting(text: str, language_code: str) -> str:
    """Telegram opens every chat with "/start", which Rasa would read as an intent we don't have: say hello."""
    if text.split(maxsplit=1)[0].split("@")[0] != "/start":
        return text
    return "你好" if language_code.lower().startswith("zh") else "hi"


def language_from_code(language_code: str, fallback: str = "") -> str:
    """Our two languages from Telegram's IETF tag ("zh-hans" -> "zh"); "" if it is neither."""
    code = language_code.lower()
    return "zh" if code.startswith("zh") else "en" if code.startswith("en") else fallback


# --- button payloads ------------------------------------------------------------------------------------------

class PayloadStore:
    """Button payloads longer than the 64 bytes callback_data allows, kept here under a short key; bounded, so a
    key pressed after many newer buttons were sent is forgotten (the press is then ignored)."""

    PREFIX = "#p:"

    def __init__(self, max_items: int = 10_000) -> None:
        self.max_items = max_items
        self._payloads: "OrderedDict[str, str]" = OrderedDict()

    def shorten(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_BYTES and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.max_items:
            self._payloads.popitem(last=False)
        return key

    def resolve(self, data: str) -> Optional[str]:
        """The payload a pressed button stands for; None for a forgotten key."""
        if not data.startswith(self.PREFIX):
            return data
        return self._payloads.get(data)


# --- rendering ----------------------------------------------------------------------------------------------------

def keyboard(buttons: List[Dict[str, Any]], payloads: PayloadStore) -> Optional[Dict[str, Any]]:
    """An InlineKeyboardMarkup for Rasa-style buttons ({title, payload} or {title, url}): short titles share a row
    (ratings ★..★★★★★), long ones get a row each."""
    row_items = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        url = str(button.get("url") or "")
        if url.startswith(("http://", "https://")):
            row_items.append({"text": title, "url": url})
        elif button.get("payload"):
            row_items.append({"text": title, "callback_data": payloads.shorten(str(button["payload"]))})
    if not row_items:
        return None
    per_row = SHORT_BUTTONS_PER_ROW if all(utf16_len(b["text"]) <= SHORT_TITLE for b in row_items) else 1
    return {"inline_keyboard": [row_items[i:i + per_row] for i in range(0, len(row_items), per_row)]}


def text_calls(chat_id: str, text: str, reply_markup: Optional[Dict[str, Any]] = None) -> List[Call]:
    """sendMessage calls for a text of any length, split at 4,096 without breaking a word or a character; the
    keyboard goes with the last piece, where the shopper's eyes are."""
    pieces = split_text(text or "", TEXT_LIMIT, utf16_len)
    calls: List[Call] = [("sendMessage", {"chat_id": chat_id, "text": piece}) for piece in pieces]
    if reply_markup and calls:
        calls[-1][1]["reply_markup"] = reply_markup
    return calls


def truncate(text: str, limit: int) -> str:
    """At most `limit` (UTF-16 units), cut at a word or sentence, with an ellipsis when cut."""
    if utf16_len(text) <= limit:
        return text
    return split_text(text, limit - 1, utf16_len)[0] + "…"


LABELS = {
    "en": {"view": "View product", "total": "Total", "order": "Order", "tracking": "Tracking", "eta": "Expected",
           "delivered": "Delivered", "sources": "Sources", "choose": "Choose an option:",
           "rate": "How did we do? Tap a rating:", "code": "Code"},
    "zh": {"view": "查看商品", "total": "合计", "order": "订单", "tracking": "物流单号", "eta": "预计送达",
           "delivered": "签收日期", "sources": "参考来源", "choose": "请选择：", "rate": "请为本次服务评分：",
           "code": "优惠码"},
}


def product_caption(item: Dict[str, Any], language: str) -> str:
    """A product card's caption: name, price and rating, the reason it was picked, any promotion."""
    labels = LABELS[language]
    headline = price_and_rating(item)
    promotion = item.get("promotion") or {}
    offer = ""
    if promotion:
        code = f"{labels['code']} {promotion['code']}: " if promotion.get("code") else ""
        offer = f"{code}{promotion.get('summary') or promotion.get('title') or ''}".strip()
    lines = [str(item.get("name") or ""), headline, str(item.get("reason") or ""), str(item.get("copy") or ""), offer]
    return truncate("\n".join(line for line in lines if line.strip()), CAPTION_LIMIT)


def product_calls(chat_id: str, item: Dict[str, Any], language: str) -> List[Call]:
    """One product as a photo with a caption and a "View product" link button (or a text card without a photo)."""
    caption = product_caption(item, language)
    url, image = str(item.get("url") or ""), str(item.get("image") or "")
    markup = None
    if url.startswith(("http://", "https://")):
        markup = {"inline_keyboard": [[{"text": LABELS[language]["view"], "url": url}]]}
    if image.startswith(("http://", "https://")):
        params: Dict[str, Any] = {"chat_id": chat_id, "photo": image, "caption": caption}
        if markup:
            params["reply_markup"] = markup
        return [("sendPhoto", params)]
    return text_calls(chat_id, caption, markup)


def photo_as_text(call: Call) -> List[Call]:
    """The same card as a text message, for when Telegram cannot fetch the photo."""
    method, params = call
    return text_calls(params["chat_id"], params.get("caption") or params.get("photo", ""), params.get("reply_markup"))


def order_text(card: Dict[str, Any]) -> str:
    """An order card as text: status, items, total, carrier and tracking number, dates."""
    labels = LABELS[card_language(card)]
    lines = [f"{labels['order']} {card.get('order_id', '')} · {card.get('status_label') or card.get('status', '')}"]
    lines += [item_line(item) for item in card.get("items") or []]
    lines += [f"{label}: {value}" for label, value in order_facts(card, labels)]
    return "\n".join(lines)


def sources_text(custom: Dict[str, Any], language: str) -> str:
    """A knowledge answer's citations, numbered, with links where they have one."""
    lines = []
    for n, citation in enumerate(custom.get("citations") or [], start=1):
        if not isinstance(citation, dict):
            continue
        title = citation.get("title") or citation.get("source") or ""
        url = citation.get("url") or ""
        lines.append(f"{citation.get('n', n)}. {title}" + (f" — {url}" if url else ""))
    return f"{LABELS[language]['sources']}:\n" + "\n".join(lines) if lines else ""


def custom_calls(chat_id: str, custom: Dict[str, Any], payloads: PayloadStore) -> List[Call]:
    """Our custom payloads in Telegram's own forms: product cards as photos, an order as a text card, citations as a
    numbered list, handoff choices as an inline keyboard. Payloads with no native form give no calls; their text
    arrives separately."""
    kind = custom.get("type")
    if kind == "products":
        items = [i for i in custom.get("items") or [] if isinstance(i, dict)]
        language = card_language(custom, str(items[0].get("name", "")) if items else "")
        return [call for item in items for call in product_calls(chat_id, item, language)]
    if kind == "agent_message" and isinstance(custom.get("product"), dict):
        language = card_language(custom, str(custom["product"].get("name", "")))
        return product_calls(chat_id, custom["product"], language)
    if kind == "order":
        return text_calls(chat_id, order_text(custom))
    if kind == "answer":
        text = sources_text(custom, card_language(custom))
        return text_calls(chat_id, text) if text else []
    buttons = handoff_buttons(custom)
    if buttons:
        prompt = LABELS[card_language(custom)]["rate" if kind == "handoff_ended" else "choose"]
        return text_calls(chat_id, prompt, keyboard(buttons, payloads))
    return []
