"""The desk's API for our own services: the action server files a handoff here (bearer token, shared secret)."""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from desk import handoffs, hours
from desk.state import DESK

routes = web.RouteTableDef()
LANGUAGES = {"en", "zh"}


def _authorised(request: web.Request) -> bool:
    expected = request.app[DESK].settings.service_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _field(data: dict, name: str, limit: int, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str) or len(value) > limit:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"{name} must be a string of at most {limit} characters"}),
                                 content_type="application/json")
    return value


def _one_of(value, allowed: set) -> bool:
    """`value in allowed` for any JSON value (a list or object is unhashable, and was a 500)."""
    return isinstance(value, str) and value in allowed


@routes.post("/service/handoffs")
async def request_handoff(request: web.Request) -> web.Response:
    """{"conversation_id", "reason", "language", "channel", "tier", "summary"} → the conversation's place in the
    queue, or "unavailable" with why (the store is closed, or no agent is online) so the bot stays with the shopper.
    """
    if not _authorised(request):
        return web.json_response({"error": "unauthorised"}, status=401)
    d = request.app[DESK]
    try:
        data = await request.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        data = None
    if not isinstance(data, dict):
        return web.json_response({"error": "the body must be a JSON object"}, status=400)
    conversation_id = _field(data, "conversation_id", 255)
    if not conversation_id:
        return web.json_response({"error": "conversation_id is required"}, status=400)
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
    fields = dict(conversation_id=conversation_id, reason=_field(data, "reason", 120, "asked") or "asked",
                  language=data["language"] if _one_of(data.get("language"), LANGUAGES) else "en",
                  channel=_field(data, "channel", 64, "unknown") or "unknown",
                  tier=_field(data, "tier", 32, "none") or "none", summary=summary)
    existing = handoffs.open_for(d.engine, conversation_id)
    if existing:
        return web.json_response({"status": existing["status"], "handoff_id": existing["id"],
                                  "position": handoffs.position(d.engine, existing["id"]),
                                  "agent": (existing["agent"] or {}).get("name")})
    why = None
    if not hours.is_open(d.settings.open_hours, d.settings.store_data_dir / "store.yml"):
        why = "closed"
    elif not d.online_agents():
        why = "no_agent"
    if why:
        handoff = handoffs.create(d.engine, status="unavailable", ticket_id=_field(data, "ticket_id", 64) or None,
                                  **fields)
        d.hub.inbox_changed("unavailable")
        return web.json_response({"status": "unavailable", "why": why, "handoff_id": handoff["id"]})
    handoff = handoffs.create(d.engine, **fields)
    d.hub.inbox_changed("waiting")
    return web.json_response({"status": "waiting", "handoff_id": handoff["id"],
                              "position": handoffs.position(d.engine, handoff["id"]),
                              "agents_online": len(d.online_agents())})
