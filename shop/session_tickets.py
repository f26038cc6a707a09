"""Web chat conversations bound to the browser that started them.

The web chat server issues each conversation id and signs it into an HttpOnly cookie; the page trades that cookie for
a short-lived ticket, which it shows Rasa's socket.io channel to join its conversation. Both sides share one secret
(WEBCHAT_SESSION_SECRET, else an owner-only file made on first use), so the channel can check a ticket without
calling the web chat. Nobody can join a conversation by knowing its id alone.

Stdlib only and Python 3.10 compatible: the web chat (.venv) and the Rasa channel (.venv-rasa) both import it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from pathlib import Path
from typing import Optional, Union

from shop.identifiers import CONVERSATION_ID
from shop.secrets import shared_secret

SECRET_ENV = "WEBCHAT_SESSION_SECRET"
SECRET_FILE = Path(__file__).resolve().parents[1] / "data" / ".webchat-session-secret"
TICKET_TTL_S = 120  # the page asks for a ticket right before each (re)connection
MAX_TOKEN_LENGTH = 512  # longer than any cookie or ticket we make; refused before any work
# A cookie and a ticket are signed for different purposes, so one can never stand in for the other.
COOKIE_PURPOSE = b"webchat-cookie"
TICKET_PURPOSE = b"webchat-ticket"


def new_conversation_id() -> str:
    """A fresh conversation id: 128 random bits in hex, the form Rasa's socket.io channel uses."""
    return uuid.uuid4().hex


def _urlsafe(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class SessionSigner:
    """Signs and checks conversation cookies and tickets with HMAC-SHA256 under one secret."""

    def __init__(self, secret: Union[str, bytes], ticket_ttl_s: int = TICKET_TTL_S) -> None:
        key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if len(key) < 16:
            raise ValueError(f"the web chat session secret is too short: set {SECRET_ENV} to 16 characters or more")
        self._key = key
        self.ticket_ttl_s = ticket_ttl_s

    def _mac(self, purpose: bytes, *parts: str) -> str:
        message = b"|".join([purpose, *(part.encode("ascii") for part in parts)])
        return _urlsafe(hmac.new(self._key, message, hashlib.sha256).digest())

    def cookie(self, conversation_id: str) -> str:
        """The cookie value binding a browser to `conversation_id`."""
        _check_id(conversation_id)
        return f"{conversation_id}.{self._mac(COOKIE_PURPOSE, conversation_id)}"

    def conversation_from_cookie(self, value: object) -> Optional[str]:
        """The conversation id a cookie value binds, or None when it is missing, malformed or forged."""
        parts = _split(value, 2)
        if parts is None:
            return None
        conversation_id, mac = parts
        return conversation_id if hmac.compare_digest(mac, self._mac(COOKIE_PURPOSE, conversation_id)) else None

    def ticket(self, conversation_id: str, now: Optional[float] = None) -> str:
        """A ticket that lets one socket.io connection join `conversation_id` for the next `ticket_ttl_s` seconds."""
        _check_id(conversation_id)
        expires = str(int(time.time() if now is None else now) + self.ticket_ttl_s)
        return f"{conversation_id}.{expires}.{self._mac(TICKET_PURPOSE, conversation_id, expires)}"

    def conversation_from_ticket(self, ticket: object, now: Optional[float] = None) -> Optional[str]:
        """The conversation id a ticket grants, or None when it is missing, malformed, forged or expired."""
        parts = _split(ticket, 3)
        if parts is None:
            return None
        conversation_id, expires, mac = parts
        if not expires.isdigit() or not hmac.compare_digest(mac, self._mac(TICKET_PURPOSE, conversation_id, expires)):
            return None
        now = time.time() if now is None else now
        # A signed expiry further ahead than we ever issue would mean the secret leaked or the clock jumped.
        if not now <= int(expires) <= now + self.ticket_ttl_s + 60:
            return None
        return conversation_id


def shared_signer() -> SessionSigner:
    """The signer both the web chat and the Rasa channel use: WEBCHAT_SESSION_SECRET, else data/'s owner-only file."""
    return SessionSigner(shared_secret(SECRET_ENV, SECRET_FILE))


def _check_id(conversation_id: str) -> None:
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.fullmatch(conversation_id):
        raise ValueError("not a conversation id")


def _split(value: object, count: int) -> Optional[list]:
    """`value` split at dots into `count` ASCII parts, the first a conversation id; None for anything else."""
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH or not value.isascii():
        return None
    parts = value.split(".")
    if len(parts) != count or not CONVERSATION_ID.fullmatch(parts[0]):
        return None
    return parts
