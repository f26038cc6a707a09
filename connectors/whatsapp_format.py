"""WhatsApp Cloud API payloads, read and written: the `messages` webhook turned into what the shopper said, and our
replies turned into `POST /{phone-number-id}/messages` bodies within the documented limits.

Pure functions: no rasa, no network (connectors/whatsapp.py does the sending). Payload shapes follow the Cloud API
reference for Graph API v21.0 (webhooks `messages` field; messages: text, interactive reply buttons and list, image).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

from connectors.meta_format import (
    CHOOSE,
    MalformedWebhook,
    choice_options,
    clip,
    lang,
    listed,
    price_label,
    render_custom,
    webhook_entries,
)
from connectors.platform import item_line, split_text

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
CAPTION_LIMIT = 1024
BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX = 3, 20, 256
ROWS_MAX, ROW_TITLE_MAX, ROW_ID_MAX, ROW_DESCRIPTION_MAX = 10, 24, 200, 72
LIST_BUTTON_MAX, SECTION_TITLE_MAX = 20, 24
PRODUCT_CARDS_MAX = 10  # one image message per product; more would flood the chat

UNSUPPORTED_TYPES = {"image", "sticker", "location", "audio", "voice", "video", "document", "contacts", "order",
                     "unsupported"}
IGNORED_TYPES = {"reaction", "system", "ephemeral", "request_welcome"}  # nothing to answer


@dataclass
class Inbound:
    """One shopper message from a webhook."""

    sender: str  # the wa_id ("from"): also the `to` of our replies and Rasa's sender id
    message_id: str  # the wamid, our dedupe key
    timestamp: str
    kind: str  # "text" (typed, or a button/row id), "unsupported" or "ignored"
    text: str = ""
    message_type: str = ""
    name: str = ""  # WhatsApp profile name
    phone_number_id: str = ""  # the business number it was sent to
    caption: str = ""  # of an image or video we cannot read: tells us the shopper's language


@dataclass
class Status:
    """A delivery status of one of our messages; only failures matter to us."""

    recipient: str
    status: str
    error_codes: List[int] = field(default_factory=list)


def parse_webhook(payload: Any) -> Tuple[List[Inbound], List[Status]]:
    """The shopper messages and delivery statuses in a webhook body; raises MalformedWebhook for an unknown shape."""
    messages: List[Inbound] = []
    statuses: List[Status] = []
    for entry in webhook_entries(payload, "whatsapp_business_account"):
        for change in listed(entry, "changes"):
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue  # other subscriptions (templates, account updates) are not for the assistant
            value = change.get("value")
            if not isinstance(value, dict):
                raise MalformedWebhook("a messages change without a value")
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "")
                     for c in listed(value, "contacts") if isinstance(c, dict)}
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            for message in listed(value, "messages"):
                messages.append(_inbound(message, names, number))
            for status in listed(value, "statuses"):
                if isinstance(status, dict):
                    codes = [int(e["code"]) for e in listed(status, "errors")
                             if isinstance(e, dict) and str(e.get("code", "")).isdigit()]
                    statuses.append(Status(str(status.get("recipient_id", "")), str(status.get("status", "")), codes))
    return messages, statuses


def _inbound(message: Any, names: Dict[str, str], number: str) -> Inbound:
    if not isinstance(message, dict) or not message.get("from") or not message.get("id"):
        raise MalformedWebhook("a message without from or id")
    kind = str(message.get("type", ""))
    sender = str(message["from"])
    found = Inbound(sender, str(message["id"]), str(message.get("timestamp", "")), "unsupported", "", kind,
                    names.get(sender, ""), number)
    content = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        found.text = str(content.get("body", "")).strip()
        found.kind = "text" if found.text else "ignored"
    elif kind == "interactive":
        reply = content.get(content.get("type", "")) if isinstance(content.get("type"), str) else None
        if content.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict) and reply.get("id"):
            found.kind, found.text = "text", str(reply["id"])  # the id we gave the button is our payload
    elif kind == "button":  # a quick-reply button of a template message
        found.text = str(content.get("payload") or content.get("text") or "")
        found.kind = "text" if found.text else "unsupported"
    elif kind in IGNORED_TYPES:
        found.kind = "ignored"
    else:
        found.caption = str(content.get("caption") or "")
    return found


# --- outbound ---------------------------------------------------------------------------------------------------

def envelope(to: str, kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: content}


def text_messages(to: str, text: str) -> List[Dict[str, Any]]:
    """A text, split at 4,096 characters without breaking a word or a Chinese character."""
    return [envelope(to, "text", {"preview_url": "http" in piece, "body": piece})
            for piece in split_text(text or "", TEXT_LIMIT)]


def choice_messages(to: str, text: str, buttons: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
    """Text with choices: up to 3 as reply buttons (titles cut at 20 characters), more as a list (10 rows a message,
    titles cut at 24). The id of each button or row is its payload, which comes back in the `interactive` reply."""
    options = choice_options(buttons)
    if not options:
        return text_messages(to, text)
    messages: List[Dict[str, Any]] = []
    body = (text or "").strip()
    if not body or len(body) > INTERACTIVE_BODY_LIMIT:  # a long text goes first on its own; the buttons get a prompt
        messages += text_messages(to, body)
        body = CHOOSE[lang(language)]
    titles = [clip(title, BUTTON_TITLE_MAX) for title, _ in options]
    if len(options) <= BUTTONS_MAX and len(set(titles)) == len(titles):  # button titles must stay unique
        replies = [{"type": "reply", "reply": {"id": _id(payload, title, BUTTON_ID_MAX), "title": short}}
                   for (title, payload), short in zip(options, titles)]
        messages.append(envelope(to, "interactive", {"type": "button", "body": {"text": body},
                                                     "action": {"buttons": replies}}))
        return messages
    for start in range(0, len(options), ROWS_MAX):
        rows = [_row(title, payload) for title, payload in options[start:start + ROWS_MAX]]
        messages.append(envelope(to, "interactive", {
            "type": "list",
            "body": {"text": body if start == 0 else CHOOSE[lang(language)]},
            "action": {"button": clip(CHOOSE[lang(language)].rstrip(":："), LIST_BUTTON_MAX),
                       "sections": [{"title": clip(CHOOSE[lang(language)].rstrip(":："), SECTION_TITLE_MAX),
                                     "rows": rows}]},
        }))
    return messages


def _row(title: str, payload: str) -> Dict[str, str]:
    row = {"id": _id(payload, title, ROW_ID_MAX), "title": clip(title, ROW_TITLE_MAX)}
    if len(title) > ROW_TITLE_MAX:  # the whole title, as far as the description allows, tells cut twins apart
        row["description"] = clip(title, ROW_DESCRIPTION_MAX)
    return row


def _id(payload: str, title: str, limit: int) -> str:
    """The payload as the id; one too long to fit is replaced by the title, which the assistant also understands."""
    return payload if len(payload) <= limit else clip(title, limit)


def image_message(to: str, link: str, caption: str = "") -> Dict[str, Any]:
    content: Dict[str, Any] = {"link": link}
    if caption:
        content["caption"] = clip(caption, CAPTION_LIMIT)
    return envelope(to, "image", content)


def product_messages(to: str, items: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
    """One image with a caption per product (a text when it has no image): WhatsApp's product card."""
    messages = []
    for item in items[:PRODUCT_CARDS_MAX]:
        if not isinstance(item, dict) or not item.get("name"):
            continue
        caption = product_caption(item, language)
        image = str(item.get("image") or "")
        messages.append(image_message(to, image, caption) if image.startswith("http")
                        else text_messages(to, caption)[0])
    return messages


def product_caption(item: Dict[str, Any], language: str) -> str:
    promotion = item.get("promotion") if isinstance(item.get("promotion"), dict) else {}
    lines = [f"*{clip(item.get('name'), 200, one_line=True)}*", price_label(item),
             str(item.get("copy") or item.get("reason") or "").strip(),
             f"{promotion.get('title', '')} {promotion.get('code') or ''}".strip() if promotion else "",
             str(item.get("url") or "")]
    return clip("\n".join(line for line in lines if line), CAPTION_LIMIT)


ORDER_WORDS = {
    "en": {"order": "Order", "total": "Total", "tracking": "Tracking"},
    "zh": {"order": "订单", "total": "合计", "tracking": "运单号"},
}


def order_messages(to: str, card: Dict[str, Any]) -> List[Dict[str, Any]]:
    """An order card as one formatted text: number and status, the items, the total (the bot's text says the
    rest)."""
    words = ORDER_WORDS[lang(card.get("language"))]
    lines = [f"*{words['order']} {card.get('order_id', '')}* · {card.get('status_label') or card.get('status', '')}"]
    lines += [f"• {item_line(item)}" for item in card.get("items") or [] if isinstance(item, dict)]
    total = price_label({"price": card.get("total"), "currency": card.get("currency")})
    if total:
        lines.append(f"{words['total']}: {total}")
    if card.get("tracking_number"):
        lines.append(f"{words['tracking']}: " + " ".join(filter(None, [card.get("carrier"), card["tracking_number"]])))
    return text_messages(to, "\n".join(lines))


def custom_messages(to: str, custom: Any, language: str) -> List[Dict[str, Any]]:
    """Our custom payloads rendered natively; those with no WhatsApp form give nothing (their text was sent)."""
    return render_custom("whatsapp", to, custom, language, product_messages, order_messages, choice_messages)
