"""The aiohttp service: one process owns the model and the index.
Routes: /answer, /answer/stream, /answer/live/{conversation_id}, /search, /recommend, /health."""
from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web
from langchain_core.language_models.chat_models import BaseChatModel

from shop.language import document_language

from .answer import ROUTES, Answerer, build_answerer
from .config import Settings
from .recommend import Recommender, UnknownProduct

ANSWERER = web.AppKey("answerer", Answerer)
RECOMMENDER = web.AppKey("recommender", Recommender)
LIVE = web.AppKey("live", dict)  # conversation id -> the queues of its live watchers
LIVE_KEEPALIVE_S = 20
MAX_BODY = 64 * 1024
MAX_QUESTION = 1000
MAX_HISTORY = 20
PRODUCT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 with the JSON body {"error": message}, to raise."""
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every error is a JSON object; an oversized body is a plain bad request."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        raise bad_request(f"body larger than {MAX_BODY // 1024} KiB") from None
    except web.HTTPMethodNotAllowed as exc:  # GET on a POST route, OPTIONS: say which methods work
        raise web.HTTPMethodNotAllowed(exc.method, exc.allowed_methods, content_type="application/json",
                                       text=json.dumps({"error": f"use {', '.join(sorted(exc.allowed_methods))}"})
                                       ) from None
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        raise type(exc)(text=json.dumps({"error": exc.reason}), content_type="application/json") from None


async def read_json(request: web.Request) -> dict:
    """The body as a JSON object, else a bad request."""
    raw = await request.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise bad_request("body must be a UTF-8 JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body


def text_field(body: dict, *names: str) -> str:
    """The first of `names` present in the body: a non-empty string of at most MAX_QUESTION characters that
    is not binary data, else a bad request."""
    value = next((body[n] for n in names if n in body), None)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{names[0]}' must be a non-empty string")
    if len(value) > MAX_QUESTION:
        raise bad_request(f"'{names[0]}' is longer than {MAX_QUESTION} characters")
    if sum(not (c.isprintable() or c.isspace()) for c in value) > len(value) // 10:
        raise bad_request(f"'{names[0]}' looks like binary data")
    return value


async def parse_question(request: web.Request) -> tuple[str, str | None, list, str | None, str | None]:
    """(question, lang, history, conversation_id, product_id) of an /answer body, each checked, else a bad request.
    `product_id` is the product page the shopper is on (the web chat widget sends it), optional."""
    body = await read_json(request)
    question = text_field(body, "question")
    lang = body.get("lang")
    if lang not in (None, "en", "zh"):
        raise bad_request("'lang' must be 'en' or 'zh'")
    history = body.get("history") or []
    if not isinstance(history, list) or len(history) > MAX_HISTORY or not all(
            isinstance(h, dict) and isinstance(h.get("content", ""), str) and len(h.get("content", "")) <= 2000
            for h in history):
        raise bad_request(f"'history' must be a list of at most {MAX_HISTORY} {{role, content}} objects")
    conversation = body.get("conversation_id")
    if conversation is not None and not valid_conversation_id(conversation):
        raise bad_request("'conversation_id' must be a string of 1-128 letters, digits, '-' or '_'")
    product_id = body.get("product_id")
    if product_id is not None and not (isinstance(product_id, str) and PRODUCT_ID.fullmatch(product_id)):
        raise bad_request("'product_id' must be a product id: 1-64 letters, digits, '-', '_' or '.'")
    return question, lang, history, conversation, product_id


def valid_conversation_id(value) -> bool:
    """1-128 letters, digits, '-' or '_'."""
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,128}", value) is not None


async def generate(answerer: Answerer, question: str, lang: str | None, history: list,
                   product_id: str | None = None) -> AsyncIterator[dict]:
    """The answerer's events as they come. Generation runs in a thread and stops when the consumer goes away."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    stop = threading.Event()

    def produce():
        events = answerer.stream(question, lang, history, product_id)
        try:
            for event in events:
                loop.call_soon_threadsafe(queue.put_nowait, event)
                if stop.is_set():
                    break
        except Exception as exc:  # handed to the consumer as an error event
            loop.call_soon_threadsafe(queue.put_nowait, {"type": "error", "error": str(exc)})
        finally:
            events.close()
            loop.call_soon_threadsafe(queue.put_nowait, None)

    worker = asyncio.create_task(asyncio.to_thread(produce))
    try:
        while (event := await queue.get()) is not None:
            yield event
    finally:
        stop.set()
        await worker


def sse(event: dict) -> bytes:
    """One server-sent event: the event type as its name, the rest as JSON data."""
    data = {k: v for k, v in event.items() if k != "type"}
    return f"event: {event['type']}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def publish(app: web.Application, conversation: str | None, event: dict) -> None:
    """Hands an answer event to whoever watches this conversation live (the web chat); slow watchers miss tokens."""
    for queue in app[LIVE].get(conversation, ()):
        if not queue.full():
            queue.put_nowait(dict(event))  # a copy: the caller goes on using its own


async def answer(request: web.Request) -> web.Response:
    """The checked answer as one JSON object. With a conversation_id, its tokens are also shown live (see live)."""
    question, lang, history, conversation, product_id = await parse_question(request)
    final: dict = {}
    async for event in generate(request.app[ANSWERER], question, lang, history, product_id):
        publish(request.app, conversation, event)
        final = event
    if final.get("type") != "final":
        raise web.HTTPInternalServerError(text=json.dumps({"error": final.get("error", "no answer")}),
                                          content_type="application/json")
    final = {k: v for k, v in final.items() if k != "type"}
    return web.json_response(final, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def answer_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `token` events while generating, then one `final` event with the checked answer."""
    question, lang, history, _, product_id = await parse_question(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    async for event in generate(request.app[ANSWERER], question, lang, history, product_id):
        await response.write(sse(event))
    await response.write_eof()
    return response


async def live(request: web.Request) -> web.StreamResponse:
    """Server-sent events of the answers generated for one conversation while Rasa waits for them, so a chat
    window can show the answer as it is written. The checked answer still arrives through the chat channel."""
    conversation = request.match_info["conversation_id"]
    if not valid_conversation_id(conversation):
        raise bad_request("bad conversation id")
    queue: asyncio.Queue = asyncio.Queue(maxsize=2000)
    watchers = request.app[LIVE].setdefault(conversation, set())
    watchers.add(queue)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    try:
        await response.prepare(request)
        await response.write(b": watching\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), LIVE_KEEPALIVE_S)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")  # also notices a browser that went away
                continue
            await response.write(sse(event))
    finally:
        watchers.discard(queue)
        if not watchers:
            request.app[LIVE].pop(conversation, None)


async def search(request: web.Request) -> web.Response:
    """The index's top k chunks for a query (hybrid, dense or BM25), with their scores and metadata."""
    body = await read_json(request)
    query = text_field(body, "query", "question")
    k, mode, lang = body.get("k", 5), body.get("mode", "hybrid"), body.get("lang")
    if not isinstance(k, int) or not 1 <= k <= 50 or mode not in ("hybrid", "dense", "bm25"):
        raise bad_request("'k' must be 1-50 and 'mode' one of hybrid, dense, bm25")
    if lang not in ("en", "zh"):
        lang = document_language(query)
    hits = await asyncio.to_thread(request.app[ANSWERER].index.search, query, k, lang, mode)
    results = [{"chunk_id": h.id, "text": h.text, "score": round(h.score, 4), **h.meta} for h in hits]
    return web.json_response({"results": results}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


HINT_KEYS = ("category", "color", "size", "brand", "price")
PROFILE_LISTS = ("categories", "brands", "colors", "sizes", "uses")


def valid_profile(profile) -> bool:
    """A /recommend profile: lists of at most 50 strings under known keys, and a numeric or null budget_max."""
    if not isinstance(profile, dict) or set(profile) - set(PROFILE_LISTS) - {"budget_max"}:
        return False
    budget = profile.get("budget_max")
    lists_ok = all(isinstance(profile.get(k, []), list) and len(profile.get(k, [])) <= 50
                   and all(isinstance(v, str) for v in profile.get(k, [])) for k in PROFILE_LISTS)
    return lists_ok and (budget is None or isinstance(budget, (int, float)) and not isinstance(budget, bool))


async def recommend(request: web.Request) -> web.Response:
    """Product suggestions for a shopper's message (see knowledge/recommend/ and the README for the contract)."""
    body = await read_json(request)
    mode, product_id = body.get("mode", "search"), body.get("product_id")
    if mode not in ("search", "similar", "complements"):
        raise bad_request("'mode' must be one of search, similar, complements")
    if product_id is not None and (not isinstance(product_id, str) or not 0 < len(product_id) <= 100):
        raise bad_request("'product_id' must be a product id string")
    if mode != "search" and not product_id:
        raise bad_request(f"mode '{mode}' needs a 'product_id'")
    message = text_field(body, "message") if mode == "search" and not product_id else body.get("message") or ""
    if not isinstance(message, str) or len(message) > MAX_QUESTION:
        raise bad_request(f"'message' must be a string of at most {MAX_QUESTION} characters")
    lang, limit = body.get("lang"), body.get("limit", 3)
    if lang not in (None, "en", "zh"):
        raise bad_request("'lang' must be 'en' or 'zh'")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10:
        raise bad_request("'limit' must be an integer from 1 to 10")
    state, hints, profile = body.get("state"), body.get("hints") or {}, body.get("profile") or {}
    if state is not None and not isinstance(state, dict):
        raise bad_request("'state' must be the object a previous /recommend returned, or null")
    if not isinstance(hints, dict) or set(hints) - set(HINT_KEYS) or not all(
            v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in hints.values()):
        raise bad_request(f"'hints' must be an object with string values for {', '.join(HINT_KEYS)}")
    if not valid_profile(profile):
        raise bad_request("'profile' must be {categories, brands, colors, sizes, uses: [string], budget_max: number}")
    try:
        result = await asyncio.to_thread(request.app[RECOMMENDER].recommend, message, lang, state, hints, profile,
                                         mode, product_id, limit)
    except UnknownProduct:
        raise bad_request(f"unknown product_id {product_id!r}") from None
    return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def health(request: web.Request) -> web.Response:
    """200 with the chunk count and the model type; only served once the model is loaded."""
    answerer = request.app[ANSWERER]
    return web.json_response({"status": "ok", "chunks": answerer.index.count(), "model": answerer.model._llm_type})


def init(settings: Settings | None = None, index_dir: Path | None = None,
         model: BaseChatModel | None = None, warm_up: bool = True, routes: tuple[str, ...] = ROUTES
         ) -> web.Application:
    """The app factory. `model` lets tests pass a ready model; the server is up only once the model is loaded.
    `routes` lets the benchmark run the service without some answer paths."""
    settings = settings or Settings.from_env()

    async def resources(app: web.Application):
        app[ANSWERER] = await asyncio.to_thread(build_answerer, settings, index_dir, model, routes)
        app[RECOMMENDER] = app[ANSWERER].recommender  # one catalogue view per index version, shared
        if warm_up:  # embeds the passages and evaluates the model's fixed prompt once, not on a shopper's time
            await asyncio.to_thread(app[ANSWERER].warm_up)
        yield

    app = web.Application(client_max_size=MAX_BODY, middlewares=[json_errors])
    app[LIVE] = {}
    app.cleanup_ctx.append(resources)
    app.router.add_routes([
        web.post("/answer", answer),
        web.post("/answer/stream", answer_stream),
        web.get("/answer/live/{conversation_id}", live),
        web.post("/search", search),
        web.post("/recommend", recommend),
        web.get("/health", health),
    ])
    return app
