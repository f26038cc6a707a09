"""What every messaging-app connector needs, written once: settings from the environment (a channel is off until
its secrets are set), constant-time signature checks, exactly-once delivery, what we remember per user, texts split
at a platform's limit, bounded retries with backoff, the polite reply to what we cannot read, handoff payloads as
buttons, and the pieces of our cards (money, order lines) that the platforms render alike.

Runs inside the Rasa server (Python 3.10 venv): only the standard library, aiohttp and shop/.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import random
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Generic, Iterable, List, Optional, Tuple, TypeVar

import aiohttp

from shop.language import detect_language

log = logging.getLogger(__name__)


# --- settings ------------------------------------------------------------------------------------------------

def env_settings(names: Dict[str, str], defaults: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """{key: value} for {key: ENV_NAME}; missing variables are "" (or their default)."""
    defaults = defaults or {}
    return {key: os.environ.get(env, defaults.get(key, "")).strip() for key, env in names.items()}


def missing(settings: Dict[str, str], required: Iterable[str]) -> List[str]:
    return [key for key in required if not settings.get(key)]


# --- verification ----------------------------------------------------------------------------------------------

def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings (tokens, signatures)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def fresh(timestamp: str, window_s: float = 300.0, now: Optional[float] = None) -> bool:
    """A request timestamp (seconds) within the replay window."""
    try:
        return abs((now or time.time()) - float(timestamp)) <= window_s
    except (TypeError, ValueError):
        return False


# --- exactly once ---------------------------------------------------------------------------------------------

class Deduper:
    """Platform message ids seen lately (bounded in count and age): a retried delivery is recognised and dropped."""

    def __init__(self, max_items: int = 50_000, ttl_s: float = 24 * 3600) -> None:
        self.max_items, self.ttl_s = max_items, ttl_s
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time a key is offered (and remembers it); False for every repeat."""
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.max_items or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


# --- what we remember per user ---------------------------------------------------------------------------------

Value = TypeVar("Value")


class LastPerUser(Generic[Value]):
    """The latest value per user (their language, the last menu they were shown), bounded: the oldest users are
    forgotten first."""

    def __init__(self, max_users: int = 10_000) -> None:
        self.max_users = max_users
        self._values: "OrderedDict[str, Value]" = OrderedDict()

    def put(self, user: str, value: Value) -> None:
        self._values[user] = value
        self._values.move_to_end(user)
        while len(self._values) > self.max_users:
            self._values.popitem(last=False)

    def get(self, user: str, default: Optional[Value] = None) -> Optional[Value]:
        return self._values.get(user, default)

    def pop(self, user: str) -> Optional[Value]:
        return self._values.pop(user, None)

    def __len__(self) -> int:
        return len(self._values)


class Languages(LastPerUser[str]):
    """The language of each user's latest text that showed one; a text too short to tell ("ok") keeps the last."""

    def heard(self, user: str, text: str) -> None:
        language = language_of(text, "")
        if language:
            self.put(user, language)


# --- text -----------------------------------------------------------------------------------------------------

BREAKS = [re.compile(r"\n"), re.compile(r"(?<=[.!?。！？；;])\s*"), re.compile(r"\s+"), re.compile(r"(?<=[，、,])")]


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> List[str]:
    """Pieces of at most `limit` (by `measure`: characters, or UTF-8 bytes for WeChat) that end at a line, a
    sentence, a space or a comma when one is near enough, and never inside a word when a space allows, nor inside
    a character."""
    text = text.strip()
    pieces: List[str] = []
    while text:
        if measure(text) <= limit:
            pieces.append(text)
            break
        low, high = 1, len(text)  # the longest prefix that fits
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if measure(text[:middle]) <= limit else (low, middle - 1)
        cut = low
        head = text[:cut]
        end = 0
        for pattern in BREAKS:
            found = [m.end() if pattern.pattern != r"\s+" else m.start() for m in pattern.finditer(head)]
            found = [f for f in found if f >= cut // 2]
            if found:
                end = found[-1]
                break
        end = end or cut
        pieces.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return [p for p in pieces if p]


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


# --- sending ----------------------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    body: Any


# What a platform's answer means: "ok", "retry" (429, 5xx), "refresh" (expired token), or "fail".
Classifier = Callable[[Reply], str]


def http_classifier(reply: Reply) -> str:
    if 200 <= reply.status < 300:
        return "ok"
    if reply.status == 429 or reply.status >= 500:
        return "retry"
    if reply.status == 401:
        return "refresh"
    return "fail"


class SendFailed(Exception):
    def __init__(self, reply: Optional[Reply], message: str) -> None:
        super().__init__(message)
        self.reply = reply


async def send_with_retry(
    request: Callable[[], Awaitable[Tuple[int, Any, Dict[str, str]]]],
    classify: Classifier = http_classifier,
    refresh: Optional[Callable[[], Awaitable[None]]] = None,
    attempts: int = 4,
    base_delay_s: float = 0.25,
    max_delay_s: float = 8.0,
) -> Reply:
    """Calls `request` (which returns status, parsed body, headers) until it succeeds: 429 and 5xx are retried with
    exponential backoff and jitter (a Retry-After header wins), an expired token is refreshed once, anything else
    fails at once. Raises SendFailed after `attempts`."""
    refreshed = False
    reply: Optional[Reply] = None
    for attempt in range(attempts):
        try:
            status, body, headers = await request()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            status, body, headers = 0, str(error), {}
        reply = Reply(status, body)
        verdict = classify(reply) if status else "retry"
        if verdict == "ok":
            return reply
        if verdict == "refresh" and refresh and not refreshed:
            refreshed = True
            await refresh()
            continue
        if verdict != "retry":
            raise SendFailed(reply, f"platform refused the message: {status} {str(body)[:300]}")
        delay = min(max_delay_s, base_delay_s * (2 ** attempt)) * (0.5 + random.random() / 2)
        retry_after = (headers or {}).get("Retry-After")
        if retry_after and retry_after.isdigit():
            delay = min(max_delay_s, float(retry_after))
        log.info("platform answered %s, retrying in %.2fs", status, delay)
        await asyncio.sleep(delay)
    raise SendFailed(reply, f"gave up after {attempts} attempts: {reply.status if reply else '?'}")


# --- language, what we cannot read, handoffs ---------------------------------------------------------------------

UNSUPPORTED = {
    "en": "Sorry, I can only read text messages here. Please type your question and I'll help.",
    "zh": "抱歉，这里我只能读取文字消息，请直接输入您的问题。",
}


def language_of(text: str, fallback: str = "en") -> str:
    return detect_language(text or "") or fallback


def unsupported_reply(language: str) -> str:
    return UNSUPPORTED["zh" if language == "zh" else "en"]


BACK_TO_ASSISTANT = {"en": "Back to assistant", "zh": "返回智能助手"}  # WhatsApp and Messenger allow 20 characters


def handoff_buttons(custom: Dict[str, Any]) -> List[Dict[str, str]]:
    """The buttons a handoff payload (docs/desk-api.md) offers, as Rasa-style {title, payload} quick replies:
    leave the queue while waiting; rate 1-5 after an agent hands back. Other payloads offer none."""
    language = "zh" if custom.get("language") == "zh" else "en"
    kind = custom.get("type")
    if kind == "handoff_waiting":
        return [{"title": BACK_TO_ASSISTANT[language], "payload": "/handoff_cancel"}]
    if kind == "handoff_ended" and custom.get("ask_rating"):
        return [{"title": "★" * n, "payload": f'/rate_conversation{{"rating": {n}}}'} for n in range(1, 6)]
    return []


def with_handoff_buttons(message: Dict[str, Any]) -> Dict[str, Any]:
    """A bot message whose custom payload is a handoff notice with buttons ("Back to assistant", ratings) and
    which has a text but no buttons of its own becomes one message: that text with those buttons. Otherwise the
    message is returned as it is (and the payload is rendered on its own)."""
    custom = message.get("custom")
    has_own_choices = message.get("buttons") or message.get("quick_replies")
    if not isinstance(custom, dict) or not message.get("text") or has_own_choices:
        return message
    buttons = handoff_buttons(custom)
    if not buttons:
        return message
    merged = {key: value for key, value in message.items() if key != "custom"}
    merged["buttons"] = buttons
    return merged


HANDOFF_TYPES = {"handoff_waiting", "agent_joined", "agent_message", "handoff_ended", "handoff_unavailable"}


# --- cards --------------------------------------------------------------------------------------------------------

CURRENCY_SIGNS = {"USD": "$", "CNY": "¥", "RMB": "¥", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(amount: Any, currency: str) -> str:
    """"$1,299.00"; a currency without a sign follows the amount ("12.00 SEK"); "" when there is no amount."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return ""
    sign = CURRENCY_SIGNS.get((currency or "").upper())
    return f"{sign}{value:,.2f}" if sign else f"{value:,.2f} {currency}".strip()


def price_and_rating(item: Dict[str, Any]) -> str:
    """A product's "$289.00 · ★ 4.6", or whichever of the two it has."""
    price = money(item.get("price"), str(item.get("currency") or ""))
    rating = item.get("rating")
    return " · ".join(p for p in (price, f"★ {rating}" if rating else "") if p)


def card_language(custom: Dict[str, Any], sample: str = "") -> str:
    """The language a card is shown in: the one it names, else that of a sample of its text, else English."""
    return "zh" if custom.get("language") == "zh" else language_of(sample, "en") if sample else "en"


def item_line(item: Dict[str, Any]) -> str:
    """One line of an order: "2 × Harbor Shell (M, navy)"."""
    options = ", ".join(str(item[k]) for k in ("size", "color") if item.get(k))
    return f"{item.get('quantity', 1)} × {item.get('name', '')}" + (f" ({options})" if options else "")


def order_facts(card: Dict[str, Any], labels: Dict[str, str]) -> List[Tuple[str, str]]:
    """(label, value) for what an order card has of its total, tracking number (after the carrier) and delivery
    date (or, until delivered, the expected one); `labels` names them (keys total, tracking, delivered, eta)."""
    facts = []
    if card.get("total") is not None:
        facts.append((labels["total"], money(card["total"], str(card.get("currency") or ""))))
    if card.get("tracking_number"):
        carrier = f"{card['carrier']} " if card.get("carrier") else ""
        facts.append((labels["tracking"], f"{carrier}{card['tracking_number']}"))
    if card.get("delivered_at"):
        facts.append((labels["delivered"], str(card["delivered_at"])))
    elif card.get("eta"):
        facts.append((labels["eta"], str(card["eta"])))
    return facts
