"""Slack channel (Events API + interactivity), loaded by Rasa from bot/credentials.yml.

Inbound: Slack POSTs events (JSON) and button presses (form field `payload`) to /webhooks/slack/webhook, signed
with the app's signing secret (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`). The blueprint refuses a bad
signature or a timestamp outside the five-minute replay window, answers the url_verification challenge, drops
redelivered events (Slack retries carry X-Slack-Retry-Num; the event_id is the same), acknowledges at once (Slack
waits 3 s), and runs Rasa in the background. Messages from bots, this one included, and edits are ignored.
Outbound: chat.postMessage with the bot token through slack_sdk's AsyncWebClient, each call retried with backoff
on 429 (Retry-After) and 5xx by connectors.platform.send_with_retry.

Settings (environment): SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (the channel is off without them), SLACK_API_URL
(default https://slack.com/api/). Rendering and parsing live in connectors/slack_format.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from connectors import slack_format as sf
from connectors.platform import (
    Deduper,
    Reply,
    SendFailed,
    env_settings,
    handoff_buttons,
    language_of,
    missing,
    send_with_retry,
    unsupported_reply,
)

log = logging.getLogger(__name__)

ENVIRONMENT = {"token": "SLACK_BOT_TOKEN", "signing_secret": "SLACK_SIGNING_SECRET", "api_url": "SLACK_API_URL"}
DEFAULTS = {"api_url": "https://slack.com/api/"}
REQUIRED = ("token", "signing_secret")


def slack_classifier(reply: Reply) -> str:
    """Slack answers most errors with 200 and {"ok": false}: only 429 and 5xx are worth retrying, and a revoked
    or expired bot token (invalid_auth, token_expired) cannot be refreshed without an OAuth refresh token."""
    if reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("ok"):
        return "ok"
    if reply.status == 429 or reply.status >= 500:
        return "retry"
    return "fail"


class SlackOutput(OutputChannel):
    """Our replies as chat.postMessage calls to one conversation (the recipient id is the channel id)."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        super().__init__()
        self.client = client

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's dispatch, except that a handoff notice's buttons (leave the queue, rate 1-5) ride on its text
        instead of arriving as a second message."""
        custom = message.get("custom")
        extra = handoff_buttons(custom) if isinstance(custom, dict) else []
        if extra and message.get("text") and not message.get("buttons") and not message.get("quick_replies"):
            message = {**message, "buttons": extra, "handoff_buttons_sent": True}
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.post_all(sf.text_messages(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.post_all(sf.text_messages(recipient_id, text, buttons))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.post_all([{"channel": recipient_id, "text": image,
                              "blocks": [{"type": "image", "image_url": image, "alt_text": "image"}]}])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if not isinstance(json_message, dict):
            log.debug("slack: custom payload %r has no Block Kit form; skipped", json_message)
            return
        messages = sf.custom_messages(recipient_id, json_message, bool(kwargs.get("handoff_buttons_sent")))
        if not messages:
            log.debug("slack: custom payload of type %r has no Block Kit form; skipped", json_message.get("type"))
        await self.post_all(messages)

    async def post_all(self, messages: List[Dict[str, Any]]) -> None:
        """Post in order; a message that still fails after the retries is logged and the next one is tried."""
        for message in messages:
            try:
                await send_with_retry(lambda message=message: self.post_once(message), classify=slack_classifier)
            except SendFailed as failure:
                log.error("slack: chat.postMessage to %s failed: %s", message.get("channel"), failure)

    async def post_once(self, message: Dict[str, Any]):
        """One chat.postMessage: (status, body, headers) whatever Slack answered, for send_with_retry to judge."""
        try:
            answer = await self.client.chat_postMessage(**message)
            return answer.status_code, answer.data, {}
        except SlackApiError as error:
            answer = error.response
            headers = {"Retry-After": answer.headers["Retry-After"]} if "Retry-After" in answer.headers else {}
            return answer.status_code, answer.data, headers


class SlackInput(InputChannel):
    """Slack Events API webhook: verifies the signature and timestamp, answers the url_verification challenge,
    drops redelivered events, acknowledges, then runs Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Secrets come from the environment; the credentials.yml block only switches the channel in."""
        return cls(env_settings(ENVIRONMENT, DEFAULTS))

    def __init__(self, settings: Dict[str, str]) -> None:
        self.settings = settings
        self.off_because = [ENVIRONMENT[key] for key in missing(settings, REQUIRED)]
        if self.off_because:
            log.warning("slack channel is off: set %s", ", ".join(self.off_because))
        else:
            log.info("slack channel is on: webhook /webhooks/slack/webhook, Web API at %s", settings["api_url"])
        self.verifier = SignatureVerifier(settings["signing_secret"]) if settings.get("signing_secret") else None
        self.deduper = Deduper()
        self.languages: "OrderedDict[str, str]" = OrderedDict()  # channel id -> language of its last text, bounded
        self._client: Optional[AsyncWebClient] = None
        self._tasks: Set[asyncio.Task] = set()

    def off_reply(self) -> HTTPResponse:
        return response.json({"error": f"slack channel is off: set {', '.join(self.off_because)}"}, status=404)

    def client(self) -> AsyncWebClient:
        if self._client is None:  # made on first use, inside Rasa's event loop, with one pooled HTTP session
            self._client = AsyncWebClient(
                token=self.settings["token"],
                base_url=self.settings["api_url"],
                session=aiohttp.ClientSession(),
                retry_handlers=[],  # retries are send_with_retry's, one policy for every connector
            )
        return self._client

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output the agent desk's replies take (Rasa's `output_channel=latest`); the sender id is the
        conversation's channel id."""
        if self.off_because:
            log.warning("slack channel is off: cannot deliver a message")
            return None
        return SlackOutput(self.client())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tidepool_slack", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return self.off_reply() if self.off_because else response.json({"status": "ok"})

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            if self._client is not None and self._client.session is not None:
                await self._client.session.close()

        @webhook.route("/webhook", methods=["GET", "POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.off_because:
                return self.off_reply()
            if request.method != "POST":
                return response.json({"error": "POST events here"}, status=405)
            refusal = self.refusal(request)
            if refusal:
                log.warning("slack: refused a request from %s: %s", request.ip, refusal)
                return response.json({"error": refusal}, status=401)
            try:
                incoming = self.parse(request)
            except (ValueError, KeyError, sf.MalformedRequest) as error:  # JSONDecodeError is a ValueError
                log.warning("slack: malformed request refused: %s", error)
                return response.json({"error": f"malformed request: {error}"}, status=400)
            if incoming.kind == "challenge":
                return response.json({"challenge": incoming.challenge})
            if incoming.key and not self.deduper.first_time(incoming.key):
                headers = request.headers
                log.info("slack: %s delivered again (retry %s, %s); already handled", incoming.key,
                         headers.get(sf.RETRY_NUM_HEADER, "-"), headers.get(sf.RETRY_REASON_HEADER, "-"))
                return response.json({"ok": True})
            if request.headers.get(sf.RETRY_NUM_HEADER):
                log.info("slack: retry %s of %s is the first delivery we saw; handling it",
                         request.headers.get(sf.RETRY_NUM_HEADER), incoming.key)
            if incoming.kind == "ignored":
                log.debug("slack: %s (%s) ignored", incoming.key or "request", incoming.what)
                return response.json({"ok": True})
            self.run_later(self.handle(incoming, on_new_message))
            return response.json({"ok": True})

        return webhook

    def refusal(self, request: Request) -> Optional[str]:
        """Why a request is not from Slack: missing/stale timestamp, or a signature that does not match."""
        problem = sf.request_problem(request.headers)
        if problem:
            return problem
        headers = request.headers
        try:
            genuine = self.verifier.is_valid(request.body, headers.get(sf.TIMESTAMP_HEADER),
                                             headers.get(sf.SIGNATURE_HEADER))
        except (UnicodeDecodeError, ValueError):  # a body that is not UTF-8 cannot be Slack's
            genuine = False
        return None if genuine else "signature does not match"

    @staticmethod
    def parse(request: Request) -> sf.Incoming:
        """An event (JSON) or an interaction (form field `payload`, JSON inside)."""
        if request.content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(request.body.decode("utf-8"), strict_parsing=False)
            return sf.parse_interaction(json.loads(form["payload"][0]))
        return sf.parse_envelope(json.loads(request.body or b"null"))

    def run_later(self, work: Awaitable[Any]) -> None:
        """Slow work after the acknowledgement, kept referenced until it ends."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, incoming: sf.Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = SlackOutput(self.client())
        channel = incoming.channel
        try:
            if incoming.kind == "unsupported":
                language = self.languages.get(channel, "en")
                log.info("slack: %s in %s sent a %s (%s); answering that we read text only",
                         incoming.user, channel, incoming.what, incoming.key)
                await output.send_text_message(channel, unsupported_reply(language))
                return
            if incoming.kind == "text":
                self.remember_language(channel, incoming.text)
            metadata = {"slack": {"event": incoming.key, "user": incoming.user, "team": incoming.team,
                                  "kind": incoming.what}}
            await on_new_message(UserMessage(incoming.text, output, channel, input_channel=self.name(),
                                             metadata=metadata))
        except Exception:  # one bad turn must never break the webhook
            log.exception("slack: handling %s in %s failed", incoming.key, channel)

    def remember_language(self, channel: str, text: str, limit: int = 50_000) -> None:
        language = language_of(text, "")
        if language:
            self.languages[channel] = language
            self.languages.move_to_end(channel)
            while len(self.languages) > limit:
                self.languages.popitem(last=False)
