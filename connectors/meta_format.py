"""What WhatsApp Cloud API and Messenger share, being both Meta webhooks on the Graph API: the shape of a webhook
body, the subscription handshake, the `X-Hub-Signature-256` check, Graph error answers and the client that posts to
the Graph API, what we remember about each shopper (when they last wrote, in which language), and the pieces of
rendering both use (choices, custom payloads).

No rasa (only the standard library, aiohttp and connectors.platform), so it is importable and tested from either venv.
The channels built on it are in connectors/meta.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import aiohttp

from connectors.platform import Reply, handoff_buttons, hmac_sha256_hex, http_classifier, same, send_with_retry

log = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com/v21.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# Meta retries a failed delivery for about a day; a signed message older than that is a replay, not a retry.
REPLAY_WINDOW_S = 24 * 3600.0
# Free-form replies are allowed for 24 hours after the shopper's last message (WhatsApp and Messenger alike).
SERVICE_WINDOW_S = 24 * 3600.0

# Graph error codes that mean "slow down" whatever HTTP status carries them (app, page, account, pair throughput).
RATE_LIMIT_CODES = {4, 17, 32, 613, 80007, 130429, 131056}
TEMPORARY_CODES = {1, 2, 131000}  # unknown / service temporarily unavailable: worth another try
EXPIRED_TOKEN_CODE = 190


# --- reading webhooks -----------------------------------------------------------------------------------------------

class MalformedWebhook(ValueError):
    """A body that is not a Meta webhook we can read."""


def webhook_entries(payload: Any, kind: str) -> List[Any]:
    """The `entry` list of a webhook body whose `object` is `kind` ("page", "whatsapp_business_account")."""
    if not isinstance(payload, dict) or payload.get("object") != kind:
        raise MalformedWebhook(f"not a {kind} notification")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MalformedWebhook("no entry list")
    return entries


def listed(container: Any, key: str) -> list:
    """The list an object holds under `key` (missing is empty); MalformedWebhook for any other shape."""
    if not isinstance(container, dict):
        raise MalformedWebhook(f"expected an object holding {key!r}")
    value = container.get(key) or []
    if not isinstance(value, list):
        raise MalformedWebhook(f"{key!r} is not a list")
    return value


# --- verification -------------------------------------------------------------------------------------------------

def sign(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends with `body`."""
    return "sha256=" + hmac_sha256_hex(app_secret, body)


def signature_ok(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """The header is `sha256=` and the hex HMAC-SHA256 of the raw body with the app secret (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    return same(header[len("sha256="):].strip().lower(), hmac_sha256_hex(app_secret, body))


def handshake(args: Mapping[str, str], verify_token: str) -> Tuple[int, str]:
    """The GET Meta sends when a webhook is registered: (200, hub.challenge) when the mode is `subscribe` and the
    verify token is ours, else (403, why)."""
    mode, token, challenge = args.get("hub.mode", ""), args.get("hub.verify_token", ""), args.get("hub.challenge")
    if mode != "subscribe" or not same(token or "", verify_token):
        return 403, "verification failed: wrong hub.mode or hub.verify_token"
    if not challenge:
        return 400, "verification failed: no hub.challenge"
    return 200, challenge


def epoch_seconds(timestamp: Any) -> Optional[float]:
    """A webhook timestamp in seconds (WhatsApp sends seconds, Messenger milliseconds), or None if unreadable."""
    try:
        value = float(timestamp)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        return None
    return value / 1000.0 if value > 1e11 else value


def recent(timestamp: Any, window_s: float = REPLAY_WINDOW_S, now: Optional[float] = None) -> bool:
    """Whether a webhook timestamp lies within the replay window (a missing one does not)."""
    seconds = epoch_seconds(timestamp)
    return seconds is not None and abs((now if now is not None else time.time()) - seconds) <= window_s


# --- Graph API answers -----------------------------------------------------------------------------------------------

@dataclass
class GraphError:
    """The `error` object of a Graph API answer."""

    code: Optional[int]
    subcode: Optional[int]
    message: str
    details: str = ""

    @classmethod
    def of(cls, body: Any) -> "GraphError":
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(None, None, str(body)[:300])
        data = error.get("error_data")
        details = str(data.get("details", "")) if isinstance(data, dict) else ""
        return cls(_int(error.get("code")), _int(error.get("error_subcode")), str(error.get("message", "")), details)


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        return None


def graph_classifier(reply: Reply) -> str:
    """`send_with_retry`'s verdict on a Graph answer: rate limits and temporary errors are retried, whatever HTTP
    status carries them; an expired token is a configuration error (a page or system-user token cannot be refreshed
    from here), so it fails at once, like every other refusal."""
    if 200 <= reply.status < 300:
        return "ok"
    error = GraphError.of(reply.body)
    if error.code in RATE_LIMIT_CODES or error.code in TEMPORARY_CODES:
        return "retry"
    if error.code == EXPIRED_TOKEN_CODE or reply.status == 401:
        return "fail"
    verdict = http_classifier(reply)
    return "fail" if verdict == "refresh" else verdict


class OutsideWindow(Exception):
    """The shopper last wrote more than 24 hours ago: a free-form message is refused (only templates may be sent)."""


class GraphClient:
    """POSTs JSON to the Graph API through one aiohttp session (opened on first use, in the server's loop), with
    `send_with_retry`'s bounded backoff and the Graph-aware verdicts above."""

    def __init__(self, timeout_s: float = 15.0, attempts: int = 4) -> None:
        self.timeout_s, self.attempts = timeout_s, attempts
        self._session: Optional[aiohttp.ClientSession] = None

    async def _post(self, url: str, body: Dict[str, Any], params: Optional[Dict[str, str]],
                    headers: Optional[Dict[str, str]]) -> Tuple[int, Any, Dict[str, str]]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        async with self._session.post(url, json=body, params=params, headers=headers) as response:
            text = await response.text()
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return response.status, parsed, dict(response.headers)

    async def send(self, url: str, body: Dict[str, Any], params: Optional[Dict[str, str]] = None,
                   headers: Optional[Dict[str, str]] = None) -> Reply:
        """The platform's answer once it accepted the message; raises SendFailed when it refused or kept failing."""
        return await send_with_retry(lambda: self._post(url, body, params, headers), graph_classifier,
                                     attempts=self.attempts)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
            await asyncio.sleep(0)  # let the connector close its sockets


# --- shoppers -----------------------------------------------------------------------------------------------------

@dataclass
class Shopper:
    last_inbound: float  # time.time() of their latest message
    language: str = ""
    window_closed: bool = False  # the platform said so (WhatsApp 131047, Messenger 10/2018278)


class Shoppers:
    """When each shopper last wrote and in which language (bounded: the least recently heard from are forgotten).

    Lets the output channel refuse a free-form message outside the 24-hour window without calling the API, and
    answer what it cannot read in the shopper's language."""

    def __init__(self, max_items: int = 50_000, window_s: float = SERVICE_WINDOW_S) -> None:
        self.max_items, self.window_s = max_items, window_s
        self._known: "OrderedDict[str, Shopper]" = OrderedDict()

    def heard_from(self, sender: str, at: Optional[float] = None, language: Optional[str] = None) -> None:
        shopper = self._known.pop(sender, None) or Shopper(0.0)
        shopper.last_inbound = max(shopper.last_inbound, at if at is not None else time.time())
        shopper.window_closed = False
        if language:
            shopper.language = language
        self._known[sender] = shopper
        while len(self._known) > self.max_items:
            self._known.popitem(last=False)

    def language(self, sender: str, default: str = "en") -> str:
        shopper = self._known.get(sender)
        return shopper.language if shopper and shopper.language else default

    def last_inbound(self, sender: str) -> Optional[float]:
        shopper = self._known.get(sender)
        return shopper.last_inbound if shopper else None

    def close_window(self, sender: str) -> None:
        """The platform refused a message because the window is closed: remember it until they write again."""
        shopper = self._known.get(sender) or Shopper(0.0)
        shopper.window_closed = True
        self._known[sender] = shopper

    def outside_window(self, sender: str, now: Optional[float] = None) -> bool:
        """True when we know the shopper's window is closed; unknown shoppers (e.g. after a restart) are let through
        and the platform decides."""
        shopper = self._known.get(sender)
        if shopper is None:
            return False
        if shopper.window_closed:
            return True
        now = now if now is not None else time.time()
        return shopper.last_inbound > 0 and now - shopper.last_inbound > self.window_s


# --- what both platforms render alike ----------------------------------------------------------------------------

def clip(text: Any, limit: int, one_line: bool = False) -> str:
    """At most `limit` characters, with an ellipsis when something was cut (titles, captions, subtitles)."""
    text = str(text or "").strip()
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def lang(value: Any) -> str:
    return "zh" if value == "zh" else "en"


def price_label(item: Dict[str, Any]) -> str:
    price, currency = item.get("price"), item.get("currency") or ""
    try:
        return f"{float(price):.2f} {currency}".strip()
    except (TypeError, ValueError):
        return ""


# The line above buttons sent on their own (a button message needs a text; the bot's text was already sent).
CHOOSE = {"en": "Choose an option:", "zh": "请选择："}
HANDOFF_PROMPTS = {
    "handoff_waiting": {"en": "You can go back to the assistant at any time.", "zh": "您可以随时返回智能助手。"},
    "handoff_ended": {"en": "How did we do? Please rate this conversation.", "zh": "请为本次服务评分。"},
}


def handoff_prompt(custom: Dict[str, Any], language: str) -> str:
    return HANDOFF_PROMPTS.get(custom.get("type", ""), CHOOSE)[lang(language)]


def choice_options(buttons: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """(title, payload) of each button that has either: the title on one line (else the payload), the payload (else
    the title, which the assistant also understands)."""
    options = []
    for button in buttons:
        if isinstance(button, dict) and (button.get("payload") or button.get("title")):
            title = " ".join(str(button.get("title") or button.get("payload")).split())
            options.append((title, str(button.get("payload") or title)))
    return options


Render = Callable[..., List[Dict[str, Any]]]


def render_custom(platform: str, to: str, custom: Any, language: str, products: Render, order: Render,
                  choices: Render) -> List[Dict[str, Any]]:
    """Our custom payloads as the platform's messages, made by its `products(to, items, language)`,
    `order(to, card)` and `choices(to, text, buttons, language)`; a payload with no native form gives nothing (its
    text was sent)."""
    if not isinstance(custom, dict):
        log.debug("%s: custom payload that is not an object ignored", platform)
        return []
    kind = custom.get("type")
    language = custom.get("language") or language
    if kind == "products":
        return products(to, custom.get("items") or [], language)
    if kind == "order":
        return order(to, custom)
    if kind == "agent_message" and isinstance(custom.get("product"), dict):
        return products(to, [custom["product"]], language)
    buttons = handoff_buttons(custom)
    if buttons:
        return choices(to, handoff_prompt(custom, language), buttons, language)
    log.debug("%s: no native form for custom payload %r", platform, kind)
    return []
