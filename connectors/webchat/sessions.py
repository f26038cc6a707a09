"""Which conversation this browser owns: the web chat issues conversation ids and binds each to its browser.

`POST /api/session` gives the page its conversation id, from a signed HttpOnly cookie (made on the first call, or
fresh with `{"new": true}`), plus a short-lived ticket the page shows Rasa's socket.io channel to join it
(connectors/rasa_socketio.py checks it with the same secret, shop/session_tickets.py). The side routes that name a
conversation (/live, /api/events, /api/rating, /api/attachments) answer 403 for one the cookie does not bind.

The cookie is SameSite=Strict: no other site's page can make the browser send it. A store whose pages are on another
site embeds the chat in a cross-site iframe (static/widget.js), where browsers send neither Strict nor Lax cookies;
when the operator names such store sites (WEBCHAT_FRAME_ANCESTORS) the cookie is SameSite=None; Secure; Partitioned
instead: sent inside the store's iframe, kept per top-level store site (CHIPS, so it tracks nobody across sites),
and HTTPS only. Cross-site requests still cannot use it: /api/session needs a JSON content type, which another
origin can only send after a CORS preflight this server never grants, and the other routes need the id it returns.
"""

from __future__ import annotations

from typing import Optional

from aiohttp import web

from connectors.webchat import bodies
from shop.identifiers import CONVERSATION_ID
from shop.session_tickets import SessionSigner, new_conversation_id

COOKIE = "tidepool_chat"
COOKIE_MAX_AGE_S = 30 * 86400  # renewed on every visit: a conversation is kept while the shopper keeps coming back
MAX_SESSION_BYTES = 256
SIGNER = web.AppKey("session_signer", SessionSigner)
CROSS_SITE = web.AppKey("session_cookie_cross_site", bool)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def owned_conversation(request: web.Request) -> Optional[str]:
    """The conversation id this browser's cookie binds, or None (no cookie, or a forged one)."""
    return request.app[SIGNER].conversation_from_cookie(request.cookies.get(COOKIE))


def refuse_unowned(request: web.Request, conversation_id: object) -> Optional[web.Response]:
    """A 403 when `conversation_id` is a conversation id this browser does not own; None otherwise (ids that are not
    conversation ids at all are left to the caller's own checks, which answer 400)."""
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.fullmatch(conversation_id):
        return None
    if conversation_id != owned_conversation(request):
        return _error(403, "this conversation belongs to another browser")
    return None


def _set_cookie(request: web.Request, response: web.Response, conversation_id: str) -> None:
    # Written out: Python 3.11's http.cookies knows no Partitioned attribute. The value is cookie-safe as it stands
    # (hex, a dot and URL-safe base64).
    attributes = [f"{COOKIE}={request.app[SIGNER].cookie(conversation_id)}", f"Max-Age={COOKIE_MAX_AGE_S}", "Path=/",
                  "HttpOnly"]
    if request.app[CROSS_SITE]:
        attributes += ["Secure", "SameSite=None", "Partitioned"]
    else:
        attributes += (["Secure"] if request.secure else []) + ["SameSite=Strict"]
    response.headers.add("Set-Cookie", "; ".join(attributes))


async def post_session(request: web.Request) -> web.Response:
    """Body: {} or {"new": true} as JSON (Content-Type application/json). 200 {"conversation_id", "ticket",
    "ticket_expires_in"} with the cookie set (renewed); 400 bad body; 415 another content type."""
    if request.content_type != "application/json":
        return _error(415, "send Content-Type: application/json")
    try:
        body = await bodies.json_object(request, MAX_SESSION_BYTES, "a session request", {"new"}, ())
    except bodies.BadBody as refused:
        return _error(refused.status, str(refused))
    fresh = body.get("new", False)
    if not isinstance(fresh, bool):
        return _error(400, "new must be true or false")
    conversation_id = None if fresh else owned_conversation(request)
    conversation_id = conversation_id or new_conversation_id()
    signer = request.app[SIGNER]
    answer = {"conversation_id": conversation_id, "ticket": signer.ticket(conversation_id),
              "ticket_expires_in": signer.ticket_ttl_s}
    response = web.json_response(answer, headers={"Cache-Control": "no-store"})
    _set_cookie(request, response, conversation_id)
    return response


def add_routes(app: web.Application, signer: SessionSigner, cross_site: bool) -> None:
    """Adds POST /api/session; `cross_site` when store pages on other sites frame the chat (see the module's doc)."""
    app[SIGNER] = signer
    app[CROSS_SITE] = cross_site
    app.router.add_routes([web.post("/api/session", post_session)])
