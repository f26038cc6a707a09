"""A stand-in for Facebook Messenger: sends signed Page webhooks built from the documented examples
(tests/connectors/fixtures/messenger/), and receives Send API calls (`POST /{version}/me/messages`), checking each
against the documented request schema and answering like the platform (or with scripted errors)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.connectors.doubles.base import Call, json_fixture
from tests.connectors.doubles.meta import MetaDouble

TEXT_MAX = 2000
QUICK_REPLIES_MAX, QUICK_REPLY_TITLE_MAX, QUICK_REPLY_PAYLOAD_MAX = 13, 20, 1000
ELEMENTS_MAX, ELEMENT_TITLE_MAX, ELEMENT_SUBTITLE_MAX, ELEMENT_BUTTONS_MAX, BUTTON_TITLE_MAX = 10, 80, 80, 3, 20
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
ATTACHMENT_TYPES = {"image", "audio", "video", "file", "template"}


def fixture(name: str) -> Dict[str, Any]:
    return json_fixture("messenger", name)


def schema_errors(body: Any) -> List[str]:
    """What breaks the documented Send API schema in one request body (empty if fine)."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    errors = []
    if not (body.get("recipient") or {}).get("id"):
        errors.append("recipient.id missing")
    kind = body.get("messaging_type")
    if kind not in MESSAGING_TYPES:
        errors.append(f"messaging_type {kind!r} not one of {sorted(MESSAGING_TYPES)}")
    if kind == "MESSAGE_TAG" and not body.get("tag"):
        errors.append("MESSAGE_TAG without tag")
    message = body.get("message")
    if "sender_action" in body:
        return errors
    if not isinstance(message, dict):
        return errors + ["message missing"]
    text, attachment = message.get("text"), message.get("attachment")
    if (text is None) == (attachment is None):
        errors.append("message needs exactly one of text or attachment")
    if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX):
        errors.append(f"text empty or longer than {TEXT_MAX} characters ({len(str(text))})")
    if attachment is not None:
        errors += attachment_errors(attachment)
    if "quick_replies" in message:
        errors += quick_reply_errors(message["quick_replies"])
    return errors


def quick_reply_errors(quick_replies: Any) -> List[str]:
    if not isinstance(quick_replies, list) or not 1 <= len(quick_replies) <= QUICK_REPLIES_MAX:
        return [f"quick_replies must be a list of 1 to {QUICK_REPLIES_MAX}"]
    errors = []
    for reply in quick_replies:
        if reply.get("content_type") == "text":
            if not reply.get("title") or len(reply["title"]) > QUICK_REPLY_TITLE_MAX:
                errors.append(f"quick reply title {reply.get('title')!r} missing or over {QUICK_REPLY_TITLE_MAX}")
            if not reply.get("payload") or len(str(reply["payload"])) > QUICK_REPLY_PAYLOAD_MAX:
                errors.append(f"quick reply payload missing or longer than {QUICK_REPLY_PAYLOAD_MAX}")
        elif reply.get("content_type") not in ("user_phone_number", "user_email"):
            errors.append(f"quick reply content_type {reply.get('content_type')!r}")
    return errors


def attachment_errors(attachment: Any) -> List[str]:
    if not isinstance(attachment, dict) or attachment.get("type") not in ATTACHMENT_TYPES:
        return [f"attachment type {attachment.get('type') if isinstance(attachment, dict) else attachment!r}"]
    payload = attachment.get("payload") or {}
    if attachment["type"] != "template":
        return [] if payload.get("url") or payload.get("attachment_id") else ["media attachment needs url"]
    if payload.get("template_type") != "generic":
        return [f"template_type {payload.get('template_type')!r} not handled by the double"]
    elements = payload.get("elements") or []
    errors = [] if 1 <= len(elements) <= ELEMENTS_MAX else [f"{len(elements)} elements (1 to {ELEMENTS_MAX})"]
    for element in elements:
        if not element.get("title") or len(element["title"]) > ELEMENT_TITLE_MAX:
            errors.append(f"element title missing or longer than {ELEMENT_TITLE_MAX}")
        if len(element.get("subtitle") or "") > ELEMENT_SUBTITLE_MAX:
            errors.append(f"element subtitle longer than {ELEMENT_SUBTITLE_MAX}")
        buttons = element.get("buttons") or []
        if len(buttons) > ELEMENT_BUTTONS_MAX:
            errors.append(f"{len(buttons)} buttons on an element (max {ELEMENT_BUTTONS_MAX})")
        for button in buttons:
            if not button.get("title") or len(button["title"]) > BUTTON_TITLE_MAX:
                errors.append(f"button title missing or longer than {BUTTON_TITLE_MAX}")
            if button.get("type") == "web_url" and not str(button.get("url", "")).startswith("http"):
                errors.append("web_url button without url")
            if button.get("type") == "postback" and not button.get("payload"):
                errors.append("postback button without payload")
        action = element.get("default_action")
        if action and (action.get("type") != "web_url" or not action.get("url")):
            errors.append("default_action must be a web_url with a url")
    return errors


class MessengerDouble(MetaDouble):
    """The Send API and Page webhooks, for one Page."""

    platform, messages_path = "messenger", "/me/messages"
    rate_limit_error, window_error = "error_rate_limit.json", "error_outside_window.json"
    _numbers = itertools.count(1)

    def __init__(self, app_secret: str, page_token: str, rasa_url: str = "") -> None:
        super().__init__(app_secret, rasa_url)
        self.page_token = page_token
        self.add_route("POST", "/{version}/me/messages", self.send_api)

    @classmethod
    def for_stack(cls, stack: Any) -> "MessengerDouble":
        env = stack.env
        return cls(env["MESSENGER_APP_SECRET"], env["MESSENGER_PAGE_ACCESS_TOKEN"], stack.rasa_url)

    # --- the API ------------------------------------------------------------------------------------------------

    async def send_api(self, request: web.Request) -> Any:
        call: Call = request["call"]
        if call.query.get("access_token") != self.page_token:
            return web.json_response(fixture("error_190.json"), status=401)
        proof = call.query.get("appsecret_proof")
        expected = hmac.new(self.app_secret.encode(), self.page_token.encode(), hashlib.sha256).hexdigest()
        if proof is not None and proof != expected:
            return web.json_response({"error": {"message": "Invalid appsecret_proof provided in the API argument",
                                                "type": "GraphMethodException", "code": 100}}, status=400)
        for error in schema_errors(call.json):
            self.violation(call, error)
        answer = fixture("send_response.json")
        answer["recipient_id"] = ((call.json or {}).get("recipient") or {}).get("id", "")
        answer["message_id"] = f"m_{uuid.uuid4().hex}"
        return answer

    def recipient(self, body: Dict[str, Any]) -> str:
        return (body.get("recipient") or {}).get("id", "")

    def sent_to(self, psid: str) -> List[Dict[str, Any]]:
        """The `message` objects the platform accepted for this shopper, in order."""
        return [c.json["message"] for c in self.calls_to(self.messages_path)
                if isinstance(c.json, dict) and self.recipient(c.json) == psid and "message" in c.json]

    def texts_to(self, psid: str) -> List[str]:
        return [m["text"] for m in self.sent_to(psid) if "text" in m]

    def templates_to(self, psid: str) -> List[Dict[str, Any]]:
        return [m["attachment"]["payload"] for m in self.sent_to(psid)
                if (m.get("attachment") or {}).get("type") == "template"]

    # --- webhooks -------------------------------------------------------------------------------------------------

    @classmethod
    def new_shopper(cls) -> str:
        """A fresh PSID per test, starting with 1 like many real ones: a 16-digit id starting 4-6 can look like a card
        number, which the logs redact (shop/redact.py), and the tests look for the PSID in Rasa's log."""
        return f"1{int(time.time() * 1000) % 10**9:09d}{next(cls._numbers):06d}"

    def webhook(self, name: str, sender: str, text: Optional[str] = None, message_id: Optional[str] = None,
                timestamp: Optional[float] = None) -> bytes:
        """A fixture's body from `sender`, with a new mid and the current time (or those given; Messenger's
        timestamps are milliseconds, `timestamp` seconds like WhatsApp's)."""
        payload = copy.deepcopy(fixture(name))
        now_ms = int((timestamp if timestamp is not None else time.time()) * 1000)
        payload["entry"][0]["time"] = now_ms
        for event in payload["entry"][0]["messaging"]:
            echo = (event.get("message") or {}).get("is_echo")
            event["recipient" if echo else "sender"]["id"] = sender
            event["timestamp"] = now_ms
            for key in ("message", "postback"):
                if key in event:
                    event[key]["mid"] = message_id or f"m_{uuid.uuid4().hex}"
            if text is not None and "quick_reply" in event.get("message", {}):
                event["message"]["quick_reply"]["payload"] = text
            elif text is not None and "text" in event.get("message", {}):
                event["message"]["text"] = text
            elif text is not None and "postback" in event:
                event["postback"]["payload"] = text
        return json.dumps(payload).encode("utf-8")
