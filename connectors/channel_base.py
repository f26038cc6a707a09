"""The plumbing every messaging-app channel shares, written once: its settings from the environment (the channel is
off, and says what to set, until its secrets are there), the webhook's routes (a health check, the platform's GET
check, the POST that brings messages, closing the API session when the server stops), and the slow work that runs
after the webhook is acknowledged.

Runs inside the Rasa server (Python 3.10 venv): imports rasa and sanic. The pure parts are in connectors/platform.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, ClassVar, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.silent_turns import SilentTurnGuard
from connectors.platform import Deduper, env_settings, missing, with_handoff_buttons

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def error(status: int, message: str) -> HTTPResponse:
    """The JSON every channel refuses a request with."""
    return response.json({"error": message}, status=status)


class ButtonsOnNoticeOutput(OutputChannel):
    """Rasa's dispatch, except that a handoff notice's buttons (leave the queue, rate 1-5) ride on its text as one
    message instead of arriving as a second one."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(recipient_id, with_handoff_buttons(message))


class WebhookChannel(InputChannel):
    """A platform's webhook at /webhooks/<name>/webhook. A subclass names its settings (`environment`, `required`,
    `defaults`) and writes what differs: `receive` (and `verify`, where the platform checks the URL with a GET),
    `make_output`, `status_detail`, `close`, and `configure` where the settings need more than being set."""

    environment: ClassVar[Dict[str, str]]  # {setting: ENV_VAR}
    required: ClassVar[Tuple[str, ...]]  # the settings without which the channel is off
    defaults: ClassVar[Dict[str, str]] = {}

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Secrets come from the environment, never from credentials.yml: its block only switches the channel in."""
        return cls(env_settings(cls.environment, cls.defaults))

    def __init__(self, settings: Dict[str, str]) -> None:
        self.settings = settings
        self.deduper = Deduper()
        self._tasks: Set[asyncio.Task] = set()
        self.off_because = [self.environment[key] for key in missing(settings, self.required)]
        if not self.off_because:
            self.off_because = self.configure()
        if self.off_because:
            log.warning("%s channel is off: set %s", self.name(), ", ".join(self.off_because))
        else:
            log.info("%s channel is on: webhook /webhooks/%s/webhook, %s", self.name(), self.url_prefix(),
                     self.status_detail())

    def configure(self) -> List[str]:
        """Prepares what needs more than the required settings being present (a token's format, a key); returns what
        is still to be set right, which keeps the channel off."""
        return []

    def status_detail(self) -> str:
        """What the "channel is on" log line adds after the webhook's path: the API it calls, or its mode."""
        raise NotImplementedError

    def make_output(self) -> OutputChannel:
        """An output to the platform's API, for the agent desk's replies (Rasa's `output_channel=latest`)."""
        raise NotImplementedError

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.off_because:
            log.warning("%s channel is off: cannot deliver a message", self.name())
            return None
        return self.make_output()

    def off_reply(self) -> HTTPResponse:
        return error(404, f"{self.name()} channel is off: set {', '.join(self.off_because)}")

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"tidepool_{self.name()}", __name__)  # not Rasa's own "<name>_webhook"
        guard_silence = SilentTurnGuard()  # a failed action still gets the shopper a reply (connectors/silent_turns.py)
        guard_silence.watch(webhook)
        on_new_message = guard_silence.wrap(on_new_message)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return self.off_reply() if self.off_because else response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self.off_reply() if self.off_because else await self.verify(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self.off_reply() if self.off_because else await self.receive(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            await self.close()

        return webhook

    async def verify(self, request: Request) -> HTTPResponse:
        """A GET on the webhook: the platform's check that the URL is ours, where it makes one."""
        return error(405, "POST to this webhook")

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """A POST from the platform: refuse it unless genuine, parse it, drop repeats, leave the slow work to
        `run_later` and acknowledge at once (platforms retry a webhook not answered within seconds)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Closes the platform API's HTTP session when the server stops."""

    def run_later(self, work: Awaitable[Any], what: str) -> None:
        """Slow work after the acknowledgement; a failure is logged as `what` failing."""
        async def guarded() -> None:
            try:
                await work
            except Exception:  # one bad turn must not go unnoticed, nor break the channel
                log.exception("%s: %s failed", self.name(), what)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)  # the event loop holds tasks only weakly: keep each until it is done
        task.add_done_callback(self._tasks.discard)
