"""The web chat's socket.io channel, run by Rasa (registered in bot/credentials.yml): Rasa's, with three changes.

- **Conversations are bound to the browser.** Rasa's channel puts a socket in whatever room (conversation) the client
  names, and takes each message's sender id from the client too, so anyone who knew a session id received that
  shopper's replies and wrote in their name. Here a `session_request` joins a conversation only with a ticket the web
  chat server signed for it (shop/session_tickets.py; the page gets one with its cookie); without a valid ticket the
  socket gets a fresh conversation, never someone else's. A message goes to the conversation its socket was given;
  the `session_id` the client sends is ignored.
- **Limits before Rasa.** Engine.io drops a connection whose packet is over `max_packet_bytes` before decoding it; a
  message that is not a non-blank string of at most `max_message_chars` characters of valid text is answered with a
  `message_refused` event and never reaches Rasa.
- **Server-side metadata.** Every message's metadata carries `client_address`, the socket's remote address (what the
  client sent under that key is overwritten), for the order-verification lockout.

Custom payloads (`{"type": "order", ...}`) are sent whole as the bot message's data: Rasa 3.6 passes them as keyword
arguments of `AsyncServer.emit`, which fails with "unexpected keyword argument 'type'" and loses the card.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage, decode_bearer_token
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from connectors.silent_turns import SilentTurnGuard
from shop.session_tickets import SessionSigner, new_conversation_id, shared_signer

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000  # as the REST webhook (connectors/rest_guarded.py); the page warns at 1000 already
MAX_PACKET_BYTES = 64 * 1024  # a message, its metadata and framing; engine.io closes the connection above it
REFUSED_EVENT = "message_refused"


class SocketIOOutput(socketio.SocketIOOutput):
    """Rasa's socket.io output, except that a custom payload is sent whole as the bot message's data."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Emit the payload unchanged to the recipient's room, so the page receives the card as it was sent."""
        await self._send_message(recipient_id, json_message)


def client_address(environ: Dict[str, Any]) -> str:
    """The socket's remote address. Sanic's engine.io driver puts a fixed 127.0.0.1 in REMOTE_ADDR, so it comes from
    the request: the proxy-reported address where Sanic is configured to trust a proxy, else the peer's."""
    request = environ.get("sanic.request")
    if request is not None:
        return str(request.remote_addr or request.ip or "")
    return str(environ.get("REMOTE_ADDR", ""))


def message_problem(data: Any, max_chars: int) -> Optional[str]:
    """Why a `user_uttered` payload is refused, or None when its message can go to Rasa."""
    if not isinstance(data, dict):
        return "a message is an object with a 'message' string"
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        return "'message' must be a non-empty string"
    if len(text) > max_chars:
        return f"'message' is at most {max_chars} characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as \ud800
        return "'message' is not valid text"
    return None


def page_metadata(value: Any) -> Dict[str, Any]:
    """The metadata the page sent (an object, or Rasa's older JSON string form); {} for anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    return dict(value) if isinstance(value, dict) else {}


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io input channel with conversations bound by ticket, capped messages and our output."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Rasa's settings, plus `max_message_chars` and `max_packet_bytes`."""
        channel = super().from_credentials(credentials)
        credentials = credentials or {}
        channel.max_message_chars = int(credentials.get("max_message_chars", MAX_MESSAGE_CHARS))
        channel.max_packet_bytes = int(credentials.get("max_packet_bytes", MAX_PACKET_BYTES))
        return channel

    def __init__(self, *args: Any, signer: Optional[SessionSigner] = None, **kwargs: Any) -> None:
        """Rasa's arguments; `signer` checks tickets (default: the secret shared with the web chat)."""
        super().__init__(*args, **kwargs)
        self.signer = signer
        self.max_message_chars = MAX_MESSAGE_CHARS
        self.max_packet_bytes = MAX_PACKET_BYTES

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Our output channel; before the socket.io server exists, Rasa's answer (a warning and None)."""
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def _jwt_allows(self, auth: Optional[Dict]) -> bool:
        """Rasa's optional JWT check on connecting (credentials `jwt_key`)."""
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server and its handlers (Rasa's, rewritten: its handlers trust the client's session id)."""
        # cors_allowed_origins=[]: as Rasa's; a socket from any page gets nothing without a ticket.
        # ping_timeout 60 s (engine.io's default is 20): under a burst of turns Rasa's loop can answer a ping late, and
        # a dropped socket loses the replies on their way to a shopper who is still there.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=self.max_packet_bytes,
                          ping_interval=25, ping_timeout=60)
        webhook = socketio.SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        guard_silence = SilentTurnGuard()  # a failed action still gets the shopper a reply (connectors/silent_turns.py)
        guard_silence.watch(webhook)
        on_new_message = guard_silence.wrap(on_new_message)
        signer = self.signer or shared_signer()
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self._jwt_allows(auth):
                return False
            await sio.save_session(sid, {"client_address": client_address(environ)}, namespace=namespace)
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            ticket = data.get("ticket") if isinstance(data, dict) else None
            granted = signer.conversation_from_ticket(ticket)
            if granted is None and ticket is not None:
                log.info("socket.io session_request with an invalid or expired ticket: starting a new conversation")
            conversation = granted or new_conversation_id()
            session = await sio.get_session(sid, namespace=namespace)
            previous = session.get("conversation_id")
            if previous and previous != conversation:
                sio.leave_room(sid, previous, namespace=namespace)
            if self.session_persistence:
                sio.enter_room(sid, conversation, namespace=namespace)
            await sio.save_session(sid, dict(session, conversation_id=conversation), namespace=namespace)
            await sio.emit("session_confirm", conversation, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            problem = message_problem(data, self.max_message_chars)
            session = await sio.get_session(sid, namespace=namespace)
            sender_id = session.get("conversation_id") if self.session_persistence else sid
            if problem is None and not sender_id:
                problem = "ask for a session first (session_request)"
            if problem is not None:
                await sio.emit(REFUSED_EVENT, {"error": problem}, room=sid, namespace=namespace)
                return
            metadata = page_metadata(data.get(self.metadata_key))
            metadata["client_address"] = session.get("client_address", "")
            message = UserMessage(data["message"], SocketIOOutput(sio, self.bot_message_evt), sender_id,
                                  input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(message)
            except Exception:  # one bad turn must not take the socket down with it
                log.exception("socket.io message from %s could not be handled", sender_id)

        return webhook
