"""A stand-in for the WhatsApp Cloud API: sends signed `messages` webhooks built from the documented examples
(tests/connectors/fixtures/whatsapp/), and receives `POST /{version}/{phone-number-id}/messages`, checking each body
against the documented request schema and answering like the platform (or with scripted errors)."""

from __future__ import annotations

import copy
import itertools
import json
import time
import uuid
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.connectors.doubles.base import Call, json_fixture
from tests.connectors.doubles.meta import MetaDouble

TEXT_MAX, BODY_MAX, CAPTION_MAX = 4096, 1024, 1024
BUTTONS_MAX, BUTTON_ID_MAX, BUTTON_TITLE_MAX = 3, 256, 20
ROWS_MAX, ROW_ID_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, LIST_BUTTON_MAX, SECTION_TITLE_MAX = 10, 200, 24, 72, 20, 24
KINDS = {"text", "interactive", "image", "template", "audio", "video", "document", "sticker", "location", "contacts",
         "reaction"}


def fixture(name: str) -> Dict[str, Any]:
    return json_fixture("whatsapp", name)


def schema_errors(body: Any) -> List[str]:
    """What breaks the documented `POST /<PHONE_NUMBER_ID>/messages` schema in one request body (empty if fine)."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    errors = []
    if body.get("messaging_product") != "whatsapp":
        errors.append("messaging_product must be 'whatsapp'")
    if not isinstance(body.get("to"), str) or not body["to"]:
        errors.append("to is missing")
    kind = body.get("type", "text")
    if kind not in KINDS:
        return errors + [f"unknown type {kind!r}"]
    content = body.get(kind)
    if not isinstance(content, dict):
        return errors + [f"{kind} object missing"]
    if kind == "text":
        text = content.get("body")
        if not isinstance(text, str) or not text.strip():
            errors.append("text.body missing or empty")
        elif len(text) > TEXT_MAX:
            errors.append(f"text.body has {len(text)} characters (max {TEXT_MAX})")
    elif kind == "image":
        if not content.get("link") and not content.get("id"):
            errors.append("image needs link or id")
        if len(content.get("caption") or "") > CAPTION_MAX:
            errors.append(f"image.caption longer than {CAPTION_MAX}")
    elif kind == "interactive":
        errors += interactive_errors(content)
    return errors


def interactive_errors(content: Dict[str, Any]) -> List[str]:
    errors = []
    body_text = (content.get("body") or {}).get("text")
    if not isinstance(body_text, str) or not body_text.strip():
        errors.append("interactive.body.text missing")
    elif len(body_text) > BODY_MAX:
        errors.append(f"interactive.body.text has {len(body_text)} characters (max {BODY_MAX})")
    action = content.get("action") or {}
    if content.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= BUTTONS_MAX:
            errors.append(f"{len(buttons)} reply buttons (1 to {BUTTONS_MAX})")
        titles = []
        for button in buttons:
            reply = button.get("reply") or {}
            if button.get("type") != "reply":
                errors.append("button type must be 'reply'")
            if not reply.get("id") or len(reply["id"]) > BUTTON_ID_MAX or reply["id"] != reply["id"].strip():
                errors.append(f"button id {reply.get('id')!r} missing, padded or longer than {BUTTON_ID_MAX}")
            if not reply.get("title") or len(reply["title"]) > BUTTON_TITLE_MAX:
                errors.append(f"button title {reply.get('title')!r} missing or longer than {BUTTON_TITLE_MAX}")
            titles.append(reply.get("title"))
        if len(set(titles)) != len(titles):
            errors.append("button titles must be unique")
    elif content.get("type") == "list":
        if not action.get("button") or len(action["button"]) > LIST_BUTTON_MAX:
            errors.append(f"list action.button missing or longer than {LIST_BUTTON_MAX}")
        sections = action.get("sections") or []
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(rows) <= ROWS_MAX:
            errors.append(f"{len(rows)} list rows (1 to {ROWS_MAX})")
        for section in sections:
            if len(sections) > 1 and not section.get("title"):
                errors.append("every section needs a title when there are several")
            if len(section.get("title") or "") > SECTION_TITLE_MAX:
                errors.append(f"section title longer than {SECTION_TITLE_MAX}")
        for row in rows:
            if not row.get("id") or len(row["id"]) > ROW_ID_MAX:
                errors.append(f"row id {row.get('id')!r} missing or longer than {ROW_ID_MAX}")
            if not row.get("title") or len(row["title"]) > ROW_TITLE_MAX:
                errors.append(f"row title {row.get('title')!r} missing or longer than {ROW_TITLE_MAX}")
            if len(row.get("description") or "") > ROW_DESCRIPTION_MAX:
                errors.append(f"row description longer than {ROW_DESCRIPTION_MAX}")
        if len({row.get("id") for row in rows}) != len(rows):
            errors.append("row ids must be unique")
    else:
        errors.append(f"interactive type {content.get('type')!r} not handled by the double")
    return errors


class WhatsAppDouble(MetaDouble):
    """The Cloud API's `messages` endpoint and its webhooks, for one business phone number."""

    platform, messages_path = "whatsapp", "/messages"
    rate_limit_error, window_error = "error_130429.json", "error_131047.json"
    _numbers = itertools.count(1)

    def __init__(self, app_secret: str, access_token: str, phone_number_id: str, rasa_url: str = "") -> None:
        super().__init__(app_secret, rasa_url)
        self.access_token, self.phone_number_id = access_token, phone_number_id
        self.add_route("POST", "/{version}/{phone_number_id}/messages", self.messages)

    @classmethod
    def for_stack(cls, stack: Any) -> "WhatsAppDouble":
        env = stack.env
        return cls(env["WHATSAPP_APP_SECRET"], env["WHATSAPP_ACCESS_TOKEN"], env["WHATSAPP_PHONE_NUMBER_ID"],
                   stack.rasa_url)

    # --- the API ------------------------------------------------------------------------------------------------

    async def messages(self, request: web.Request) -> Any:
        call: Call = request["call"]
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response(fixture("error_190.json"), status=401)
        if call.match_info.get("phone_number_id") != self.phone_number_id:
            self.violation(call, f"sent from phone number id {call.match_info.get('phone_number_id')}")
        for error in schema_errors(call.json):
            self.violation(call, error)
        answer = fixture("send_response.json")
        to = (call.json or {}).get("to", "")
        answer["contacts"] = [{"input": to, "wa_id": to}]
        answer["messages"] = [{"id": f"wamid.{uuid.uuid4().hex}"}]
        return answer

    def recipient(self, body: Dict[str, Any]) -> str:
        return body.get("to", "")

    def sent_to(self, wa_id: str) -> List[Dict[str, Any]]:
        """The message bodies the platform accepted for this shopper, in order."""
        return [c.json for c in self.calls_to(self.messages_path)
                if isinstance(c.json, dict) and self.recipient(c.json) == wa_id]

    def texts_to(self, wa_id: str) -> List[str]:
        return [b["text"]["body"] for b in self.sent_to(wa_id) if b.get("type") == "text"]

    # --- webhooks -------------------------------------------------------------------------------------------------

    @classmethod
    def new_shopper(cls) -> str:
        """A fresh wa_id (a phone number in E.164 digits) per test."""
        return f"1555{int(time.time()) % 100000:05d}{next(cls._numbers):04d}"

    def webhook(self, name: str, sender: str, text: Optional[str] = None, message_id: Optional[str] = None,
                timestamp: Optional[float] = None) -> bytes:
        """A fixture's body addressed from `sender`, with a new message id and the current time (or those given)."""
        payload = copy.deepcopy(fixture(name))
        for change in payload["entry"][0]["changes"]:
            value = change["value"]
            value["metadata"]["phone_number_id"] = self.phone_number_id
            for contact in value.get("contacts", []):
                contact["wa_id"] = sender
            for message in value.get("messages", []):
                message["from"] = sender
                message["id"] = message_id or f"wamid.{uuid.uuid4().hex}"
                message["timestamp"] = str(int(timestamp if timestamp is not None else time.time()))
                if text is not None and message["type"] == "text":
                    message["text"]["body"] = text
                if text is not None and message["type"] == "interactive":
                    reply = message["interactive"][message["interactive"]["type"]]
                    reply["id"] = text
            for status in value.get("statuses", []):
                status["recipient_id"] = sender
                status["timestamp"] = str(int(time.time()))
        return json.dumps(payload).encode("utf-8")
