"""POST /api/rating: the shopper rates their conversation with the assistant (1-5 and an optional comment).

Registered on the web chat app with `add_routes(app)`; stored through shop/feedback.py (one row per conversation,
the latest rating wins) and reported by scripts/report_conversations.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from connectors.webchat import bodies, config, sessions
from shop import feedback

RATINGS_DB = web.AppKey("ratings_db", Path)
DEFAULT_DB = config.CONVERSATION_RATINGS_DB
MAX_RATING_BYTES = 4096  # a 500-character comment is at most ~2 KB of UTF-8 (CJK is 3 bytes a character)
FIELDS = {"conversation_id", "rating", "comment", "language"}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def post_rating(request: web.Request) -> web.Response:
    """Body: {"conversation_id", "rating": 1-5, "comment"?: ≤500 characters, "language"?: "en"|"zh"} as JSON.

    200 {"ok": true, "rating": n} when stored; 400 bad JSON or fields; 403 for a conversation this browser does not
    own; 413 when the body is too big.
    """
    try:
        rating = await bodies.json_object(request, MAX_RATING_BYTES, "a rating", FIELDS, ("conversation_id", "rating"))
    except bodies.BadBody as refused:
        return _error(refused.status, str(refused))
    unowned = sessions.refuse_unowned(request, rating["conversation_id"])
    if unowned is not None:
        return unowned
    try:
        stored = await asyncio.to_thread(feedback.record_rating, request.app[RATINGS_DB], **rating)
    except feedback.RatingError as exc:
        return _error(400, str(exc))
    return web.json_response({"ok": True, "rating": stored["rating"]})


def add_routes(app: web.Application, db_path: Path | None = None) -> None:
    """Adds POST /api/rating to the web chat app, storing in `db_path` (default data/conversation_ratings.db).

    Calling it again only changes where ratings go, so a test can point an app that already has the route
    at its own file.
    """
    registered = RATINGS_DB in app
    app[RATINGS_DB] = Path(db_path or DEFAULT_DB)
    if not registered:
        app.router.add_routes([web.post("/api/rating", post_rating)])
