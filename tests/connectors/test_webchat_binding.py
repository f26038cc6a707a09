"""Web chat conversations bound to the browser (connectors/webchat/sessions.py), without a browser: the server issues
the conversation id in a signed HttpOnly cookie and a ticket for Rasa's socket; /live, /api/events, /api/rating and
/api/attachments serve only the browser that owns the conversation (issue 13: /live streamed any conversation's
answer to anyone, /api/events stored clicks for any conversation); malformed bodies are a JSON 400, never a 500."""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.webchat import app as webchat
from connectors.webchat import attachments, ratings, sessions
from scripts.stack import STORE_DIR
from shop import feedback
from shop.experiments import events as copy_events
from shop.session_tickets import SessionSigner
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore

RASA = "http://127.0.0.1:5005"
SECRET = "test-webchat-session-secret"
SIGNER = SessionSigner(SECRET)
LIVE_ANSWER = b'event: final\ndata: {"answer": "Returns are accepted within 30 days."}\n\n'


def knowledge() -> web.Application:
    """A stand-in for the knowledge service's live view: every conversation is answering something."""

    async def live(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(LIVE_ANSWER)
        return response

    app = web.Application()
    app.router.add_get("/answer/live/{conversation_id}", live)
    return app


@pytest.fixture
def chat(tmp_path):
    """A web chat app with every route that names a conversation, and where it keeps what it stores."""

    def make(knowledge_url=None, **options) -> web.Application:
        app = webchat.init(RASA, knowledge_url=knowledge_url, events_db=tmp_path / "copy_events.db",
                           session_secret=SECRET, **options)
        ratings.add_routes(app, tmp_path / "ratings.db")
        db = tmp_path / "store.db"
        if not db.exists():
            load_store(STORE_DIR, db)
        attachments.add_routes(app, SqliteStore(db, STORE_DIR))
        return app

    return make


def run(app: web.Application, steps, owner: str | None = None):
    """Runs `steps(client)` against the app from a browser that owns conversation `owner` (None: no cookie)."""

    async def go():
        cookies = {sessions.COOKIE: SIGNER.cookie(owner)} if owner else None
        async with TestClient(TestServer(app), cookies=cookies) as client:
            return await steps(client)

    return asyncio.run(go())


async def new_session(client, body=None, content_type="application/json"):
    response = await client.post("/api/session", data=json.dumps(body or {}), headers={"Content-Type": content_type})
    return response.status, response.headers, await response.json()


def test_the_server_issues_the_conversation_and_binds_it_to_the_browser(chat):
    async def steps(client):
        return [await new_session(client), await new_session(client), await new_session(client, {"new": True}),
                await new_session(client)]

    (status, headers, first), (_, _, again), (_, _, fresh), (_, _, after) = run(chat(), steps)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    cookie = SimpleCookie(headers["Set-Cookie"])[sessions.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert SIGNER.conversation_from_cookie(cookie.value) == first["conversation_id"]
    assert len(first["conversation_id"]) == 32
    assert SIGNER.conversation_from_ticket(first["ticket"]) == first["conversation_id"]
    assert again["conversation_id"] == first["conversation_id"]  # the same browser keeps its conversation
    assert fresh["conversation_id"] != first["conversation_id"]  # "New conversation"
    assert after["conversation_id"] == fresh["conversation_id"]


def test_a_forged_cookie_gets_a_conversation_of_its_own(chat):
    forged = {sessions.COOKIE: "victim123." + "A" * 43}

    async def steps(client):
        client.session.cookie_jar.update_cookies(forged)
        return await new_session(client)

    _, _, session = run(chat(), steps)
    assert session["conversation_id"] != "victim123"


def test_another_site_cannot_ask_for_a_session(chat):
    # A form or a no-cors fetch from another site can only send text/plain (and the like) without a CORS preflight.
    status, _, answer = run(chat(), lambda client: new_session(client, content_type="text/plain"))
    assert status == 415 and "application/json" in answer["error"]


def test_a_chat_framed_by_store_sites_keeps_its_cookie_in_their_iframe(chat):
    _, headers, session = run(chat(frame_ancestors_sources=["https://shop.example"]), new_session)
    value, *attributes = headers["Set-Cookie"].split("; ")  # http.cookies in Python 3.11 cannot parse Partitioned
    assert value == f"{sessions.COOKIE}={SIGNER.cookie(session['conversation_id'])}"
    assert {"HttpOnly", "Secure", "SameSite=None", "Partitioned"} <= set(attributes), attributes


def test_live_answers_stream_only_to_the_browser_that_owns_the_conversation(chat):
    async def live_from(owner):
        async with TestServer(knowledge()) as upstream:
            app = chat(knowledge_url=str(upstream.make_url("")))
            cookies = {sessions.COOKIE: SIGNER.cookie(owner)} if owner else None
            async with TestClient(TestServer(app), cookies=cookies) as client:
                response = await client.get("/live/conv-mine")
                return response.status, await response.read()

    assert asyncio.run(live_from("conv-mine")) == (200, LIVE_ANSWER)
    for stranger in ("conv-other", None):
        status, body = asyncio.run(live_from(stranger))
        assert status == 403 and "another browser" in json.loads(body)["error"], body


def test_clicks_ratings_and_photos_for_another_browsers_conversation_are_refused(chat, tmp_path):
    copy_events.assign(tmp_path / "copy_events.db", "conv-theirs", "social", "bandit")
    event = {"conversation_id": "conv-theirs", "variant": "social", "kind": "click", "item_id": "TP-JKT-001",
             "element": "card"}

    async def steps(client):
        form = aiohttp.FormData({"conversation_id": "conv-theirs"})
        form.add_field("file", b"\x89PNG\r\n\x1a\n", filename="a.png", content_type="image/png")
        answers = [await client.post("/api/events", data=json.dumps(event)),
                   await client.post("/api/rating", json={"conversation_id": "conv-theirs", "rating": 1}),
                   await client.post("/api/attachments", data=form)]
        return [(r.status, (await r.json())["error"]) for r in answers]

    for owner in ("conv-mine", None):
        for status, error in run(chat(), steps, owner):
            assert status == 403 and ("another browser" in error or "no conversation" in error), error
    assert copy_events.stats(tmp_path / "copy_events.db")["social"]["events"] == 0
    assert feedback.get_rating(tmp_path / "ratings.db", "conv-theirs") is None


NESTED = b"[" * 1000 + b"]" * 1000  # deeper than Python's JSON parser goes in a 2 KB body


@pytest.mark.parametrize("path, body", [
    ("/api/events", b'{"conversation_id": "conv-mine", "variant": "social", "kind": "impression", '
                    b'"item_id": "\\ud800"}'),
    ("/api/events", b'{"conversation_id": "\\ud800", "variant": "social", "kind": "impression", "item_id": "x"}'),
    ("/api/events", NESTED),
    ("/api/events", b'{"conversation_id": ' + NESTED + b"}"),
    ("/api/events", b'{"conversation_id": "conv-mine", "variant": "social", "kind": [["impression"]], '
                    b'"item_id": "x"}'),
    ("/api/rating", b'{"conversation_id": "conv-mine", "rating": 5, "comment": "\\ud800"}'),
    ("/api/rating", NESTED),
    ("/api/rating", b'{"conversation_id": "conv-mine", "rating": ' + NESTED + b"}"),
    ("/api/session", b'{"new": "\\ud800"}'),
    ("/api/session", b'{"new": [[true]]}'),
])
def test_lone_surrogates_and_nested_arrays_are_a_json_400(chat, tmp_path, path, body):
    copy_events.assign(tmp_path / "copy_events.db", "conv-mine", "social", "bandit")

    async def steps(client):
        response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
        return response.status, await response.json()

    status, answer = run(chat(), steps, owner="conv-mine")
    assert status == 400 and isinstance(answer["error"], str), answer
    assert copy_events.stats(tmp_path / "copy_events.db")["social"]["events"] == 0


def test_a_lone_surrogate_in_a_photos_conversation_id_is_a_json_400(chat):
    async def steps(client):
        writer = aiohttp.MultipartWriter("form-data")
        writer.append(b"\xed\xa0\x80", {"Content-Disposition": 'form-data; name="conversation_id"'})
        part = writer.append(b"\x89PNG\r\n\x1a\n", {"Content-Type": "image/png"})
        part.set_content_disposition("form-data", name="file", filename="a.png")
        response = await client.post("/api/attachments", data=writer)
        return response.status, await response.json()

    status, answer = run(chat(), steps, owner="conv-mine")
    assert status == 400 and "conversation id" in answer["error"], answer
