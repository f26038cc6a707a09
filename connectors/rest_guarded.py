"""Rasa's REST channel behind a guard (loaded by Rasa from bot/credentials.yml as the `rest` channel).

Rasa's own channel answered 500 to an empty body or to JSON `null`, an array, a number or a string, silently
`200 []` to a non-string message, and passed any length on: one 1,000,000-character message pinned Rasa's CPU. The
guard checks each request before Rasa parses or classifies anything: a JSON object under the size cap, a sender
that is a short string or number, a message that is a non-empty string of at most MAX_MESSAGE characters. Anything
else is a clear 4xx with a JSON error; nothing reaches Rasa.

Each message's metadata carries `client_address`, the request's peer address (or the one a proxy Sanic is
configured to trust, e.g. SANIC_PROXIES_COUNT), replacing anything the client sent: the order-verification lockout
counts failures per address (shop/lockout.py), so the client must not choose it.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from connectors.silent_turns import SilentTurnGuard

log = logging.getLogger(__name__)
MAX_MESSAGE = 5000  # characters; the web chat warns at its own limit first
MAX_BODY = 64 * 1024  # bytes: a message, a sender id and some metadata
MAX_SENDER = 128


def problem(request: Request) -> Optional[tuple[int, str]]:
    """(status, error) when the webhook request must be refused, else None."""
    if len(request.body or b"") > MAX_BODY:
        return 413, f"the body is at most {MAX_BODY} bytes"
    try:
        body = json.loads((request.body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, "the body must be a JSON object with 'sender' and 'message'"
    if not isinstance(body, dict):
        return 400, "the body must be a JSON object with 'sender' and 'message'"
    sender, message = body.get("sender"), body.get("message")
    if isinstance(sender, bool) or not isinstance(sender, (str, int)) or not str(sender).strip() \
            or len(str(sender)) > MAX_SENDER:
        return 400, f"'sender' must be a non-empty string of at most {MAX_SENDER} characters"
    if not isinstance(message, str) or not message.strip():
        return 400, "'message' must be a non-empty string"
    if len(message) > MAX_MESSAGE:
        return 413, f"'message' is at most {MAX_MESSAGE} characters"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in message):
        return 400, "'message' must be valid Unicode text"
    return None


class GuardedRestInput(RestInput):
    """The `rest` channel (same URL, /webhooks/rest/webhook) with its requests checked first."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        sent = request.json.get("metadata") if isinstance(request.json, dict) else None
        metadata = dict(sent) if isinstance(sent, dict) else {}
        # Sanic fills remote_addr only from proxy headers it was told to trust; else the socket's peer.
        metadata["client_address"] = request.remote_addr or request.ip
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard_silence = SilentTurnGuard()  # a failed action still gets the shopper a reply (connectors/silent_turns.py)
        webhook = super().blueprint(guard_silence.wrap(on_new_message))
        guard_silence.watch(webhook)

        @webhook.middleware("request")
        async def guard(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhooks/rest/webhook"):
                return None
            refused = problem(request)
            if refused is None:
                return None
            status, error = refused
            log.info("rest webhook refused a request (%s): %s", status, error)
            return response.json({"error": error}, status=status)

        return webhook
