"""Slack channel (Events API + interactivity), loaded by Rasa from bot/credentials.yml.

Inbound: Slack POSTs events (JSON) and button presses (form field `payload`) to /webhooks/slack/webhook, signed
with the app's signing secret (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`). The blueprint refuses a bad
signature or a timestamp outside the five-minute replay window, answers the url_verification challenge, drops
redelivered events (Slack retries carry X-Slack-Retry-Num; the event_id is the same), acknowledges at once (Slack
waits 3 s), and runs Rasa in the background. Messages from bots, this one included, and edits are ignored.
Outbound: chat.postMessage with the bot token through slack_sdk's AsyncWebClient, each call retried with backoff
on 429 (Retry-After) and 5xx by connectors.platform.send_with_retry.

Settings (environment): SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (the channel is off without them), SLACK_API_URL
(default https://slack.com/api/). Rendering and parsing live in connectors/slack_format.py, what every channel's
webhook does alike (settings, off until configured, routes) in connectors/channel_base.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from connectors import slack_format as sf
from connectors.channel_base import ButtonsOnNoticeOutput, OnNewMessage, WebhookChannel, error
from connectors.platform import Languages, Reply, SendFailed, send_with_retry, unsupported_reply

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


class SlackOutput(ButtonsOnNoticeOutput):
    """Our replies as chat.postMessage calls to one conversation (the recipient id is the channel id)."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        super().__init__()
        self.client = client

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.post_all(sf.text_messages(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.post_all(sf.text_messages(recipient_id, text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.post_all([{"channel": recipient_id, "text": image,
                              "blocks": [{"type": "image", "image_url": image, "alt_text": "image"}]}])

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if not isinstance(json_message, dict):
            log.debug("slack: custom payload %r has no Block Kit form; skipped", json_message)
            return
        messages = sf.custom_messages(recipient_id, json_message)
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


class SlackInput(WebhookChannel):
    """Slack Events API webhook: verifies the signature and timestamp, answers the url_verification challenge,
    drops redelivered events, acknowledges, then runs Rasa."""

    environment, required, defaults = ENVIRONMENT, REQUIRED, DEFAULTS

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def __init__(self, settings: Dict[str, str]) -> None:
        super().__init__(settings)
        self.verifier = SignatureVerifier(settings["signing_secret"]) if settings.get("signing_secret") else None
        self.languages = Languages(max_users=50_000)  # channel id -> language of its last text
        self._client: Optional[AsyncWebClient] = None

    def status_detail(self) -> str:
        return f"Web API at {self.settings['api_url']}"

    def client(self) -> AsyncWebClient:
        if self._client is None:  # made on first use, inside Rasa's event loop, with one pooled HTTP session
            self._client = AsyncWebClient(
                token=self.settings["token"],
                base_url=self.settings["api_url"],
                session=aiohttp.ClientSession(),
                retry_handlers=[],  # retries are send_with_retry's, one policy for every connector
            )
        return self._client

    def make_output(self) -> SlackOutput:
        """The sender id is the conversation's channel id."""
        return SlackOutput(self.client())

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        refusal = self.refusal(request)
        if refusal:
            log.warning("slack: refused a request from %s: %s", request.ip, refusal)
            return error(401, refusal)
        try:
            incoming = self.parse(request)
        except (ValueError, KeyError, sf.MalformedRequest) as problem:  # JSONDecodeError is a ValueError
            log.warning("slack: malformed request refused: %s", problem)
            return error(400, f"malformed request: {problem}")
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
        self.run_later(self.handle(incoming, on_new_message), incoming.key or incoming.what)
        return response.json({"ok": True})

    async def close(self) -> None:
        if self._client is not None and self._client.session is not None:
            await self._client.session.close()

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

    async def handle(self, incoming: sf.Incoming, on_new_message: OnNewMessage) -> None:
        output = self.make_output()
        channel = incoming.channel
        try:
            if incoming.kind == "unsupported":
                language = self.languages.get(channel, "en")
                log.info("slack: %s in %s sent a %s (%s); answering that we read text only",
                         incoming.user, channel, incoming.what, incoming.key)
                await output.send_text_message(channel, unsupported_reply(language))
                return
            if incoming.kind == "text":
                self.languages.heard(channel, incoming.text)
            metadata = {"slack": {"event": incoming.key, "user": incoming.user, "team": incoming.team,
                                  "kind": incoming.what}}
            await on_new_message(UserMessage(incoming.text, output, channel, input_channel=self.name(),
                                             metadata=metadata))
        except Exception:  # one bad turn must never break the webhook
            log.exception("slack: handling %s in %s failed", incoming.key, channel)
