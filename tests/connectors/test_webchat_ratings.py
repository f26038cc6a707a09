"""The web chat's POST /api/rating (connectors/webchat/ratings.py), its store (shop/feedback.py) and the report."""

import asyncio
import json
import os
import stat

import pytest
from aiohttp.test_utils import TestClient, TestServer

from connectors.webchat import app as webchat
from connectors.webchat import ratings, sessions
from scripts.report_conversations import main as report_conversations
from shop import feedback
from shop.session_tickets import SessionSigner

RASA = "http://127.0.0.1:5005"
SECRET = "test-webchat-session-secret"


def post(db, body, headers=None, owner="abc123"):
    """POST `body` (bytes, or JSON-encoded) to /api/rating on a web chat app with the ratings routes, from the
    browser that started conversation `owner`."""

    async def run():
        app = webchat.init(RASA, events_db=db.parent / "copy_events.db", session_secret=SECRET)
        ratings.add_routes(app, db)
        cookies = {sessions.COOKIE: SessionSigner(SECRET).cookie(owner)}
        async with TestClient(TestServer(app), cookies=cookies) as client:
            data = body if isinstance(body, bytes) else json.dumps(body)
            response = await client.post("/api/rating", data=data, headers=headers or {})
            assert response.content_type == "application/json"
            return response.status, await response.json()

    return asyncio.run(run())


@pytest.fixture
def db(tmp_path):
    return tmp_path / "conversation_ratings.db"


def test_a_rating_is_stored_privately_and_the_latest_wins(db):
    assert post(db, {"conversation_id": "abc123", "rating": 2, "comment": "slow", "language": "en"}) == (
        200, {"ok": True, "rating": 2})
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert post(db, {"conversation_id": "abc123", "rating": 5, "comment": "  很好，谢谢！ "})[0] == 200
    assert post(db, {"conversation_id": "other-1", "rating": 4}, owner="other-1")[0] == 200  # comment optional
    assert feedback.get_rating(db, "abc123")["rating"] == 5
    assert feedback.get_rating(db, "abc123")["comment"] == "很好，谢谢！"
    assert feedback.distribution(db) == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    with feedback.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"conversation_id": "abc123", "rating": 0}, "rating"),
        ({"conversation_id": "abc123", "rating": 6}, "rating"),
        ({"conversation_id": "abc123", "rating": 4.5}, "rating"),
        ({"conversation_id": "abc123", "rating": "5"}, "rating"),
        ({"conversation_id": "abc123", "rating": True}, "rating"),
        ({"conversation_id": "abc123", "rating": 3, "comment": "x" * 501}, "500"),
        ({"conversation_id": "abc123", "rating": 3, "comment": 42}, "comment"),
        ({"conversation_id": "abc123", "rating": 3, "language": "fr"}, "language"),
        ({"conversation_id": "../etc", "rating": 3}, "conversation_id"),
        ({"rating": 3}, "conversation_id"),
        ({"conversation_id": "abc123"}, "rating"),
        ({"conversation_id": "abc123", "rating": 3, "stars": 3}, "stars"),
        ([1, 2], "JSON object"),
        (b"{not json", "JSON object"),
        (b"\xff\xfe", "JSON object"),
    ],
)
def test_bad_ratings_get_a_400_that_says_why(db, body, message):
    status, answer = post(db, body)
    assert status == 400 and message in answer["error"]
    assert feedback.get_rating(db, "abc123") is None


def test_a_500_character_comment_is_fine_and_a_huge_body_is_refused(db):
    assert post(db, {"conversation_id": "abc123", "rating": 3, "comment": "好" * 500})[0] == 200
    status, answer = post(db, {"conversation_id": "abc123", "rating": 3, "comment": "x" * 5000})
    assert status == 413 and "bytes" in answer["error"]


def test_adding_the_routes_twice_only_moves_the_store(tmp_path):
    app = webchat.init(RASA, events_db=tmp_path / "copy_events.db")
    ratings.add_routes(app)
    ratings.add_routes(app, tmp_path / "elsewhere.db")
    assert app[ratings.RATINGS_DB] == tmp_path / "elsewhere.db"
    assert [r.method for r in app.router.routes() if r.resource.canonical == "/api/rating"] == ["POST"]


def test_the_report_shows_the_distribution_the_mean_and_the_latest_comments(db, tmp_path):
    for i, (rating, comment) in enumerate([(5, "great"), (4, ""), (1, "no | help"), (5, "谢谢")]):
        feedback.record_rating(db, f"conv-{i}", rating, comment, "en", now=1_800_000_000 + i)
    assert report_conversations(["--db", str(db), "--out", str(tmp_path / "reports")]) == 0
    report = (tmp_path / "reports" / "conversations.md").read_text(encoding="utf-8")
    assert "**4** rated conversations" in report and "mean **3.75**" in report
    assert "| ★★★★★ (5) | 2 | 50% |" in report
    assert report.index("谢谢") < report.index("no \\| help") < report.index("great")  # newest first, escaped
    assert "agent desk are not included" in report
    assert (tmp_path / "reports" / "conversations.png").stat().st_size > 1000


def test_the_report_without_ratings_says_so(tmp_path):
    assert report_conversations(["--db", str(tmp_path / "none.db"), "--out", str(tmp_path)]) == 0
    assert "No ratings recorded yet" in (tmp_path / "conversations.md").read_text(encoding="utf-8")
    assert not (tmp_path / "none.db").exists()
