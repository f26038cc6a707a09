"""Shoppers' ratings of their conversation with the assistant: 1 to 5 stars and an optional comment.

SQLite in WAL mode, a connection per call, the file created private (0600) because comments are the shopper's own
words. One row per conversation: rating again replaces the earlier rating (the latest wins). Everything written
is validated here; callers get `RatingError` with a message that can be shown to whoever sent the bad input.
Ratings of a person on the agent desk are the desk's own (desk/) and are not kept here.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from shop.identifiers import CONVERSATION_ID

MAX_COMMENT_LENGTH = 500
RATINGS = range(1, 6)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    conversation_id TEXT PRIMARY KEY,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    ts REAL NOT NULL
);
"""


class RatingError(ValueError):
    """Bad input: the message says which field and why."""


@contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh connection that commits on success; creates the private file and its table on first use."""
    db_path = Path(db_path)
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))  # private before the first byte is written
    db = sqlite3.connect(db_path, timeout=10)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # persistent: the report reads while the web chat writes
        db.execute("PRAGMA busy_timeout = 10000")
        db.executescript(SCHEMA)
        with db:
            yield db
    finally:
        db.close()


def check_rating(conversation_id: object, rating: object, comment: object = None, language: object = None) -> Dict:
    """The rating as it will be stored, or RatingError naming the first bad field."""
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.fullmatch(conversation_id):
        raise RatingError("conversation_id must be a conversation id")
    # bool is an int in Python; a JSON true is not a rating.
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise RatingError("rating must be a whole number from 1 to 5")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise RatingError("comment must be a string")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise RatingError(f"comment is longer than {MAX_COMMENT_LENGTH} characters")
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in comment):
        raise RatingError("comment contains control characters")
    if language not in (None, "", "en", "zh"):
        raise RatingError("language must be en or zh")
    return {"conversation_id": conversation_id, "rating": rating, "comment": comment, "language": language or ""}


def record_rating(db_path: Path, conversation_id: object, rating: object, comment: object = None,
                  language: object = None, now: Optional[float] = None) -> Dict:
    """Stores (or replaces) this conversation's rating; returns what was stored."""
    row = check_rating(conversation_id, rating, comment, language)
    row["ts"] = time.time() if now is None else now
    with connect(db_path) as db:
        db.execute(
            "INSERT INTO ratings (conversation_id, rating, comment, language, ts) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (conversation_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, "
            "language = excluded.language, ts = excluded.ts",
            (row["conversation_id"], row["rating"], row["comment"], row["language"], row["ts"]),
        )
    return row


def distribution(db_path: Path) -> Dict[int, int]:
    """How many conversations got each rating, 1 to 5 (zeros included)."""
    counts = {n: 0 for n in RATINGS}
    if not Path(db_path).exists():
        return counts
    with connect(db_path) as db:
        for rating, count in db.execute("SELECT rating, COUNT(*) FROM ratings GROUP BY rating"):
            counts[int(rating)] = int(count)
    return counts


def latest_comments(db_path: Path, limit: int = 20) -> List[Dict]:
    """The newest non-empty comments with their rating, language and time, newest first."""
    if not Path(db_path).exists():
        return []
    with connect(db_path) as db:
        rows = db.execute(
            "SELECT rating, comment, language, ts FROM ratings WHERE comment != '' ORDER BY ts DESC LIMIT ?",
            (limit,),
        ).fetchall()
    return [{"rating": r, "comment": c, "language": lang, "ts": ts} for r, c, lang, ts in rows]


def get_rating(db_path: Path, conversation_id: str) -> Optional[Dict]:
    """This conversation's stored rating, or None."""
    if not Path(db_path).exists():
        return None
    with connect(db_path) as db:
        row = db.execute(
            "SELECT rating, comment, language, ts FROM ratings WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
    return None if row is None else {"rating": row[0], "comment": row[1], "language": row[2], "ts": row[3]}
