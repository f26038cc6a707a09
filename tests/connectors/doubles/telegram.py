"""A stand-in for the Telegram Bot API: sends webhook updates built from the fixtures with the secret-token header,
and receives, checks and records the bot's API calls (sendMessage, sendPhoto, answerCallbackQuery).

Schema checks follow https://core.telegram.org/bots/api: chat_id required; sendMessage text 1-4096 characters;
sendPhoto photo required, caption at most 1024; an inline keyboard is rows of buttons with a text and exactly one
action (url or callback_data of 1-64 bytes). A breach is a violation that fails the test (`assert_clean`).
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from aiohttp import web

from tests.connectors.doubles.base import Call, PlatformDouble

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_MAX, CAPTION_MAX, CALLBACK_DATA_MAX_BYTES, CALLBACK_ANSWER_MAX = 4096, 1024, 64, 200
PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game",
                  "pay")
SENDING = ("sendMessage", "sendPhoto")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def markup_of(params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """reply_markup as a dict, whether the client sent it as JSON text (form) or as an object (JSON body)."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        return json.loads(markup)
    return markup


def keyboard_errors(params: Dict[str, Any]) -> List[str]:
    try:
        markup = markup_of(params)
    except ValueError:
        return ["reply_markup is not JSON"]
    if markup is None:
        return []
    if not isinstance(markup, dict):
        return ["reply_markup is not an object"]
    if "inline_keyboard" not in markup:
        return [] if markup.keys() & {"keyboard", "remove_keyboard", "force_reply"} else ["unknown reply_markup"]
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return ["inline_keyboard must be an array of button rows"]
    errors = []
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            errors.append(f"button without text: {button!r}")
            continue
        actions = [key for key in BUTTON_ACTIONS if key in button]
        if len(actions) != 1:
            errors.append(f"button {button['text']!r} must have exactly one action, has {actions}")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
            errors.append(f"callback_data of button {button['text']!r} is not 1-64 bytes")
        url = button.get("url")
        if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
            errors.append(f"url of button {button['text']!r} is not http(s) or tg://")
    return errors


def schema_errors(method: str, params: Dict[str, Any]) -> List[str]:
    """What breaks the Bot API's documented request schema for `method`."""
    errors = []
    if method in SENDING and str(params.get("chat_id") or "") == "":
        errors.append("chat_id is required")
    if params.get("parse_mode") and params["parse_mode"] not in PARSE_MODES:
        errors.append(f"unknown parse_mode {params['parse_mode']!r}")
    if method == "sendMessage":
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_MAX:
            errors.append(f"text must be 1-{TEXT_MAX} characters, is {len(text or '')}")
    elif method == "sendPhoto":
        if not params.get("photo"):
            errors.append("photo is required")
        if len(params.get("caption") or "") > CAPTION_MAX:
            errors.append(f"caption longer than {CAPTION_MAX} characters")
    elif method == "answerCallbackQuery":
        if not params.get("callback_query_id"):
            errors.append("callback_query_id is required")
        if len(params.get("text") or "") > CALLBACK_ANSWER_MAX:
            errors.append(f"callback answer text longer than {CALLBACK_ANSWER_MAX} characters")
    if method in SENDING:
        errors.extend(keyboard_errors(params))
    return errors


class TelegramDouble(PlatformDouble):
    """The Bot API at http://127.0.0.1:<port>/bot<token>/<method>, and Telegram's side of the webhook."""

    def __init__(self, token: str, secret: str, webhook_url: str) -> None:
        super().__init__("telegram")
        self.token, self.secret, self.webhook_url = token, secret, webhook_url
        # update_ids unique across test sessions: the connector remembers the ones it has seen
        self._update_ids = itertools.count(random.randrange(10**8, 10**9) * 10)
        self._message_ids = itertools.count(1000)
        self.add_route("POST", "/bot{token}/{method}", self.api)

    # --- the Bot API ----------------------------------------------------------------------------------------------

    async def api(self, request: web.Request) -> Any:
        call: Call = request["call"]
        if call.match_info.get("token") != self.token:
            self.violation(call, "called with a token that is not the bot's")
            return web.json_response(fixture("error_401.json"), status=401)
        method = call.match_info["method"]
        if method not in ("sendMessage", "sendPhoto", "answerCallbackQuery", "setWebhook", "getMe"):
            self.violation(call, f"unexpected method {method}")
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        for error in schema_errors(method, call.params):
            self.violation(call, error)
        if method not in SENDING:
            return {"ok": True, "result": True}
        return self.sent_message(call.params)

    def sent_message(self, params: Dict[str, Any]) -> Dict[str, Any]:
        answer = fixture("send_message_result.json")
        message = answer["result"]
        chat_id = str(params.get("chat_id", ""))
        message.update(message_id=next(self._message_ids), date=int(time.time()))
        message["chat"]["id"] = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        message.pop("text")
        if params.get("photo"):
            message["photo"] = [{"file_id": "AgACAgIAAx0", "file_unique_id": "AQAD", "width": 800, "height": 800}]
            if params.get("caption"):
                message["caption"] = params["caption"]
        else:
            message["text"] = params.get("text", "")
        if params.get("reply_markup"):
            message["reply_markup"] = markup_of(params)
        return answer

    # --- scripted errors --------------------------------------------------------------------------------------

    def rate_limit(self, times: int = 1, retry_after_s: int = 1) -> None:
        body = fixture("error_429.json")
        body["parameters"]["retry_after"] = retry_after_s
        body["description"] = f"Too Many Requests: retry after {retry_after_s}"
        self.fail_next(429, body, {"Retry-After": str(retry_after_s)}, times, "/send")

    def server_error(self, times: int = 1) -> None:
        self.fail_next(502, fixture("error_502.json"), None, times, "/send")

    def refuse_photos(self, times: int = 1) -> None:
        self.fail_next(400, fixture("error_400_photo.json"), None, times, "/sendPhoto")

    # --- what the bot sent ------------------------------------------------------------------------------------

    def sent(self, chat_id: Union[int, str], since: float = 0.0) -> List[Tuple[str, Dict[str, Any]]]:
        """(method, parameters) of the messages delivered to a chat (answered 200), in order."""
        found = []
        for call in list(self.calls):
            method = call.path.rsplit("/", 1)[-1]
            if (method in SENDING and 200 <= call.answered < 300 and call.received_at >= since
                    and str(call.params.get("chat_id")) == str(chat_id)):
                found.append((method, call.params))
        return found

    def texts(self, chat_id: Union[int, str]) -> List[str]:
        return [p["text"] for m, p in self.sent(chat_id) if m == "sendMessage"]

    def photos(self, chat_id: Union[int, str]) -> List[Dict[str, Any]]:
        return [p for m, p in self.sent(chat_id) if m == "sendPhoto"]

    def buttons(self, chat_id: Union[int, str]) -> List[Dict[str, Any]]:
        return [b for _, p in self.sent(chat_id) for row in (markup_of(p) or {}).get("inline_keyboard", [])
                for b in row]

    def first_call_to(self, chat_id: Union[int, str], since: float) -> Optional[Call]:
        return next((c for c in list(self.calls) if c.received_at >= since
                     and str(c.params.get("chat_id")) == str(chat_id)), None)

    # --- webhooks ---------------------------------------------------------------------------------------------

    def update(self, name: str, chat_id: int, text: Optional[str] = None,
               language_code: Optional[str] = None) -> Dict[str, Any]:
        """A fixture update for `chat_id`, with a fresh update_id and date (and this text, if given)."""
        update = copy.deepcopy(fixture(name))
        update["update_id"] = next(self._update_ids)
        holder = update.get("message") or update.get("edited_message") or update.get("callback_query")
        message = holder.get("message", holder) if "callback_query" in update else holder
        message["chat"]["id"] = chat_id
        message["date"] = int(time.time())
        holder["from"]["id"] = chat_id
        if language_code is not None:
            holder["from"]["language_code"] = language_code
        if text is not None:
            if "callback_query" in update:
                holder["data"] = text
            else:
                message["text"] = text
        return update

    async def deliver(
        self, update: Union[Dict[str, Any], bytes], secret: Optional[str] = None
    ) -> Tuple[int, str, float]:
        """POST an update as Telegram does; `secret` overrides the header value ("" leaves it out)."""
        body = update if isinstance(update, bytes) else json.dumps(update).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        secret = self.secret if secret is None else secret
        if secret:
            headers[SECRET_HEADER] = secret
        return await self.post(self.webhook_url, body, headers)

    def say(self, chat_id: int, text: str, **kwargs: Any) -> Tuple[int, str, float]:
        """Deliver a text message from a chat (sync tests); (status, answer, monotonic time sent)."""
        return self.run(self.deliver(self.update("text.json", chat_id, text), **kwargs))
