"""What the WhatsApp and Messenger channels share, being both Meta webhooks on the Graph API: the input channel
(subscription handshake, `X-Hub-Signature-256`, replayed and repeated deliveries dropped, acknowledged at once, Rasa
afterwards) and the output channel (Graph calls in order, the 24-hour window, an expired token named as the
configuration error it is). connectors/whatsapp.py and connectors/messenger.py fill in what differs.

Runs inside the Rasa server (Python 3.10 venv); the pure parts are in connectors/meta_format.py.
"""

from __future__ import annotations

import json
import logging
from types import ModuleType
from typing import Any, ClassVar, Dict, List, Optional, Text, Tuple, Type

from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.channel_base import ButtonsOnNoticeOutput, OnNewMessage, WebhookChannel, error
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
    recent,
    signature_ok,
)
from connectors.platform import SendFailed, unsupported_reply
from shop.language import detect_language

log = logging.getLogger(__name__)


class MetaOutput(ButtonsOnNoticeOutput):
    """Our replies as Graph API calls, sent in order. A refusal raises (SendFailed, OutsideWindow) on the output
    Rasa's HTTP API uses, so an agent's message that cannot reach the shopper fails visibly at the desk. During a
    shopper's own turn it is logged and the rest of that reply dropped: a raise there would cost Rasa the whole turn
    (its tracker would not be saved).

    A subclass says where messages go (`address`) and which Graph error means the window is closed."""

    # the platform's pure rendering: text_messages, choice_messages, image_message and custom_messages
    formats: ClassVar[ModuleType]
    token_variable: ClassVar[str]  # the environment variable of the access token, named when it has expired
    window: ClassVar[str]  # how the platform calls the 24-hour window, for the logs
    window_error: ClassVar[str]  # the Graph error that says it is closed, for the logs

    def __init__(self, settings: Dict[str, str], graph: GraphClient, shoppers: Shoppers,
                 raise_failures: bool = True) -> None:
        super().__init__()
        self.settings, self.graph, self.shoppers = settings, graph, shoppers
        self.raise_failures = raise_failures
        self.url, self.token = self.address()

    def address(self) -> Tuple[str, Dict[str, Dict[str, str]]]:
        """The messages endpoint, and the token as GraphClient.send's `params` or `headers`."""
        raise NotImplementedError

    def closes_window(self, error: GraphError) -> bool:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, self.formats.text_messages(recipient_id, text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        language = self.shoppers.language(recipient_id)
        await self._send_all(recipient_id, self.formats.choice_messages(recipient_id, text, buttons, language))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, [self.formats.image_message(recipient_id, image)])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        language = self.shoppers.language(recipient_id)
        await self._send_all(recipient_id, self.formats.custom_messages(recipient_id, json_message, language))

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
            log.warning("%s: not sending to %s: outside the %s", self.name(), recipient_id, self.window)
            raise OutsideWindow(f"{recipient_id} is outside the 24-hour window")
        try:
            await self.graph.send(self.url, body, **self.token)
        except SendFailed as failure:
            error = GraphError.of(failure.reply.body if failure.reply else None)
            if self.closes_window(error):
                self.shoppers.close_window(recipient_id)
                log.warning("%s: message to %s refused (%s): outside the %s; recorded, no retry", self.name(),
                            recipient_id, self.window_error, self.window)
                raise OutsideWindow(f"{recipient_id} is outside the 24-hour window") from failure
            if error.code == EXPIRED_TOKEN_CODE:
                log.error("%s: configuration error: %s is expired or invalid (Graph error 190: %s). The connector "
                          "cannot refresh it: set a new one.", self.name(), self.token_variable, error.message)
            else:
                log.error("%s: message to %s failed: %s", self.name(), recipient_id, failure)
            raise


class MetaInput(WebhookChannel):
    """The Meta webhook: verifies, drops replays and repeats, acknowledges, then hands each message to Rasa.

    A subclass reads its platform's body (`messages_in`) and says what a message adds to Rasa's metadata and to the
    logs. The messages it gives have sender, message_id, timestamp, kind ("text", "unsupported" or "ignored") and
    text."""

    defaults = {"api_url": GRAPH_API_URL}
    output_class: ClassVar[Type[MetaOutput]]

    def __init__(self, settings: Dict[str, str]) -> None:
        super().__init__(settings)
        self.shoppers = Shoppers()
        self.graph = GraphClient()

    def status_detail(self) -> str:
        return f"Graph API at {self.settings['api_url']}"

    def make_output(self, raise_failures: bool = True) -> MetaOutput:
        return self.output_class(self.settings, self.graph, self.shoppers, raise_failures)

    # --- what the platforms do differently ---------------------------------------------------------------------

    def messages_in(self, payload: Any) -> List[Any]:
        """The shopper messages of a parsed webhook body; ValueError for a shape we do not know."""
        raise NotImplementedError

    def metadata_of(self, message: Any) -> Dict[str, Any]:
        """What Rasa's metadata gets beyond the platform and the message id."""
        raise NotImplementedError

    def summary(self, message: Any) -> str:
        """The message, for the log line that says it was ignored or cannot be read."""
        raise NotImplementedError

    def language_sample(self, message: Any) -> str:
        """What the shopper wrote, whose language their replies take."""
        return message.text

    def acknowledgement(self) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")

    # --- the webhook ---------------------------------------------------------------------------------------------

    async def verify(self, request: Request) -> HTTPResponse:
        status, text = handshake(request.args, self.settings["verify_token"])
        if status != 200:
            log.warning("%s: webhook verification refused: %s", self.name(), text)
            return error(status, text)
        return response.text(text)

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not signature_ok(self.settings["app_secret"], request.body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("%s: webhook refused from %s: bad or missing %s", self.name(), request.ip, SIGNATURE_HEADER)
            return error(401, "invalid signature")
        try:
            messages = self.messages_in(json.loads(request.body))
        except ValueError as problem:  # bad JSON, bad UTF-8 or a shape we do not know
            log.warning("%s: malformed webhook refused: %s", self.name(), problem)
            return error(400, f"malformed webhook: {problem}")
        stale = [m for m in messages if not recent(m.timestamp)]
        if stale:
            log.warning("%s: refused %d message(s) with a timestamp outside the replay window: %s", self.name(),
                        len(stale), ", ".join(m.message_id for m in stale))
            if len(stale) == len(messages):
                return error(403, "stale or replayed message")
        todo = []
        for message in messages:
            if message in stale:
                continue
            if not self.deduper.first_time(message.message_id):
                log.info("%s: repeated delivery of %s ignored", self.name(), message.message_id)
                continue
            language = detect_language(self.language_sample(message))
            self.shoppers.heard_from(message.sender, epoch_seconds(message.timestamp), language)
            todo.append(message)
        if todo:
            self.run_later(self.handle(todo, on_new_message, self.get_metadata(request)), "handling a webhook")
        return self.acknowledgement()

    async def close(self) -> None:
        await self.graph.close()

    # --- after the acknowledgement -----------------------------------------------------------------------------

    async def handle(self, messages: List[Any], on_new_message: OnNewMessage,
                     metadata: Optional[Dict[str, Any]]) -> None:
        output = self.make_output(raise_failures=False)
        for message in messages:
            try:
                if message.kind == "ignored":
                    log.info("%s: %s ignored", self.name(), self.summary(message))
                elif message.kind == "unsupported":
                    language = self.shoppers.language(message.sender)
                    log.info("%s: %s cannot be read; sent the polite reply (%s)", self.name(), self.summary(message),
                             language)
                    await output.send_text_message(message.sender, unsupported_reply(language))
                else:
                    await on_new_message(UserMessage(
                        message.text, output, message.sender, input_channel=self.name(),
                        metadata={**(metadata or {}), "platform": self.name(), "message_id": message.message_id,
                                  **self.metadata_of(message)},
                    ))
            except Exception:  # one bad turn must not stop the others, nor the webhook
                log.exception("%s: handling message %s from %s failed", self.name(), message.message_id,
                              message.sender)
