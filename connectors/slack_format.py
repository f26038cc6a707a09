"""Slack Events API and Block Kit, without Rasa: checking a request's headers, reading events and button presses,
and turning our replies into chat.postMessage arguments.

Pure functions (standard library and connectors.platform only), so the unit tests run in any venv. The Rasa
channel (connectors/slack.py) verifies the HMAC with slack_sdk's SignatureVerifier and posts the messages with
slack_sdk's AsyncWebClient.

References: https://api.slack.com/apis/events-api (envelope, url_verification, retries),
https://api.slack.com/authentication/verifying-requests-from-slack (v0 signatures),
https://api.slack.com/events/message.im, https://api.slack.com/events/app_mention,
https://api.slack.com/reference/interaction-payloads/block-actions, https://api.slack.com/reference/block-kit/blocks,
https://api.slack.com/methods/chat.postMessage.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Set

from connectors.platform import (
    card_language,
    fresh,
    handoff_buttons,
    item_line,
    order_facts,
    price_and_rating,
    split_text,
)

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
RETRY_NUM_HEADER = "X-Slack-Retry-Num"
RETRY_REASON_HEADER = "X-Slack-Retry-Reason"
REPLAY_WINDOW_S = 300  # Slack: refuse requests whose timestamp is more than five minutes off

SECTION_TEXT_LIMIT = 3000  # section block text; also keeps `text` under the 4,000 Slack recommends
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTIONS_ELEMENTS_LIMIT = 25
CONTEXT_ELEMENTS_LIMIT = 10
FIELDS_LIMIT = 10
BLOCKS_LIMIT = 50

# Message subtypes that are a person writing with an attachment; every other subtype (bot_message,
# message_changed, message_deleted, channel_join...) is not a shopper's message and is ignored.
FILE_SUBTYPES = {"file_share"}


def request_problem(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[str]:
    """Why a request cannot be genuine before its HMAC is even computed: missing headers, or a timestamp outside
    the five-minute replay window. None when the signature is worth checking."""
    timestamp, signature = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        return f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}"
    if not timestamp.isdigit():
        return "timestamp is not a number"
    if not fresh(timestamp, REPLAY_WINDOW_S, now):
        return "stale timestamp (outside the 5-minute replay window)"
    if not signature.startswith("v0="):
        return "unknown signature version"
    return None


# --- reading requests -------------------------------------------------------------------------------------------

class MalformedRequest(ValueError):
    """Not an Events API envelope or interaction payload we can read."""


@dataclass
class Incoming:
    """What one Events API request or interaction asks of us."""

    kind: str  # "challenge", "text", "button", "unsupported" (a file...), or "ignored"
    key: str = ""  # the dedupe key: the event_id, or the interaction's trigger_id
    what: str = ""  # the event's type/subtype, for the logs
    channel: str = ""  # where to answer: the DM (or channel) id, which is also the Rasa sender id
    user: str = ""
    text: str = ""
    challenge: str = ""
    team: str = ""


def parse_envelope(envelope: Any) -> Incoming:
    """Read an Events API request body: the url_verification handshake, a shopper's message (a DM to the bot, or
    a mention of it in a channel), a file we cannot read, or something to ignore (bots, edits, other events)."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        raise MalformedRequest("no envelope type")
    kind = envelope["type"]
    if kind == "url_verification":
        if not isinstance(envelope.get("challenge"), str):
            raise MalformedRequest("url_verification without challenge")
        return Incoming("challenge", what=kind, challenge=envelope["challenge"])
    if kind != "event_callback":
        return Incoming("ignored", what=kind)  # app_rate_limited and the like
    event, event_id = envelope.get("event"), envelope.get("event_id")
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
        raise MalformedRequest("event_callback without event or event_id")
    return _event(event, event_id, str(envelope.get("team_id") or ""), bot_users(envelope))


def bot_users(envelope: Dict[str, Any]) -> Set[str]:
    """Our own bot user ids, from the envelope's authorizations: their messages are never answered."""
    found = set()
    authorizations = envelope.get("authorizations")
    for authorization in authorizations if isinstance(authorizations, list) else []:
        if isinstance(authorization, dict) and authorization.get("is_bot") and authorization.get("user_id"):
            found.add(str(authorization["user_id"]))
    return found


def _event(event: Dict[str, Any], event_id: str, team: str, ours: Set[str]) -> Incoming:
    event_type, subtype = str(event.get("type") or ""), event.get("subtype")
    subtype = subtype if isinstance(subtype, str) else None if subtype is None else str(subtype)
    what = f"{event_type}/{subtype}" if subtype else event_type
    channel, user = str(event.get("channel") or ""), str(event.get("user") or "")
    ignored = Incoming("ignored", key=event_id, what=what, channel=channel, user=user, team=team)
    if event.get("bot_id") or event.get("bot_profile") or not user or user in ours:
        return ignored  # a bot, this one included: answering would loop
    if event_type == "app_mention":
        pass  # someone wrote "@Pip ..." in a channel
    elif event_type != "message" or event.get("channel_type") != "im":
        return ignored  # channel chatter without a mention arrives again as app_mention when it matters
    if subtype and subtype not in FILE_SUBTYPES:
        return ignored
    if not channel:
        raise MalformedRequest("message without channel")
    text = plain_text(str(event.get("text") or ""), ours)
    if text:
        return Incoming("text", key=event_id, what=what, channel=channel, user=user, text=text, team=team)
    if event.get("files") or subtype in FILE_SUBTYPES:
        return Incoming("unsupported", key=event_id, what="file", channel=channel, user=user, team=team)
    return ignored


def parse_interaction(payload: Any) -> Incoming:
    """Read an interaction (the `payload` form field): a press on one of our buttons sends its value."""
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise MalformedRequest("no interaction type")
    if payload["type"] != "block_actions":
        return Incoming("ignored", what=payload["type"])
    actions = payload.get("actions")
    channel = _object(payload.get("channel")).get("id") or _object(payload.get("container")).get("channel_id")
    user = _object(payload.get("user")).get("id")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict) or not channel or not user:
        raise MalformedRequest("block_actions without actions, channel or user")
    action = actions[0]
    key = str(payload.get("trigger_id") or f"{channel}:{action.get('action_ts')}")
    value = action.get("value")
    if action.get("type") != "button" or not isinstance(value, str) or not value:
        return Incoming("ignored", key=key, what=f"block_actions/{action.get('type')}", channel=channel, user=user)
    return Incoming("button", key=key, what="block_actions/button", channel=str(channel), user=str(user), text=value,
                    team=str(_object(payload.get("team")).get("id") or ""))


def _object(value: Any) -> Dict[str, Any]:
    """A JSON object where one is expected; anything else reads as an empty one."""
    return value if isinstance(value, dict) else {}


def plain_text(text: str, ours: Set[str] = frozenset()) -> str:
    """A message's text as the shopper typed it: our own mention dropped, links and other mentions reduced to
    their labels, and Slack's &amp; &lt; &gt; escapes undone."""
    for user in ours:
        text = text.replace(f"<@{user}>", " ")
    text = re.sub(r"<([^<>|]+)\|([^<>]+)>", r"\2", text)  # <https://x|label>, <@U1|name>
    text = re.sub(r"<(?:mailto:)?([^<>]+)>", r"\1", text)  # <https://x>, <mailto:a@b>
    return html.unescape(text).strip()


# --- rendering ------------------------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs require for text it parses."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped_len(text: str) -> int:
    """Length as sent: the limits apply after escaping."""
    return len(escape(text))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_messages(channel: str, text: str, buttons: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
    """chat.postMessage arguments for a text of any length, split at 3,000 characters without breaking a word or a
    character; buttons go with the last piece as a section + actions blocks."""
    pieces = split_text(text or "", SECTION_TEXT_LIMIT, escaped_len)
    messages = [{"channel": channel, "text": escape(piece)} for piece in pieces]
    blocks = button_blocks(buttons or [])
    if blocks:
        if not messages:
            messages = [{"channel": channel, "text": " "}]
        last = messages[-1]
        last["blocks"] = [section(last["text"])] + blocks if last["text"].strip() else blocks
    return messages


def section(mrkdwn: str, accessory: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    block: Dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_TEXT_LIMIT)}}
    if accessory:
        block["accessory"] = accessory
    return block


def button_blocks(buttons: List[Dict[str, Any]], prefix: str = "reply") -> List[Dict[str, Any]]:
    """Rasa-style buttons as actions blocks (25 buttons each): a payload button sends its payload back as the
    button's value; a {title, url} button opens the link."""
    elements = []
    for n, button in enumerate(buttons):
        title = str(button.get("title") or button.get("payload") or "").strip()
        url, payload = str(button.get("url") or ""), str(button.get("payload") or "")
        if not title:
            continue
        label = {"type": "plain_text", "text": clip(title, BUTTON_TEXT_LIMIT), "emoji": True}
        element: Dict[str, Any] = {"type": "button", "action_id": f"{prefix}_{n}", "text": label}
        if url.startswith(("http://", "https://")):
            element["url"] = url
        elif payload and len(payload) <= BUTTON_VALUE_LIMIT:
            element["value"] = payload
        else:
            continue
        elements.append(element)
    return [{"type": "actions", "elements": elements[i:i + ACTIONS_ELEMENTS_LIMIT]}
            for i in range(0, len(elements), ACTIONS_ELEMENTS_LIMIT)]


LABELS = {
    "en": {"view": "View product", "order": "Order", "status": "Status", "total": "Total", "tracking": "Tracking",
           "eta": "Expected", "delivered": "Delivered", "sources": "Sources", "choose": "Choose an option:",
           "rate": "How did we do? Pick a rating:", "code": "Code", "items": "Items", "picks": "Products"},
    "zh": {"view": "查看商品", "order": "订单", "status": "状态", "total": "合计", "tracking": "物流单号",
           "eta": "预计送达", "delivered": "签收日期", "sources": "参考来源", "choose": "请选择：",
           "rate": "请为本次服务评分：", "code": "优惠码", "items": "商品", "picks": "推荐商品"},
}


def link(url: str, label: str) -> str:
    label = escape(label).replace("|", "¦")
    return f"<{url}|{label}>" if url.startswith(("http://", "https://")) else label


def product_blocks(item: Dict[str, Any], language: str) -> List[Dict[str, Any]]:
    """One product as a section with its photo as the image accessory: linked name, price and rating, why it was
    picked, any promotion."""
    labels = LABELS[language]
    name, url, image = str(item.get("name") or ""), str(item.get("url") or ""), str(item.get("image") or "")
    headline = price_and_rating(item)
    promotion = item.get("promotion") or {}
    offer = ""
    if promotion:
        code = f"{labels['code']} `{escape(str(promotion['code']))}`: " if promotion.get("code") else ""
        offer = code + escape(str(promotion.get("summary") or promotion.get("title") or ""))
    lines = [f"*{link(url, name)}*", escape(headline), escape(str(item.get("reason") or "")),
             f"_{escape(str(item['copy']))}_" if item.get("copy") else "", offer]
    accessory = None
    if image.startswith(("http://", "https://")):
        accessory = {"type": "image", "image_url": image, "alt_text": clip(name or "product photo", 2000)}
    return [section("\n".join(line for line in lines if line.strip()), accessory)]


def products_message(channel: str, items: List[Dict[str, Any]], language: str) -> Dict[str, Any]:
    blocks: List[Dict[str, Any]] = []
    for n, item in enumerate(items):
        if n:
            blocks.append({"type": "divider"})
        blocks.extend(product_blocks(item, language))
    names = ", ".join(str(i.get("name") or "") for i in items)
    text = escape(f"{LABELS[language]['picks']}: {names}")  # the notification and screen-reader fallback
    return {"channel": channel, "text": text, "blocks": blocks[:BLOCKS_LIMIT]}


def order_message(channel: str, card: Dict[str, Any]) -> Dict[str, Any]:
    """An order as a section with fields (status, total, tracking, dates) and a section listing its items."""
    labels = LABELS[card_language(card)]
    status = str(card.get("status_label") or card.get("status") or "")
    fields = [(labels["order"], str(card.get("order_id") or "")), (labels["status"], status)]
    fields += order_facts(card, labels)
    field_texts = [{"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{escape(v)}", 2000)} for k, v in fields]
    blocks: List[Dict[str, Any]] = [{"type": "section", "fields": field_texts[:FIELDS_LIMIT]}]
    lines = [f"• {item_line(item)}" for item in card.get("items") or []]
    if lines:
        blocks.append(section(f"*{labels['items']}*\n" + escape("\n".join(lines))))
    text = f"{labels['order']} {card.get('order_id', '')}: {status}"
    return {"channel": channel, "text": escape(text), "blocks": blocks}


def sources_message(channel: str, custom: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A knowledge answer's citations as a context block of numbered links."""
    language = card_language(custom)
    elements = []
    for n, citation in enumerate(custom.get("citations") or [], start=1):
        if not isinstance(citation, dict):
            continue
        title = str(citation.get("title") or citation.get("source") or "")
        number = citation.get("n", n)
        elements.append({"type": "mrkdwn", "text": clip(f"{number}. {link(str(citation.get('url') or ''), title)}",
                                                        SECTION_TEXT_LIMIT)})
    if not elements:
        return None
    elements = [{"type": "mrkdwn", "text": f"*{LABELS[language]['sources']}*"}] + elements
    return {"channel": channel, "text": LABELS[language]["sources"],
            "blocks": [{"type": "context", "elements": elements[:CONTEXT_ELEMENTS_LIMIT]}]}


def custom_messages(channel: str, custom: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Our custom payloads in Block Kit: product cards as sections with an image, an order as fields, citations as
    context, handoff choices as buttons. Payloads with no native form give none; their text arrives separately."""
    kind = custom.get("type")
    if kind == "products":
        items = [i for i in custom.get("items") or [] if isinstance(i, dict)]
        if not items:
            return []
        return [products_message(channel, items, card_language(custom, str(items[0].get("name", ""))))]
    if kind == "agent_message" and isinstance(custom.get("product"), dict):
        product = custom["product"]
        return [products_message(channel, [product], card_language(custom, str(product.get("name", ""))))]
    if kind == "order":
        return [order_message(channel, custom)]
    if kind == "answer":
        message = sources_message(channel, custom)
        return [message] if message else []
    buttons = handoff_buttons(custom)
    if buttons:
        prompt = LABELS[card_language(custom)]["rate" if kind == "handoff_ended" else "choose"]
        return text_messages(channel, prompt, buttons)
    return []
