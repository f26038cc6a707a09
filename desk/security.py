"""Sign-in state for desk pages: an encrypted HttpOnly cookie session (aiohttp-session), a CSRF token per session,
and the middleware that refuses unauthenticated calls (401) and unsafe calls without the token (403)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Awaitable, Callable, Optional

from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from desk import accounts

AGENT = web.RequestKey("agent", accounts.Agent)
COOKIE = "tidepool_desk"
SESSION_HOURS = 12
# Reachable without signing in: the page itself, its files, and what the sign-in form needs.
PUBLIC = {("GET", "/"), ("GET", "/health"), ("GET", "/api/session"), ("POST", "/api/login")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def install_sessions(app: web.Application, secret: str, secure: bool) -> None:
    # Fernet needs 32 bytes; derive them from the configured secret, whatever its length.
    key = hashlib.sha256(secret.encode()).digest()  # 32 raw bytes; the storage base64-encodes them
    storage = EncryptedCookieStorage(key, cookie_name=COOKIE, httponly=True, secure=secure, samesite="Strict",
                                     max_age=SESSION_HOURS * 3600)
    setup_sessions(app, storage)


def json_error(status: int, message: str, **extra) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


async def _csrf_ok(request: web.Request) -> bool:
    session = await get_session(request)
    expected = session.get("csrf")
    given = request.headers.get("X-CSRF-Token", "")
    if not given and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = str((await request.post()).get("csrf_token", ""))
    return bool(expected) and hmac.compare_digest(str(expected), given)


def middleware(engine, service_paths: str = "/service/") -> Callable:
    @web.middleware
    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        path = request.path
        if path.startswith(service_paths) or path.startswith("/static/"):
            return await handler(request)  # the service API checks its bearer token itself
        if request.method in UNSAFE and not await _csrf_ok(request):
            return json_error(403, "csrf")
        if (request.method, path) in PUBLIC:
            return await handler(request)
        agent = await current_agent(request, engine)
        if agent is None:
            return json_error(401, "sign in")
        if path.startswith("/api/admin/") and agent.role != "admin":
            return json_error(403, "admins only")
        request[AGENT] = agent
        return await handler(request)

    return guard


async def current_agent(request: web.Request, engine) -> Optional[accounts.Agent]:
    session = await get_session(request)
    agent_id = session.get("agent_id")
    return accounts.by_id(engine, agent_id) if isinstance(agent_id, int) else None


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"
