"""Facebook Messenger channel (loaded by Rasa from bot/credentials.yml; secrets from MESSENGER_* variables).

Inbound: the Page webhook at /webhooks/messenger/webhook (GET handshake, POST signed with X-Hub-Signature-256),
acknowledged at once; Rasa runs afterwards. Outbound: the Send API, POST {MESSENGER_API_URL}/me/messages: text,
quick replies for choices, a generic template for product and order cards.

Rasa's own `facebook` channel and the fbmessenger 6.0 client it uses send with blocking `requests` calls inside
Rasa's event loop, to a Graph URL built from an API version (no other base URL), without retries and without
checking X-Hub-Signature-256; so the Graph calls here are written by hand with aiohttp and
`connectors.platform.send_with_retry` (connectors.meta_format.GraphClient).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.meta_format import (
    EXPIRED_TOKEN_CODE,
    GRAPH_API_URL,
    SIGNATURE_HEADER,
    GraphClient,
    GraphError,
    OutsideWindow,
    Shoppers,
    epoch_seconds,
    handshake,
    off_message,
    recent,
    signature_ok,
    with_handoff_buttons,
)
from connectors.messenger_format import (
    Inbound,
    choice_messages,
    custom_messages,
    image_message,
    parse_webhook,
    text_messages,
)
from connectors.platform import Deduper, SendFailed, env_settings, hmac_sha256_hex, missing, unsupported_reply
from shop.language import detect_language

log = logging.getLogger(__name__)

ENV = {
    "page_access_token": "MESSENGER_PAGE_ACCESS_TOKEN",
    "app_secret": "MESSENGER_APP_SECRET",
    "verify_token": "MESSENGER_VERIFY_TOKEN",
    "api_url": "MESSENGER_API_URL",
}
REQUIRED = ("page_access_token", "app_secret", "verify_token")
# Send API error 10 with this subcode: "sent outside of allowed window" (24 hours after the shopper's last message).
OUTSIDE_WINDOW = (10, 2018278)


class MessengerOutput(OutputChannel):
    """Our replies as Send API calls, sent in order. A refusal raises (SendFailed, OutsideWindow) on the
    output Rasa's HTTP API uses, so an agent's message that cannot reach the shopper fails visibly at the desk.
    During a shopper's own turn it is logged and the rest of that reply dropped: a raise there would cost Rasa the
    whole turn (its tracker would not be saved)."""

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    def __init__(self, settings: Dict[str, str], graph: GraphClient, shoppers: Shoppers,
                 raise_failures: bool = True) -> None:
        super().__init__()
        self.settings, self.graph, self.shoppers = settings, graph, shoppers
        self.raise_failures = raise_failures
        self.url = f"{settings['api_url'].rstrip('/')}/me/messages"
        token = settings["page_access_token"]
        # appsecret_proof lets the app require it ("Require App Secret"), so a leaked page token alone is useless
        proof = hmac_sha256_hex(settings["app_secret"], token.encode("utf-8"))
        self.params = {"access_token": token, "appsecret_proof": proof}

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's dispatch, except that a handoff notice's buttons travel with its text in one message."""
        await super().send_response(recipient_id, with_handoff_buttons(message))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, text_messages(recipient_id, text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        language = self.shoppers.language(recipient_id)
        await self._send_all(recipient_id, choice_messages(recipient_id, text, buttons, language))

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, [image_message(recipient_id, image)])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        language = self.shoppers.language(recipient_id)
        await self._send_all(recipient_id, custom_messages(recipient_id, json_message, language))

    async def _send_all(self, recipient_id: str, bodies: List[Dict[str, Any]]) -> None:
        for body in bodies:
            try:
                await self._send(recipient_id, body)
            except (SendFailed, OutsideWindow):  # already logged
                if self.raise_failures:
                    raise
                return

    async def _send(self, recipient_id: str, body: Dict[str, Any]) -> None:
        if self.shoppers.outside_window(recipient_id):
            log.warning("messenger: not sending to %s: outside the 24-hour messaging window", recipient_id)
            raise OutsideWindow(f"{recipient_id} is outside the 24-hour window")
        try:
            await self.graph.send(self.url, body, params=self.params)
        except SendFailed as failure:
            error = GraphError.of(failure.reply.body if failure.reply else None)
            if (error.code, error.subcode) == OUTSIDE_WINDOW:
                self.shoppers.close_window(recipient_id)
                log.warning("messenger: message to %s refused (10/2018278): outside the 24-hour window; recorded, "
                            "no retry", recipient_id)
                raise OutsideWindow(f"{recipient_id} is outside the 24-hour window") from failure
            if error.code == EXPIRED_TOKEN_CODE:
                log.error("messenger: configuration error: MESSENGER_PAGE_ACCESS_TOKEN is expired or invalid (Graph "
                          "error 190: %s). Set a new page access token.", error.message)
            else:
                log.error("messenger: message to %s failed: %s", recipient_id, failure)
            raise


class MessengerInput(InputChannel):
    """The Page webhook: verifies, dedupes, acknowledges, then hands each message to Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Secrets come from the environment, never from credentials.yml; a channel without them is off."""
        return cls(env_settings(ENV, {"api_url": GRAPH_API_URL}))

    def __init__(self, settings: Dict[str, str]) -> None:
        self.settings = settings
        self.missing_env = [ENV[key] for key in missing(settings, REQUIRED)]
        self.deduper = Deduper()
        self.shoppers = Shoppers()
        self.graph = GraphClient()
        self._tasks: Set[asyncio.Task] = set()
        if self.missing_env:
            log.warning("messenger channel is off: set %s", ", ".join(self.missing_env))
        else:
            log.info("messenger channel is on: webhook /webhooks/messenger/webhook, API %s", settings["api_url"])

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None if self.missing_env else MessengerOutput(self.settings, self.graph, self.shoppers)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("messenger_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off" if self.missing_env else "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.missing_env:
                return response.json(off_message("messenger", self.missing_env), status=404)
            status, text = handshake(request.args, self.settings["verify_token"])
            if status != 200:
                log.warning("messenger: webhook verification refused: %s", text)
                return response.json({"error": text}, status=status)
            return response.text(text)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.missing_env:
                return response.json(off_message("messenger", self.missing_env), status=404)
            if not signature_ok(self.settings["app_secret"], request.body, request.headers.get(SIGNATURE_HEADER)):
                log.warning("messenger: webhook refused from %s: bad or missing %s", request.ip, SIGNATURE_HEADER)
                return response.json({"error": "invalid signature"}, status=401)
            try:
                events = parse_webhook(json.loads(request.body))
            except ValueError as error:  # bad JSON, bad UTF-8 or a shape we do not know
                log.warning("messenger: malformed webhook refused: %s", error)
                return response.json({"error": f"malformed webhook: {error}"}, status=400)
            for event in events:
                if event.kind == "ignored":
                    log.debug("messenger: %s event from %s ignored", event.event, event.sender)
            messages = [e for e in events if e.kind != "ignored"]
            stale = [m for m in messages if not recent(m.timestamp)]
            if stale:
                log.warning("messenger: refused %d message(s) with a timestamp outside the replay window: %s",
                            len(stale), ", ".join(m.message_id for m in stale))
                if len(stale) == len(messages):
                    return response.json({"error": "stale or replayed message"}, status=403)
            todo = []
            for message in messages:
                if message in stale:
                    continue
                if not self.deduper.first_time(message.message_id):
                    log.info("messenger: repeated delivery of %s ignored", message.message_id)
                    continue
                self.shoppers.heard_from(message.sender, epoch_seconds(message.timestamp),
                                         detect_language(message.text))
                todo.append(message)
            if todo:
                self._spawn(self._handle(todo, on_new_message, self.get_metadata(request)))
            return response.text("EVENT_RECEIVED")

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.graph.close()

        return webhook

    # --- after the acknowledgement -----------------------------------------------------------------------------

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, messages: List[Inbound], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      metadata: Optional[Dict[str, Any]]) -> None:
        output = MessengerOutput(self.settings, self.graph, self.shoppers, raise_failures=False)
        for message in messages:
            try:
                if message.kind == "unsupported":
                    language = self.shoppers.language(message.sender)
                    log.info("messenger: message %s from %s cannot be read (attachments: %s); sent the polite reply "
                             "(%s)", message.message_id, message.sender, ", ".join(message.attachment_types) or "none",
                             language)
                    await output.send_text_message(message.sender, unsupported_reply(language))
                else:
                    await on_new_message(UserMessage(
                        message.text, output, message.sender, input_channel=self.name(),
                        metadata={**(metadata or {}), "platform": "messenger", "message_id": message.message_id,
                                  "event": message.event, "page_id": message.page_id},
                    ))
            except Exception:  # one bad turn must not stop the others, nor the webhook
                log.exception("messenger: handling message %s from %s failed", message.message_id, message.sender)
