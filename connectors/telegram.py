"""Telegram channel (Bot API webhook), loaded by Rasa from bot/credentials.yml.

Inbound: Telegram POSTs each Update to /webhooks/telegram/webhook with the secret given to setWebhook in the
X-Telegram-Bot-Api-Secret-Token header. The blueprint checks it, drops redelivered updates (by update_id),
answers 200 at once, and hands the text (or a pressed button's payload) to Rasa in the background.
Outbound: our replies become sendMessage / sendPhoto calls, made with aiogram's Bot against TELEGRAM_API_URL, each
retried with backoff on 429 and 5xx (connectors.platform.send_with_retry).

Settings (environment): TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN (the channel is off without them),
TELEGRAM_API_URL (default https://api.telegram.org). Rendering and parsing live in connectors/telegram_format.py,
what every channel's webhook does alike (settings, off until configured, routes) in connectors/channel_base.py.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.utils import exceptions
from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import telegram_format as tg
from connectors.channel_base import ButtonsOnNoticeOutput, OnNewMessage, WebhookChannel, error
from connectors.platform import Languages, SendFailed, send_with_retry, unsupported_reply

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


class TelegramOutput(ButtonsOnNoticeOutput):
    """Our replies as Bot API calls to one chat (the recipient id is the chat id)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: Bot, payloads: tg.PayloadStore) -> None:
        super().__init__()
        self.bot = bot
        self.payloads = payloads

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send(tg.text_calls(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send(tg.text_calls(recipient_id, text, tg.keyboard(buttons, self.payloads)))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send([("sendPhoto", {"chat_id": recipient_id, "photo": image})])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if not isinstance(json_message, dict):
            log.debug("telegram: custom payload %r has no Telegram form; skipped", json_message)
            return
        calls = tg.custom_calls(recipient_id, json_message, self.payloads)
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


class TelegramInput(WebhookChannel):
    """Telegram webhook: verifies the secret token, drops redelivered updates, acknowledges, then runs Rasa."""

    environment, required, defaults = ENVIRONMENT, REQUIRED, DEFAULTS

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, settings: Dict[str, str]) -> None:
        super().__init__(settings)
        self.payloads = tg.PayloadStore()
        self.languages = Languages(max_users=50_000)  # chat id -> language of its last text
        self._bot: Optional[RetryingBot] = None

    def configure(self) -> List[str]:
        try:
            check_token(self.settings["token"])
        except exceptions.ValidationError:
            return ["TELEGRAM_BOT_TOKEN (as BotFather gives it, 123456:ABC...)"]
        return []

    def status_detail(self) -> str:
        return f"Bot API at {self.settings['api_url']}"

    def bot(self) -> RetryingBot:
        if self._bot is None:  # made on first use, inside Rasa's event loop
            server = TelegramAPIServer.from_base(self.settings["api_url"])
            self._bot = RetryingBot(self.settings["token"], server=server)
        return self._bot

    def make_output(self) -> TelegramOutput:
        """The sender id is the chat id."""
        return TelegramOutput(self.bot(), self.payloads)

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not tg.secret_matches(request.headers.get(tg.SECRET_HEADER), self.settings["secret"]):
            log.warning("telegram: refused a webhook call from %s: wrong or missing %s", request.ip, tg.SECRET_HEADER)
            return error(401, "wrong or missing secret token")
        try:
            incoming = tg.parse_update(json.loads(request.body or b"null"))
        except (ValueError, tg.MalformedUpdate) as problem:  # JSONDecodeError is a ValueError
            log.warning("telegram: malformed update refused: %s", problem)
            return error(400, f"malformed update: {problem}")
        if not self.deduper.first_time(str(incoming.update_id)):
            log.info("telegram: update %s delivered again; already handled", incoming.update_id)
            return response.json({"ok": True})
        if incoming.kind == "ignored":
            log.debug("telegram: update %s (%s) ignored", incoming.update_id, incoming.what)
            return response.json({"ok": True})
        self.run_later(self.handle(incoming, on_new_message), f"update {incoming.update_id}")
        return response.json({"ok": True})

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()

    async def handle(self, incoming: tg.Incoming, on_new_message: OnNewMessage) -> None:
        output = self.make_output()
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
                self.run_later(output.answer_button(incoming.callback_query_id), "stopping a button's spinner")
                text = self.payloads.resolve(incoming.text)
                if text is None:
                    log.info("telegram: chat %s pressed a button we no longer remember; ignored", chat)
                    return
            else:
                self.languages.heard(chat, text)
            metadata = {"telegram": {"update_id": incoming.update_id, "message_id": incoming.message_id,
                                     "user_id": incoming.user_id, "language_code": incoming.language_code}}
            await on_new_message(UserMessage(text, output, chat, input_channel=self.name(), metadata=metadata))
        except Exception:  # one bad turn must never break the webhook
            log.exception("telegram: handling update %s for chat %s failed", incoming.update_id, chat)
