"""A stand-in for Slack: sends Events API requests and button presses built from the fixtures, signed with the
signing secret (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`), and receives, checks and records the bot's
chat.postMessage calls.

Schema checks follow https://api.slack.com/methods/chat.postMessage and the Block Kit reference (see
tests/connectors/fixtures/slack/README.md for the limits). A breach is a violation that fails the test.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlencode

from aiohttp import web

from tests.connectors.doubles.base import Call, PlatformDouble

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
TEXT_MAX, BLOCKS_MAX, SECTION_TEXT_MAX, FIELDS_MAX, FIELD_TEXT_MAX = 4000, 50, 3000, 10, 2000
ACTIONS_MAX, CONTEXT_MAX, BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, URL_MAX, ID_MAX = 25, 10, 75, 2000, 3000, 255
BLOCK_TYPES = {"section", "actions", "context", "divider", "image", "header", "rich_text", "input", "file", "video"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def text_object_errors(where: str, text: Any, limit: int, plain_only: bool = False) -> List[str]:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: text object must be plain_text or mrkdwn"]
    if plain_only and text["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    if not isinstance(text.get("text"), str) or not 1 <= len(text["text"]) <= limit:
        return [f"{where}: text must be 1-{limit} characters, is {len(str(text.get('text') or ''))}"]
    return []


def element_errors(where: str, element: Any, action_ids: List[str]) -> List[str]:
    if not isinstance(element, dict):
        return [f"{where}: element is not an object"]
    errors = []
    if element.get("type") == "button":
        errors += text_object_errors(f"{where} button", element.get("text"), BUTTON_TEXT_MAX, plain_only=True)
        if len(str(element.get("value") or "")) > BUTTON_VALUE_MAX:
            errors.append(f"{where}: button value longer than {BUTTON_VALUE_MAX}")
        if len(str(element.get("url") or "")) > URL_MAX:
            errors.append(f"{where}: button url longer than {URL_MAX}")
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(f"{where}: button style must be primary or danger")
    elif element.get("type") == "image":
        if not element.get("image_url") or not element.get("alt_text"):
            errors.append(f"{where}: image needs image_url and alt_text")
    if "action_id" in element:
        if not 1 <= len(str(element["action_id"])) <= ID_MAX:
            errors.append(f"{where}: action_id must be 1-{ID_MAX} characters")
        if element["action_id"] in action_ids:
            errors.append(f"{where}: action_id {element['action_id']!r} is not unique in the message")
        action_ids.append(element["action_id"])
    return errors


def block_errors(blocks: Any) -> List[str]:
    """What breaks the Block Kit reference in a message's blocks."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    errors = [] if len(blocks) <= BLOCKS_MAX else [f"more than {BLOCKS_MAX} blocks"]
    action_ids: List[str] = []
    block_ids: List[str] = []
    for n, block in enumerate(blocks):
        where = f"block {n}"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            errors.append(f"{where}: unknown block {block!r:.80}")
            continue
        kind = block["type"]
        if "block_id" in block:
            if block["block_id"] in block_ids or not 1 <= len(str(block["block_id"])) <= ID_MAX:
                errors.append(f"{where}: block_id must be unique and 1-{ID_MAX} characters")
            block_ids.append(block["block_id"])
        if kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"{where}: section needs text or fields")
            if "text" in block:
                errors += text_object_errors(f"{where} section", block["text"], SECTION_TEXT_MAX)
            fields = block.get("fields", [])
            if not isinstance(fields, list) or len(fields) > FIELDS_MAX:
                errors.append(f"{where}: at most {FIELDS_MAX} fields")
            else:
                for field in fields:
                    errors += text_object_errors(f"{where} field", field, FIELD_TEXT_MAX)
            if "accessory" in block:
                errors += element_errors(f"{where} accessory", block["accessory"], action_ids)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= ACTIONS_MAX:
                errors.append(f"{where}: actions need 1-{ACTIONS_MAX} elements")
            else:
                for element in elements:
                    errors += element_errors(where, element, action_ids)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= CONTEXT_MAX:
                errors.append(f"{where}: context needs 1-{CONTEXT_MAX} elements")
            else:
                for element in elements:
                    if isinstance(element, dict) and element.get("type") == "image":
                        errors += element_errors(where, element, action_ids)
                    else:
                        errors += text_object_errors(f"{where} context", element, SECTION_TEXT_MAX)
        elif kind == "image":
            errors += element_errors(where, block, action_ids)
        elif kind == "header":
            errors += text_object_errors(f"{where} header", block.get("text"), 150, plain_only=True)
    return errors


def post_message_errors(params: Dict[str, Any]) -> List[str]:
    """What breaks chat.postMessage's documented arguments."""
    errors = []
    if not params.get("channel"):
        errors.append("channel is required")
    text, blocks = params.get("text"), params.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return errors + ["blocks is not JSON"]
    if not text and not blocks and not params.get("attachments"):
        errors.append("one of text, blocks or attachments is required")
    if blocks and not text:
        errors.append("text is required with blocks (the notification and screen-reader fallback)")
    if text and len(text) > TEXT_MAX:
        errors.append(f"text longer than {TEXT_MAX} characters")
    if blocks is not None:
        errors += block_errors(blocks)
    return errors


class SlackDouble(PlatformDouble):
    """Slack's Web API at http://127.0.0.1:<port>/api/<method>, and Slack's side of the Events API."""

    def __init__(self, token: str, signing_secret: str, webhook_url: str) -> None:
        super().__init__("slack")
        self.token, self.signing_secret, self.webhook_url = token, signing_secret, webhook_url
        self._ids = itertools.count(random.randrange(10**8, 10**9))  # unique event ids across test sessions
        self.delivered: List[Call] = []  # chat.postMessage calls answered ok (scripted errors never get here)
        self.add_route("POST", "/api/{method}", self.api)

    def reset(self) -> None:
        super().reset()
        self.delivered.clear()

    # --- the Web API ----------------------------------------------------------------------------------------------

    async def api(self, request: web.Request) -> Any:
        call: Call = request["call"]
        if call.headers.get("Authorization") != f"Bearer {self.token}":
            self.violation(call, "called without the bot token as a Bearer token")
            return fixture("error_invalid_auth.json")
        method = call.match_info["method"]
        if method != "chat.postMessage":
            self.violation(call, f"unexpected method {method}")
            return {"ok": False, "error": "unknown_method"}
        for error in post_message_errors(call.params):
            self.violation(call, error)
        self.delivered.append(call)
        answer = fixture("chat_postMessage_ok.json")
        ts = f"{time.time():.6f}"
        answer.update(channel=call.params.get("channel"), ts=ts)
        answer["message"].update(text=call.params.get("text", ""), ts=ts)
        return answer

    # --- scripted errors --------------------------------------------------------------------------------------

    def rate_limit(self, times: int = 1, retry_after_s: int = 1) -> None:
        self.fail_next(429, fixture("error_ratelimited.json"), {"Retry-After": str(retry_after_s)}, times,
                       "chat.postMessage")

    def server_error(self, status: int = 503, times: int = 1) -> None:
        self.fail_next(status, "<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"},
                       times, "chat.postMessage")

    def revoke_token(self, times: int = 1) -> None:
        self.fail_next(200, fixture("error_invalid_auth.json"), None, times, "chat.postMessage")

    # --- what the bot sent ------------------------------------------------------------------------------------

    def sent(self, channel: str, since: float = 0.0) -> List[Dict[str, Any]]:
        """chat.postMessage arguments delivered to a channel (answered ok), in order."""
        return [c.params for c in list(self.delivered) if c.received_at >= since and c.params.get("channel") == channel]

    def texts(self, channel: str) -> List[str]:
        return [m.get("text", "") for m in self.sent(channel)]

    def blocks(self, channel: str) -> List[Dict[str, Any]]:
        return [b for m in self.sent(channel) for b in (m.get("blocks") or [])]

    def buttons(self, channel: str) -> List[Dict[str, Any]]:
        return [e for b in self.blocks(channel) if b.get("type") == "actions" for e in b["elements"]]

    def first_call_to(self, channel: str, since: float) -> Optional[Call]:
        return next((c for c in list(self.calls) if c.received_at >= since and c.params.get("channel") == channel),
                    None)

    # --- Events API -------------------------------------------------------------------------------------------

    def event(self, name: str, channel: str, text: Optional[str] = None, user: str = "U2147483697") -> Dict[str, Any]:
        """A fixture envelope for `channel`, with a fresh event_id, ts and time (and this text, if given)."""
        envelope = copy.deepcopy(fixture(name))
        n = next(self._ids)
        now = time.time()
        envelope.update(event_id=f"Ev{n}", event_time=int(now))
        event = envelope["event"]
        event.update(channel=channel, ts=f"{now:.6f}", event_ts=f"{now:.6f}")
        if "user" in event:
            event["user"] = user
        if text is not None:
            event["text"] = text
        return envelope

    def press(self, channel: str, value: str, user: str = "U2147483697") -> Dict[str, Any]:
        """A block_actions payload: the shopper pressed a button whose value is `value`."""
        payload = copy.deepcopy(fixture("block_actions.json"))
        payload.update(trigger_id=f"{next(self._ids)}.333649436676.d8c1bb837935619ccad0f624c448ffb3")
        payload["channel"]["id"] = payload["container"]["channel_id"] = channel
        payload["user"]["id"] = user
        payload["actions"][0].update(value=value, action_ts=f"{time.time():.6f}")
        return payload

    def signed(self, body: bytes, timestamp: Optional[Union[int, str]] = None, secret: Optional[str] = None,
               content_type: str = "application/json") -> Dict[str, str]:
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature(self.signing_secret if secret is None else secret, timestamp, body)}

    @staticmethod
    def body_of(envelope_or_payload: Dict[str, Any]) -> Tuple[bytes, str]:
        """The request body as Slack sends it: JSON for events, a `payload` form field for interactions."""
        if envelope_or_payload.get("type") == "block_actions":
            return urlencode({"payload": json.dumps(envelope_or_payload)}).encode(), "application/x-www-form-urlencoded"
        return json.dumps(envelope_or_payload).encode(), "application/json"

    async def deliver(self, envelope: Dict[str, Any], headers: Optional[Dict[str, str]] = None,
                      retry_num: Optional[int] = None) -> Tuple[int, str, float]:
        """POST a signed request as Slack does (or with `headers` as given); `retry_num` marks a redelivery."""
        body, content_type = self.body_of(envelope)
        headers = dict(headers) if headers is not None else self.signed(body, content_type=content_type)
        if retry_num:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return await self.post(self.webhook_url, body, headers)

    def say(self, channel: str, text: str, **kwargs: Any) -> Tuple[int, str, float]:
        """Deliver a DM from the shopper (sync tests); (status, answer, monotonic time sent)."""
        return self.run(self.deliver(self.event("message_im.json", channel, text), **kwargs))
