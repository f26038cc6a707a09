"""Telegram channel (Bot API webhook), loaded by Rasa from bot/credentials.yml.

Inbound: Telegram POSTs each Update to /webhooks/telegram/webhook with the secret given to setWebhook in the
X-Telegram-Bot-Api-Secret-Token header. The blueprint checks it, drops redelivered updates (by update_id),
answers 200 at once, and hands the text (or a pressed button's payload) to Rasa in the background.
Outbound: our replies become sendMessage / sendPhoto calls, made with aiogram's Bot against TELEGRAM_API_URL, each
retried with backoff on 429 and 5xx (connectors.platform.send_with_retry).

Settings (environment): TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN (the channel is off without them),
TELEGRAM_API_URL (default https://api.telegram.org). Rendering and parsing live in connectors/telegram_format.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.utils import exceptions
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import telegram_format as tg
from connectors.platform import (
    Deduper,
    SendFailed,
    env_settings,
    handoff_buttons,
    language_of,
    missing,
    send_with_retry,
    unsupported_reply,
)

log = logging.getLogger(__name__)

ENVIRONMENT = {"token": "TELEGRAM_BOT_TOKEN", "secret": "TELEGRAM_SECRET_TOKEN", "api_url": "TELEGRAM_API_URL"}
DEFAULTS = {"api_url": "https://api.telegram.org"}
REQUIRED = ("token", "secret")
METHODS = {"sendMessage": "send_message", "sendPhoto": "send_photo"}  # Bot API method -> aiogram's Bot method


def status_of(error: Exception) -> int:
    """The HTTP status behind an aiogram exception (aiogram raises instead of returning it); 0 for a network
    failure, which send_with_retry retries like a 5xx."""
    if isinstance(error, exceptions.RetryAfter):
        return 429
    if isinstance(error, exceptions.RestartingTelegram):
        return 503
    if isinstance(error, exceptions.NetworkError):
        return 0
    for kind, status in ((exceptions.Unauthorized, 401), (exceptions.BadRequest, 400),
                         (exceptions.NotFound, 404), (exceptions.ConflictError, 409),
                         (exceptions.MigrateToChat, 400)):
        if isinstance(error, kind):
            return status
    found = re.search(r"\[(\d{3})\]$", str(error))  # aiogram appends "[status]" to other 4xx answers
    return int(found.group(1)) if found else 500  # and raises the bare description for 5xx


class RetryingBot(Bot):
    """aiogram's Bot whose every API call gets bounded retries with backoff on 429 (honouring retry_after) and
    5xx. Telegram bot tokens do not expire, so a 401 fails at once instead of being refreshed."""

    async def request(self, method: str, data: Optional[Dict] = None, files: Optional[Dict] = None, **kwargs: Any):
        call_once = super().request

        async def attempt():
            try:
                return 200, await call_once(method, data, files, **kwargs), {}
            except exceptions.TelegramAPIError as error:
                status = status_of(error)  # 0 (no answer) is retried like a 5xx
                retry_after = getattr(error, "timeout", None)
                return status, str(error), {"Retry-After": str(retry_after)} if retry_after else {}

        return (await send_with_retry(attempt)).body


class TelegramOutput(OutputChannel):
    """Our replies as Bot API calls to one chat (the recipient id is the chat id)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: Bot, payloads: tg.PayloadStore) -> None:
        super().__init__()
        self.bot = bot
        self.payloads = payloads

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's dispatch, except that a handoff notice's buttons (leave the queue, rate 1-5) ride on its text
        instead of arriving as a second message."""
        custom = message.get("custom")
        extra = handoff_buttons(custom) if isinstance(custom, dict) else []
        if extra and message.get("text") and not message.get("buttons") and not message.get("quick_replies"):
            message = {**message, "buttons": extra, "handoff_buttons_sent": True}
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send(tg.text_calls(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send(tg.text_calls(recipient_id, text, tg.keyboard(buttons, self.payloads)))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send([("sendPhoto", {"chat_id": recipient_id, "photo": image})])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if not isinstance(json_message, dict):
            log.debug("telegram: custom payload %r has no Telegram form; skipped", json_message)
            return
        calls = tg.custom_calls(recipient_id, json_message, self.payloads, bool(kwargs.get("handoff_buttons_sent")))
        if not calls:
            log.debug("telegram: custom payload of type %r has no Telegram form; skipped", json_message.get("type"))
        await self.send(calls)

    async def answer_button(self, callback_query_id: str) -> None:
        """Stops the spinner on the pressed button (Telegram shows one until answerCallbackQuery)."""
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except SendFailed as failure:
            log.info("telegram: answerCallbackQuery %s failed: %s", callback_query_id, failure)

    async def send(self, calls: List[tg.Call]) -> None:
        """Make the calls in order. A photo Telegram cannot fetch becomes a text card; any other failure (after
        the retries) is logged, and the next message is still tried."""
        for call in calls:
            method, params = call
            try:
                await getattr(self.bot, METHODS[method])(**params)
            except SendFailed as failure:
                if method == "sendPhoto" and failure.reply is not None and failure.reply.status == 400:
                    log.warning("telegram: chat %s: photo refused (%s), sending the card as text",
                                params.get("chat_id"), failure)
                    await self.send(tg.photo_as_text(call))
                else:
                    log.error("telegram: %s to chat %s failed: %s", method, params.get("chat_id"), failure)


class TelegramInput(InputChannel):
    """Telegram webhook: verifies the secret token, drops redelivered updates, acknowledges, then runs Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Secrets come from the environment; the credentials.yml block only switches the channel in."""
        return cls(env_settings(ENVIRONMENT, DEFAULTS))

    def __init__(self, settings: Dict[str, str]) -> None:
        self.settings = settings
        self.off_because = [ENVIRONMENT[key] for key in missing(settings, REQUIRED)]
        if not self.off_because:
            try:
                check_token(settings["token"])
            except exceptions.ValidationError:
                self.off_because = ["TELEGRAM_BOT_TOKEN (as BotFather gives it, 123456:ABC...)"]
        if self.off_because:
            log.warning("telegram channel is off: set %s", ", ".join(self.off_because))
        else:
            log.info("telegram channel is on: webhook /webhooks/telegram/webhook, Bot API at %s", settings["api_url"])
        self.deduper = Deduper()
        self.payloads = tg.PayloadStore()
        self.languages: "OrderedDict[str, str]" = OrderedDict()  # chat id -> language of its last text, bounded
        self._bot: Optional[RetryingBot] = None
        self._tasks: Set[asyncio.Task] = set()

    def off_reply(self) -> HTTPResponse:
        return response.json({"error": f"telegram channel is off: set {', '.join(self.off_because)}"}, status=404)

    def bot(self) -> RetryingBot:
        if self._bot is None:  # made on first use, inside Rasa's event loop
            server = TelegramAPIServer.from_base(self.settings["api_url"])
            self._bot = RetryingBot(self.settings["token"], server=server)
        return self._bot

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output the agent desk's replies take (Rasa's `output_channel=latest`); the sender id is the chat id."""
        if self.off_because:
            log.warning("telegram channel is off: cannot deliver a message")
            return None
        return TelegramOutput(self.bot(), self.payloads)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tidepool_telegram", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return self.off_reply() if self.off_because else response.json({"status": "ok"})

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            if self._bot is not None:
                await self._bot.session.close()

        @webhook.route("/webhook", methods=["GET", "POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.off_because:
                return self.off_reply()
            if request.method != "POST":
                return response.json({"error": "POST updates here"}, status=405)
            if not tg.secret_matches(request.headers.get(tg.SECRET_HEADER), self.settings["secret"]):
                log.warning("telegram: refused a webhook call from %s: wrong or missing %s", request.ip,
                            tg.SECRET_HEADER)
                return response.json({"error": "wrong or missing secret token"}, status=401)
            try:
                incoming = tg.parse_update(json.loads(request.body or b"null"))
            except (ValueError, tg.MalformedUpdate) as error:  # JSONDecodeError is a ValueError
                log.warning("telegram: malformed update refused: %s", error)
                return response.json({"error": f"malformed update: {error}"}, status=400)
            if not self.deduper.first_time(str(incoming.update_id)):
                log.info("telegram: update %s delivered again; already handled", incoming.update_id)
                return response.json({"ok": True})
            if incoming.kind == "ignored":
                log.debug("telegram: update %s (%s) ignored", incoming.update_id, incoming.what)
                return response.json({"ok": True})
            self.run_later(self.handle(incoming, on_new_message))
            return response.json({"ok": True})

        return webhook

    def run_later(self, work: Awaitable[Any]) -> None:
        """Slow work after the 200, kept referenced until it ends."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, incoming: tg.Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = TelegramOutput(self.bot(), self.payloads)
        chat = incoming.chat_id
        try:
            if incoming.kind == "unsupported":
                language = self.languages.get(chat) or tg.language_from_code(incoming.language_code, "en")
                log.info("telegram: chat %s sent a %s (update %s); answering that we read text only",
                         chat, incoming.what, incoming.update_id)
                await output.send_text_message(chat, unsupported_reply(language))
                return
            text: Optional[str] = incoming.text
            if incoming.kind == "button":
                self.run_later(output.answer_button(incoming.callback_query_id))
                text = self.payloads.resolve(incoming.text)
                if text is None:
                    log.info("telegram: chat %s pressed a button we no longer remember; ignored", chat)
                    return
            else:
                self.remember_language(chat, text)
            metadata = {"telegram": {"update_id": incoming.update_id, "message_id": incoming.message_id,
                                     "user_id": incoming.user_id, "language_code": incoming.language_code}}
            await on_new_message(UserMessage(text, output, chat, input_channel=self.name(), metadata=metadata))
        except Exception:  # one bad turn must never break the webhook
            log.exception("telegram: handling update %s for chat %s failed", incoming.update_id, chat)

    def remember_language(self, chat: str, text: str, limit: int = 50_000) -> None:
        language = language_of(text, "")
        if language:
            self.languages[chat] = language
            self.languages.move_to_end(chat)
            while len(self.languages) > limit:
                self.languages.popitem(last=False)
