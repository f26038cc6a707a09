"""Facebook Messenger payloads, read and written: the Page webhook (`messages`, `messaging_postbacks`) turned into
what the shopper said, and our replies turned into Send API bodies (`POST /me/messages`) within the documented
limits.

Pure functions: no rasa, no network (connectors/messenger.py does the sending). Shapes follow the Messenger Platform
reference for Graph API v21.0 (webhook events messages / messaging_postbacks / message_echoes; Send API; quick
replies; generic template).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List

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
from connectors.platform import split_text

TEXT_LIMIT = 2000
QUICK_REPLIES_MAX, QUICK_REPLY_TITLE_MAX, QUICK_REPLY_PAYLOAD_MAX = 13, 20, 1000
ELEMENTS_MAX, ELEMENT_TITLE_MAX, ELEMENT_SUBTITLE_MAX = 10, 80, 80
ELEMENT_BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20

VIEW = {"en": "View product", "zh": "查看商品"}
ORDER_WORDS = {"en": {"order": "Order", "total": "Total"}, "zh": {"order": "订单", "total": "合计"}}


@dataclass
class Inbound:
    """One event from a Page webhook that concerns the assistant."""

    sender: str  # the PSID: Rasa's sender id and the recipient of our replies
    message_id: str  # `mid`, our dedupe key
    timestamp: Any  # milliseconds
    kind: str  # "text" (typed, a quick reply or a postback payload), "unsupported" or "ignored"
    text: str = ""
    event: str = "message"  # "message", "postback", or what was ignored ("echo", "delivery", ...)
    attachment_types: List[str] = field(default_factory=list)
    page_id: str = ""


def parse_webhook(payload: Any) -> List[Inbound]:
    """The events of a webhook body, oldest first; raises MalformedWebhook for an unknown shape."""
    events: List[Inbound] = []
    for entry in webhook_entries(payload, "page"):
        # only `messaging`: `standby` (handover protocol) is for another app
        events += [_event(item, str(entry.get("id", ""))) for item in listed(entry, "messaging")]
    return events


def _event(item: Any, page_id: str) -> Inbound:
    if not isinstance(item, dict) or not isinstance(item.get("sender"), dict) or not item["sender"].get("id"):
        raise MalformedWebhook("an event without sender.id")
    sender, timestamp = str(item["sender"]["id"]), item.get("timestamp")
    message, postback = item.get("message"), item.get("postback")
    if isinstance(message, dict):
        if message.get("is_echo"):  # our own message, sent back to us
            return Inbound(sender, str(message.get("mid", "")), timestamp, "ignored", event="echo", page_id=page_id)
        if not message.get("mid"):
            raise MalformedWebhook("a message without mid")
        found = Inbound(sender, str(message["mid"]), timestamp, "unsupported", page_id=page_id)
        quick_reply = message.get("quick_reply") if isinstance(message.get("quick_reply"), dict) else {}
        attachments = message.get("attachments") if isinstance(message.get("attachments"), list) else []
        found.attachment_types = [str(a.get("type", "")) for a in attachments if isinstance(a, dict)]
        if quick_reply.get("payload"):  # a tapped quick reply: the payload we gave it, not its title
            found.kind, found.text = "text", str(quick_reply["payload"])
        elif isinstance(message.get("text"), str) and message["text"].strip() and not (
                set(found.attachment_types) - {"fallback"}):  # a typed text, perhaps with a link preview
            found.kind, found.text = "text", message["text"].strip()
        else:
            found.text = str(message.get("text") or "")  # a link share's text: only its language is used
        return found
    if isinstance(postback, dict):
        payload = str(postback.get("payload") or "")
        mid = str(postback.get("mid") or f"postback:{sender}:{timestamp}")  # older versions had no mid
        return Inbound(sender, mid, timestamp, "text" if payload else "ignored", payload, "postback", page_id=page_id)
    ignored = next((key for key in ("delivery", "read", "reaction", "optin", "referral", "account_linking")
                    if key in item), "other")
    return Inbound(sender, "", timestamp, "ignored", event=ignored, page_id=page_id)


# --- outbound ---------------------------------------------------------------------------------------------------

def envelope(psid: str, message: Dict[str, Any]) -> Dict[str, Any]:
    """A Send API body: a reply to the shopper (messaging_type RESPONSE, inside the 24-hour window)."""
    return {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}


def text_messages(psid: str, text: str) -> List[Dict[str, Any]]:
    """A text, split at 2,000 characters without breaking a word or a Chinese character."""
    return [envelope(psid, {"text": piece}) for piece in split_text(text or "", TEXT_LIMIT)]


def choice_messages(psid: str, text: str, buttons: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
    """Text with quick replies (13 a message, titles cut at 20 characters): each sends back its payload."""
    options = choice_options(buttons)
    pieces = split_text(text or "", TEXT_LIMIT) or [CHOOSE[lang(language)]]
    if not options:
        return text_messages(psid, text)
    messages = [envelope(psid, {"text": piece}) for piece in pieces[:-1]]
    for start in range(0, len(options), QUICK_REPLIES_MAX):
        quick_replies = [{"content_type": "text", "title": clip(title, QUICK_REPLY_TITLE_MAX, one_line=True),
                          "payload": payload if len(payload) <= QUICK_REPLY_PAYLOAD_MAX else clip(title, 1000)}
                         for title, payload in options[start:start + QUICK_REPLIES_MAX]]
        body = pieces[-1] if start == 0 else CHOOSE[lang(language)]
        messages.append(envelope(psid, {"text": body, "quick_replies": quick_replies}))
    return messages


def image_message(psid: str, url: str) -> Dict[str, Any]:
    return envelope(psid, {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}})


def generic_template(psid: str, elements: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Cards in a carousel: at most 10 a message."""
    return [envelope(psid, {"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": elements[start:start + ELEMENTS_MAX]}}})
        for start in range(0, len(elements), ELEMENTS_MAX)]


def product_element(item: Dict[str, Any], language: str) -> Dict[str, Any]:
    promotion = item.get("promotion") if isinstance(item.get("promotion"), dict) else {}
    details = [price_label(item), str(promotion.get("code") or promotion.get("title") or ""),
               str(item.get("copy") or item.get("reason") or "")]
    element: Dict[str, Any] = {"title": clip(item.get("name"), ELEMENT_TITLE_MAX, one_line=True)}
    subtitle = clip(" · ".join(d.strip() for d in details if d and d.strip()), ELEMENT_SUBTITLE_MAX, one_line=True)
    if subtitle:
        element["subtitle"] = subtitle
    image, url = str(item.get("image") or ""), str(item.get("url") or "")
    if image.startswith("http"):
        element["image_url"] = image
    if url.startswith("http"):
        element["default_action"] = {"type": "web_url", "url": url}
        element["buttons"] = [{"type": "web_url", "url": url, "title": VIEW[lang(language)]}]
    return element


def product_messages(psid: str, items: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
    """Products as a generic template: name, price and why, picture, a button to the product page."""
    elements = [product_element(item, language) for item in items if isinstance(item, dict) and item.get("name")]
    return generic_template(psid, elements) if elements else []


def order_messages(psid: str, card: Dict[str, Any]) -> List[Dict[str, Any]]:
    """An order as a one-card generic template: number and status, the items and the total."""
    words = ORDER_WORDS[lang(card.get("language"))]
    title = f"{words['order']} {card.get('order_id', '')} · {card.get('status_label') or card.get('status', '')}"
    items = [f"{i.get('quantity', 1)} × {i.get('name', '')}" for i in card.get("items") or [] if isinstance(i, dict)]
    total = price_label({"price": card.get("total"), "currency": card.get("currency")})
    subtitle = " · ".join(items + ([f"{words['total']} {total}"] if total else []))
    element = {"title": clip(title, ELEMENT_TITLE_MAX, one_line=True)}
    if subtitle:
        element["subtitle"] = clip(subtitle, ELEMENT_SUBTITLE_MAX, one_line=True)
    return generic_template(psid, [element])


def custom_messages(psid: str, custom: Any, language: str) -> List[Dict[str, Any]]:
    """Our custom payloads rendered natively; those with no Messenger form give nothing (their text was sent)."""
    return render_custom("messenger", psid, custom, language, product_messages, order_messages, choice_messages)
