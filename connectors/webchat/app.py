"""aiohttp app serving the web chat page; the browser talks to Rasa's socket.io channel directly and watches
answers being written through /live. Each browser owns the conversation this server issued it (sessions.py)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from connectors.webchat import attachments, bodies, config, demo, ratings, sessions
from shop.experiments import events as copy_events
from shop.identifiers import CONVERSATION_ID
from shop.session_tickets import SessionSigner, shared_signer

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
# Installed by `npm ci --prefix connectors/webchat`; served so the page needs no CDN.
SOCKETIO_JS = HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

MAX_MESSAGE_LENGTH = 1000
MAX_EVENT_BYTES = 2048  # one event is ~200 bytes
EVENT_FIELDS = {"conversation_id", "variant", "kind", "item_id", "element"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}

SETTINGS = web.AppKey("settings", dict)
CATALOG = web.AppKey("catalog", dict)  # the demo store's products, id -> record (connectors/webchat/demo.py)
WIDGET_JS = STATIC_DIR / "widget.js"
WIDGET_MAX_AGE_S = 86400  # the embed snippet is pasted once; a day of caching keeps store pages fast
# A frame-ancestors source: 'self' or a scheme://host[:port] origin (host may start with "*.").
FRAME_SOURCE = re.compile(r"'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?")


def frame_ancestors(sources: list[str]) -> str:
    """The CSP frame-ancestors value: the chat server itself plus the store sites allowed to embed the chat page
    (WEBCHAT_FRAME_ANCESTORS). A source that is not an origin is refused at start, not silently dropped."""
    bad = [s for s in sources if not FRAME_SOURCE.fullmatch(s)]
    if bad:
        raise ValueError(f"WEBCHAT_FRAME_ANCESTORS: {bad[0]!r} is not an origin like https://shop.example")
    return " ".join(dict.fromkeys(["'self'", *sources]))


def content_security_policy(socket_url: str, ancestors: str = "'self'") -> str:
    """The page's CSP: only our own scripts and styles run, and the page may connect only to itself and Rasa.

    Defence in depth against injected markup: the page never renders bot text as HTML in the first place.
    """
    origin = urlsplit(socket_url)
    ws_scheme = "wss" if origin.scheme == "https" else "ws"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https: http:",
            f"connect-src 'self' {origin.scheme}://{origin.netloc} {ws_scheme}://{origin.netloc}",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


async def index(request: web.Request) -> web.StreamResponse:
    """The chat page, uncached, with a CSP that lets it reach Rasa at its configured public URL. The request's Host
    header plays no part: anyone can send one."""
    socket_url = request.app[SETTINGS]["public_rasa_url"]
    return web.FileResponse(
        STATIC_DIR / "index.html",
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-cache",
            "Content-Security-Policy": content_security_policy(socket_url, request.app[SETTINGS]["frame_ancestors"]),
        },
    )


async def config_json(request: web.Request) -> web.Response:
    """/config.json, uncached: where the page finds Rasa's socket, the store's names and currency, the languages,
    the longest message allowed, and whether live answers are on."""
    settings = request.app[SETTINGS]
    page = {
        "socketUrl": settings["public_rasa_url"],
        "socketPath": settings["socketio_path"],
        # Rasa's CORS setup only covers HTTP; a websocket needs none, and skips polling round-trips.
        "transports": ["websocket"],
        "userMessageEvent": "user_uttered",
        "botMessageEvent": "bot_uttered",
        "storeName": {"en": settings["store_name"], "zh": settings["store_name_zh"]},
        "currency": config.store().currency,  # for prices whose card names no currency
        "languages": ["en", "zh"],
        "maxLength": MAX_MESSAGE_LENGTH,
        "liveAnswers": bool(settings["knowledge_url"]),
    }
    return web.json_response(page, headers={"Cache-Control": "no-cache"})


async def live_answer(request: web.Request) -> web.StreamResponse:
    """Relays the knowledge service's live view of this conversation's answers (server-sent events), so the page
    can show an answer while it is written; the checked answer still arrives over socket.io. Only to the browser
    that owns the conversation: 403 for any other."""
    knowledge_url = request.app[SETTINGS]["knowledge_url"]
    conversation = request.match_info["conversation_id"]
    if not knowledge_url:
        return _bad_event(404, "live answers are off")
    if not CONVERSATION_ID.fullmatch(conversation):
        return _bad_event(400, "bad conversation id")
    refused = sessions.refuse_unowned(request, conversation)
    if refused is not None:
        return refused
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(f"{knowledge_url}/answer/live/{conversation}") as upstream:
                if upstream.status != 200:
                    raise web.HTTPBadGateway(text=f"knowledge service answered {upstream.status}")
                response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                                       "Cache-Control": "no-cache"})
                await response.prepare(request)
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
                return response
    except aiohttp.ClientError:
        raise web.HTTPBadGateway(text="knowledge service unreachable") from None


async def widget_js(request: web.Request) -> web.StreamResponse:
    """The embeddable widget (one <script> tag on a store's pages), cacheable for a day."""
    return web.FileResponse(WIDGET_JS, headers={"Content-Type": "text/javascript; charset=utf-8",
                                                "Cache-Control": f"public, max-age={WIDGET_MAX_AGE_S}"})


def _demo_html(html: str) -> web.Response:
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-cache", "Content-Security-Policy": demo.PAGE_CSP})


async def demo_listing(request: web.Request) -> web.Response:
    """/demo/: the demo store's product listing, with the widget (?lang=zh, ?hostile=1, ?a11y=1)."""
    return _demo_html(demo.listing_page(request.app[CATALOG], demo.PageOptions.from_query(request.query)))


async def demo_product(request: web.Request) -> web.Response:
    """/demo/products/{id}: one product's page, which tells the widget its product id; 404 for unknown ids."""
    product = request.app[CATALOG].get(request.match_info["product_id"])
    if product is None:
        return web.json_response({"error": "unknown product"}, status=404)
    return _demo_html(demo.product_page(product, demo.PageOptions.from_query(request.query)))


def _demo_asset(body: str, content_type: str):
    async def asset(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type=content_type, charset="utf-8",
                            headers={"Cache-Control": "no-cache"})

    return asset


async def health(request: web.Request) -> web.Response:
    """200 "ok" when the socket.io client script is installed, 503 "degraded" when it is missing."""
    ok = SOCKETIO_JS.is_file()
    body = {"status": "ok" if ok else "degraded", "socketio_client": ok}
    return web.json_response(body, status=200 if ok else 503)


async def socketio_client(request: web.Request) -> web.StreamResponse:
    """The installed socket.io client script; 404 saying how to install it when it is missing."""
    if not SOCKETIO_JS.is_file():
        raise web.HTTPNotFound(text="socket.io client missing: run `npm ci --prefix connectors/webchat`")
    return web.FileResponse(SOCKETIO_JS, headers={"Content-Type": "text/javascript; charset=utf-8"})


def _bad_event(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def post_event(request: web.Request) -> web.Response:
    """Record a product card impression or click for the copy experiment (actions/card_copy.py).

    Body: {"conversation_id", "variant", "kind": "impression"|"click", "item_id", "element": "card"|"button"|"link"}
    as JSON (any content type: navigator.sendBeacon sends text/plain). 204 when stored; 400 bad JSON or fields;
    403 for a conversation this browser does not own; 409 when the conversation was not given that variant; 413 when
    the body is too big.
    """
    try:
        event = await bodies.json_object(request, MAX_EVENT_BYTES, "an event", EVENT_FIELDS, EVENT_FIELDS - {"element"})
    except bodies.BadBody as refused:
        return _bad_event(refused.status, str(refused))
    unowned = sessions.refuse_unowned(request, event["conversation_id"])
    if unowned is not None:
        return unowned
    try:
        await asyncio.to_thread(copy_events.record_event, request.app[SETTINGS]["events_db"], **event)
    except copy_events.NotAssigned as exc:
        return _bad_event(409, str(exc))
    except copy_events.EventError as exc:
        return _bad_event(400, str(exc))
    return web.Response(status=204)


@web.middleware
async def security_headers(request: web.Request, handler):
    """Adds nosniff and no-referrer headers to every response a handler returns, unless it set its own."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init(
    rasa_url: str,
    store_name: str | None = None,
    store_name_zh: str | None = None,
    socketio_path: str = "/socket.io",
    knowledge_url: str | None = None,
    events_db: Path | None = None,
    frame_ancestors_sources: list[str] | None = None,
    catalog_path: Path | None = None,
    public_rasa_url: str | None = None,
    session_secret: str | None = None,
) -> web.Application:
    """Build the web chat app; `rasa_url` is Rasa's base URL, e.g. http://127.0.0.1:5005. With `knowledge_url`
    the page shows product and policy answers while they are generated. The store's names default to store.yml's.
    `events_db` is the copy experiment's SQLite file (default COPY_EVENTS_DB, shared with the action server).
    `frame_ancestors_sources` are the store sites that may frame the chat page (default WEBCHAT_FRAME_ANCESTORS);
    `catalog_path` is the demo store's catalogue (default catalog.jsonl in STORE_DATA_DIR). `public_rasa_url` is
    where browsers reach Rasa's socket.io (default WEBCHAT_PUBLIC_RASA_URL, else `rasa_url`). `session_secret` signs
    the conversation cookies and socket.io tickets, and must be Rasa's channel's too (default WEBCHAT_SESSION_SECRET,
    else data/.webchat-session-secret)."""
    app = web.Application(middlewares=[security_headers])
    app[SETTINGS] = {
        "rasa_url": rasa_url.rstrip("/"),
        "public_rasa_url": (public_rasa_url or config.PUBLIC_RASA_URL or rasa_url).rstrip("/"),
        "store_name": store_name or config.store().name,
        "store_name_zh": store_name_zh or (config.store().name_zh if not store_name else store_name),
        "socketio_path": socketio_path,
        "knowledge_url": (knowledge_url or "").rstrip("/"),
        "events_db": Path(events_db or config.COPY_EVENTS_DB),
        "frame_ancestors": frame_ancestors(
            config.FRAME_ANCESTORS if frame_ancestors_sources is None else frame_ancestors_sources),
    }
    app[CATALOG] = demo.load_catalog(Path(catalog_path or config.STORE_DATA_DIR / "catalog.jsonl"))
    # Store sites other than this server that frame the chat make its iframe cross-site (see sessions.py).
    framed_cross_site = app[SETTINGS]["frame_ancestors"] != "'self'"
    sessions.add_routes(app, SessionSigner(session_secret) if session_secret else shared_signer(), framed_cross_site)
    # Photos a shopper attaches, and end-of-conversation ratings (issue 14); before the static route below.
    attachments.add_routes(app)
    ratings.add_routes(app)
    app.router.add_routes(
        [
            web.get("/", index),
            web.get("/config.json", config_json),
            web.get("/health", health),
            web.get("/live/{conversation_id}", live_answer),
            web.post("/api/events", post_event),
            # The embeddable widget and the demo store that shows it (issue 14).
            web.get("/widget.js", widget_js),
            web.get("/demo/", demo_listing),
            web.get("/demo/products/{product_id}", demo_product),
            web.get("/demo/store.css", _demo_asset(demo.STORE_CSS, "text/css")),
            web.get("/demo/hostile.css", _demo_asset(demo.HOSTILE_CSS, "text/css")),
            web.get("/demo/store.js", _demo_asset(demo.STORE_JS, "text/javascript")),
            # Before the static route, which would otherwise claim the whole /static prefix.
            web.get("/static/vendor/socket.io.min.js", socketio_client),
            web.static("/static", STATIC_DIR),
        ]
    )
    return app
