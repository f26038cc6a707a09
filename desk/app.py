"""The desk's aiohttp application: security middleware, the agents' and services' APIs, the page, and the task
that follows Rasa's event broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from aiohttp import web
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk import agent_api, handoffs, service_api
from desk.db import connect, conversations
from desk.feed import open_feed
from desk.flow import HandoffFlow
from desk.live import LiveHub
from desk.rasa_api import RasaAPI, RasaUnavailable
from desk.security import install_sessions, middleware
from desk.state import DESK, Desk, Settings

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger(__name__)
# The page only runs our own files and talks only to this origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@web.middleware
async def errors(request: web.Request, handler):
    """Queue conflicts and Rasa outages as JSON with the right status; never a bare 500 page."""
    try:
        return await handler(request)
    except handoffs.HandoffError as error:
        return web.json_response({"error": str(error), **error.details}, status=error.status)
    except RasaUnavailable as error:
        log.warning("Rasa unavailable: %s", error)
        return web.json_response({"error": "the assistant server is unavailable, try again"}, status=503)


@web.middleware
async def headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path == "/":
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-cache"
    return response


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _seen(engine, conversation_id: str, at: float) -> None:
    """Count the conversation once (the handoff rate's denominator)."""
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with engine.begin() as db:
        db.execute(insert(conversations).values(conversation_id=conversation_id, first_seen=at, last_seen=at)
                   .on_conflict_do_nothing())


async def on_broker_event(d: Desk, event: dict) -> None:
    """A shopper's message in a handed-off conversation shows up on the desk; leaving the queue and rating act."""
    conversation = event.get("sender_id")
    if not isinstance(conversation, str):
        return
    if event.get("event") != "user":
        if event.get("event") == "bot" and handoffs.open_for(d.engine, conversation):
            d.hub.conversation_changed(conversation)
        return
    await asyncio.to_thread(_seen, d.engine, conversation, time.time())
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    open_handoff = handoffs.open_for(d.engine, conversation)
    if intent == "rate_conversation":
        ratings = [e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "rating"]
        try:
            rating = int(ratings[0])
        except (IndexError, TypeError, ValueError):
            return
        if 1 <= rating <= 5 and handoffs.rate(d.engine, conversation, rating):
            d.hub.inbox_changed("rated")
        return
    if open_handoff is None:
        return
    d.hub.conversation_changed(conversation)
    if intent == "handoff_cancel" and open_handoff["status"] == "waiting":
        await d.flow.shopper_left(open_handoff)


async def follow_broker(app: web.Application):
    d = app[DESK]
    feed = open_feed(d.settings.events_url, d.settings.events_queue, d.settings.feed_poll_s)

    async def run() -> None:
        while True:
            try:
                async for event in feed.events():
                    try:
                        await on_broker_event(d, event)
                    except Exception:  # one bad event must not stop the desk following the rest
                        log.exception("could not handle a broker event")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event broker feed failed; retrying")
                await asyncio.sleep(1)

    task = asyncio.create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await d.rasa.close()


def make_app(settings: Settings) -> web.Application:
    engine = connect(settings.database_url)
    rasa = RasaAPI(settings.rasa_url, settings.rasa_token)
    hub = LiveHub()
    d = Desk(settings=settings, engine=engine, rasa=rasa, hub=hub, flow=HandoffFlow(engine, rasa, hub))
    app = web.Application(client_max_size=64 * 1024)
    app[DESK] = d
    install_sessions(app, settings.secret_key, settings.secure_cookies)
    app.middlewares.extend([headers, errors, middleware(engine)])
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_static("/static/", STATIC, show_index=False)
    app.add_routes(agent_api.routes)
    app.add_routes(service_api.routes)
    app.cleanup_ctx.append(follow_broker)
    return app

