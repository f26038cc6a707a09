"""The web chat's POST /api/events: product card impressions and clicks for the copy experiment."""

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from shop.experiments import events as copy_events
from shop.session_tickets import SessionSigner
from connectors.webchat import app as webchat
from connectors.webchat import sessions

RASA = "http://127.0.0.1:5005"
SECRET = "test-webchat-session-secret"
OWNS_ABC123 = {sessions.COOKIE: SessionSigner(SECRET).cookie("abc123")}  # the browser that started conversation abc123
EVENT = {"conversation_id": "abc123", "variant": "social", "kind": "impression", "item_id": "TP-JKT-001",
         "element": "card"}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "copy_events.db"
    copy_events.assign(path, "abc123", "social", "bandit")  # what the action server does with the first cards
    return path


def post(db, body, method="post", headers=None):
    """POST `body` (bytes, or JSON-encoded) to /api/events; returns (status, parsed JSON body or None)."""

    async def run():
        app = webchat.init(RASA, events_db=db, session_secret=SECRET)
        async with TestClient(TestServer(app), cookies=OWNS_ABC123) as client:
            data = body if isinstance(body, bytes) else json.dumps(body)
            response = await getattr(client, method)("/api/events", data=data, headers=headers or {})
            text = await response.text()
            return response.status, (json.loads(text) if text.startswith("{") else None)

    return asyncio.run(run())


def test_impressions_and_clicks_are_recorded(db):
    assert post(db, EVENT) == (204, None)
    # navigator.sendBeacon posts a string as text/plain; the body is still JSON.
    click = dict(EVENT, kind="click", element="link")
    assert post(db, json.dumps(click).encode(), headers={"Content-Type": "text/plain;charset=UTF-8"})[0] == 204
    assert post(db, dict(EVENT, kind="click", element="button"))[0] == 204
    without_element = {k: v for k, v in EVENT.items() if k != "element"}
    assert post(db, without_element)[0] == 204  # an impression is of the card
    assert copy_events.stats(db)["social"] == {"impressions": 1, "clicks": 1, "events": 4, "conversations": 1}


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "must be a JSON object"),
        (b"\xff\xfe", "must be a JSON object"),
        (b"", "must be a JSON object"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"impression"', "must be a JSON object"),
        (dict(EVENT, extra=1), "unknown field 'extra'"),
        ({k: v for k, v in EVENT.items() if k != "item_id"}, "missing field 'item_id'"),
        (dict(EVENT, variant="<script>"), "variant must be one of"),
        (dict(EVENT, kind="view"), "kind must be one of"),
        (dict(EVENT, kind="click", element="image"), "element must be one of"),
        (dict(EVENT, kind="click", element=None), "element must be one of"),
        (dict(EVENT, item_id=""), "item_id must be a non-empty string"),
        (dict(EVENT, item_id=["TP-JKT-001"]), "item_id must be a single value"),
        (dict(EVENT, conversation_id="x" * 200), "longer than 128"),
    ],
)
def test_bad_events_get_400_with_a_reason(db, body, message):
    status, answer = post(db, body)
    assert status == 400 and message in answer["error"], answer
    assert copy_events.stats(db)["social"]["events"] == 0


def test_events_for_another_variant_get_409(db):
    status, answer = post(db, dict(EVENT, variant="deal"))
    assert status == 409 and "variant" in answer["error"]
    assert sum(s["events"] for s in copy_events.stats(db).values()) == 0


def test_events_for_another_browsers_conversation_get_403(db):
    copy_events.assign(db, "someone-else", "social", "bandit")
    status, answer = post(db, dict(EVENT, conversation_id="someone-else"))
    assert status == 403 and "another browser" in answer["error"]
    assert sum(s["events"] for s in copy_events.stats(db).values()) == 0


def test_huge_bodies_get_413(db):
    status, answer = post(db, dict(EVENT, item_id="x" * 5000))
    assert status == 413 and "at most" in answer["error"]
    status, _ = post(db, b"{" + b" " * 100_000 + b"}")
    assert status == 413


def test_only_post_is_allowed(db):
    assert post(db, EVENT, method="get")[0] == 405


def test_the_events_file_defaults_to_the_shared_setting(monkeypatch, tmp_path):
    from connectors.webchat import config

    monkeypatch.setattr(config, "COPY_EVENTS_DB", tmp_path / "shared.db")
    assert webchat.init(RASA)[webchat.SETTINGS]["events_db"] == tmp_path / "shared.db"
