"""The desk's API for signed-in agents (contract: docs/desk-api.md)."""

from __future__ import annotations

import asyncio
import json
import time
from aiohttp import web
from aiohttp_session import get_session, new_session
from sqlalchemy import insert, select

from desk import accounts, assistant, handoffs, messages, metrics, store_view, transcript
from desk.db import agents as agent_table
from desk.db import drafts, notes
from desk.db import handoffs as handoff_table
from desk.security import AGENT, client_address, csrf_token, json_error
from desk.state import DESK, Desk
from shop.store import store

MAX_REPLY = 4000
ADDRESS_FACTOR = 6  # sign-in failures allowed per client address, as a multiple of those per e-mail
PING_S = 15.0

routes = web.RouteTableDef()


def desk(request: web.Request) -> Desk:
    return request.app[DESK]


async def body(request: web.Request) -> dict:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise web.HTTPBadRequest(text=json.dumps({"error": "the body must be a JSON object"}),
                                 content_type="application/json") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "the body must be a JSON object"}),
                                 content_type="application/json")
    return data


def row_id(value) -> int | None:
    """A database row id, or None: an integer a SQL INTEGER holds (a bigger one made the driver raise)."""
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63 else None


def not_found(what: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=json.dumps({"error": f"no such {what}"}), content_type="application/json")


def handoff_id(request: web.Request) -> int:
    found = row_id(request.match_info["handoff_id"])
    if found is None:
        raise not_found("handoff")
    return found


def labelled(d: Desk, handoff: dict) -> dict:
    return {**handoff, "reason_label": d.reason_label(handoff["reason"])}


# --- sign-in -------------------------------------------------------------------------------------------------

@routes.get("/api/session")
async def session_info(request: web.Request) -> web.Response:
    d = desk(request)
    session = await get_session(request)
    agent = accounts.by_id(d.engine, session["agent_id"]) if isinstance(session.get("agent_id"), int) else None
    return web.json_response({"agent": agent.public(agent.id in d.hub.online()) if agent else None,
                              "csrf_token": await csrf_token(request)})


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    d = desk(request)
    data = await body(request)
    email, password = str(data.get("email", ""))[:320].strip().lower(), str(data.get("password", ""))[:1024]
    # Few tries per account (guessing one password), more per address (an office shares one address).
    limits = {f"email:{email}": d.settings.login_attempts,
              f"ip:{client_address(request)}": d.settings.login_attempts * ADDRESS_FACTOR}
    keys = list(limits)
    allowed, wait_s = accounts.attempts_left(d.engine, limits, d.settings.login_window_s)
    if not allowed:
        return web.json_response({"error": "too many attempts", "retry_after_s": round(wait_s)}, status=429,
                                 headers={"Retry-After": str(round(wait_s))})
    agent = await asyncio.to_thread(accounts.verify, d.engine, email, password)
    if agent is None:
        accounts.record_failure(d.engine, keys)
        return json_error(401, "wrong email or password")
    accounts.clear_failures(d.engine, keys[0])
    session = await new_session(request)  # a fresh session id: no fixation
    session["agent_id"] = agent.id
    return web.json_response({"agent": agent.public(agent.id in d.hub.online()),
                              "csrf_token": await csrf_token(request)})


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    (await get_session(request)).invalidate()
    return web.Response(status=204)


# --- live updates ----------------------------------------------------------------------------------------------

@routes.get("/api/stream")
async def stream(request: web.Request) -> web.StreamResponse:
    d, agent = desk(request), request[AGENT]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    queue = d.hub.subscribe(agent.id)
    accounts.seen(d.engine, agent.id, time.time())
    d.hub.inbox_changed("agent online")
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), timeout=PING_S)
                await response.write(message.encode())
            except asyncio.TimeoutError:
                accounts.seen(d.engine, agent.id, time.time())
                await response.write(b": ping\n\n")
    except ConnectionResetError:  # the page went away while we wrote; a cancellation (page closed) propagates
        pass
    finally:
        if d.hub.unsubscribe(agent.id, queue):
            accounts.seen(d.engine, agent.id, 0.0)
            d.hub.inbox_changed("agent offline")
    return response


# --- inbox and conversations -----------------------------------------------------------------------------------

@routes.get("/api/inbox")
async def inbox(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    return web.json_response({
        "waiting": [labelled(d, h) for h in handoffs.waiting(d.engine)],
        "mine": [labelled(d, h) for h in handoffs.owned_by(d.engine, agent.id)],
        "closed": [labelled(d, h) for h in handoffs.recently_closed(d.engine)],
        "agents_online": len(d.online_agents()),
    })


@routes.get("/api/conversations/{conversation_id}")
async def conversation(request: web.Request) -> web.Response:
    d = desk(request)
    conversation_id = request.match_info["conversation_id"]
    handoff = handoffs.latest_for(d.engine, conversation_id)
    if handoff is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "no handoff for this conversation"}),
                               content_type="application/json")
    tracker = await d.rasa.tracker(conversation_id)
    with d.engine.connect() as db:
        rows = db.execute(select(notes.c.text, notes.c.created_at, agent_table.c.name)
                          .select_from(notes.join(agent_table, agent_table.c.id == notes.c.agent_id))
                          .where(notes.c.handoff_id.in_(
                              select(handoff_table.c.id).where(handoff_table.c.conversation_id == conversation_id)))
                          ).all()
    internal = [{"text": r.text, "at": r.created_at, "agent": r.name} for r in rows]
    panel = await asyncio.to_thread(store_view.side_panel, conversation_id, tracker.get("slots") or {})
    return web.json_response({"handoff": labelled(d, handoff), "transcript": transcript.build(tracker, internal),
                              **panel}, dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))


# Photos shoppers shared (issue 14): only a signed-in agent (the guard in security.py), only a photo of a
# conversation that was handed to the desk, and never cached by the browser beyond the agent's session.
@routes.get("/api/attachments/{attachment_id}")
async def attachment(request: web.Request) -> web.Response:
    d = desk(request)
    attachment_id = request.match_info["attachment_id"]
    photo = await asyncio.to_thread(store().attachment, attachment_id)
    if photo is None or handoffs.latest_for(d.engine, photo.conversation_id) is None:
        return json_error(404, "no such photo")
    found = await asyncio.to_thread(store().read_attachment, photo.id)
    if found is None:
        return json_error(404, "no such photo")
    content_type, data = found
    return web.Response(body=data, content_type=content_type,
                        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline",
                                 "X-Content-Type-Options": "nosniff"})


@routes.post("/api/handoffs/{handoff_id}/claim")
async def claim(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    handoff = handoffs.claim(d.engine, handoff_id(request), agent.id)
    await d.flow.joined(handoff, agent.name)
    return web.json_response(labelled(d, handoff))


@routes.post("/api/handoffs/{handoff_id}/transfer")
async def transfer(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    data = await body(request)
    target_id = row_id(data.get("agent_id"))
    target = accounts.by_id(d.engine, target_id) if target_id is not None else None
    if target is None:
        return json_error(400, "agent_id must name an active agent")
    handoff = handoffs.transfer(d.engine, handoff_id(request), agent.id, target.id, agent.role == "admin")
    await d.flow.transferred(handoff, target.name)
    return web.json_response(labelled(d, handoff))


def _text(data: dict) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise web.HTTPBadRequest(text=json.dumps({"error": "text must be a non-empty string"}),
                                 content_type="application/json")
    if len(text) > MAX_REPLY:
        raise web.HTTPRequestEntityTooLarge(MAX_REPLY, len(text),
                                            text=json.dumps({"error": f"at most {MAX_REPLY} characters"}),
                                            content_type="application/json")
    return text.strip()


@routes.post("/api/handoffs/{handoff_id}/messages")
async def send_message(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    data = await body(request)
    text = _text(data)
    handoff = handoffs.check_owner(d.engine, handoff_id(request), agent.id, agent.role == "admin")
    product = None
    if data.get("product_id"):
        product = store_view.product(str(data["product_id"]))
        if product is None:
            return json_error(400, "no such product")
    await d.flow.agent_says(handoff, agent.name, text, product)
    handoffs.responded(d.engine, handoff["id"])
    if row_id(data.get("draft_id")) is not None:
        assistant.settle(d.engine, data["draft_id"], handoff["id"], text)
    return web.json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/notes")
async def add_note(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    text = _text(await body(request))
    handoff = handoffs.get(d.engine, handoff_id(request))
    with d.engine.begin() as db:
        db.execute(insert(notes).values(handoff_id=handoff["id"], agent_id=agent.id, text=text,
                                        created_at=time.time()))
    d.hub.conversation_changed(handoff["conversation_id"])
    return web.json_response({"ok": True})


@routes.get("/api/resolutions")
async def resolutions(request: web.Request) -> web.Response:
    return web.json_response(messages.RESOLUTIONS)


@routes.post("/api/handoffs/{handoff_id}/close")
async def close(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    resolution = (await body(request)).get("resolution")
    if resolution not in messages.RESOLUTION_CODES:
        return json_error(400, "resolution must be one of " + ", ".join(sorted(messages.RESOLUTION_CODES)))
    handoff = handoffs.close(d.engine, handoff_id(request), agent.id, resolution, agent.role == "admin")
    await d.flow.handed_back(handoff, agent.name)
    return web.json_response(labelled(d, handoff))


@routes.post("/api/handoffs/{handoff_id}/draft")
async def draft(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    handoff = handoffs.check_owner(d.engine, handoff_id(request), agent.id, agent.role == "admin")
    tracker = await d.rasa.tracker(handoff["conversation_id"])
    question = transcript.latest_question(tracker)
    if not question:
        return json_error(409, "the shopper has not asked anything yet")
    try:
        answer = await assistant.ask_knowledge(d.settings.knowledge_url, question, handoff["language"],
                                               transcript.history(tracker, question))
    except assistant.AssistantUnavailable as error:
        return json_error(503, str(error))
    return web.json_response(assistant.save(d.engine, handoff["id"], agent.id, question, answer),
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.post("/api/drafts/{draft_id}/discard")
async def discard(request: web.Request) -> web.Response:
    d, agent = desk(request), request[AGENT]
    draft_id = row_id(request.match_info["draft_id"])
    if draft_id is None:
        raise not_found("draft")
    with d.engine.connect() as db:
        row = db.execute(select(drafts).where(drafts.c.id == draft_id,
                                                        drafts.c.agent_id == agent.id)).first()
    if row is None:
        raise not_found("draft")
    assistant.settle(d.engine, draft_id, row.handoff_id, None)
    return web.Response(status=204)


# --- reply helpers ---------------------------------------------------------------------------------------------

@routes.get("/api/canned")
async def canned(request: web.Request) -> web.Response:
    d = desk(request)
    language = "zh" if request.query.get("language") == "zh" else "en"
    return web.json_response([{"id": r["id"], "title": r["title"][language], "text": r["text"][language]}
                              for r in d.canned_replies()], dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.get("/api/products")
async def products(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    found = await asyncio.to_thread(store_view.find_products, query) if query else []
    return web.json_response(found, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.get("/api/agents")
async def agent_list(request: web.Request) -> web.Response:
    d = desk(request)
    online = d.online_agents()
    return web.json_response([a.public(a.id in online) for a, _ in accounts.all_agents(d.engine)])


@routes.get("/api/admin/metrics")
async def admin_metrics(request: web.Request) -> web.Response:
    d = desk(request)
    return web.json_response(metrics.compute(d.engine, d.online_agents()))

