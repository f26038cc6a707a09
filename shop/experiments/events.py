"""The copy experiment's event store: which copy variant each conversation got, and what its shoppers saw and clicked.

SQLite in WAL mode with a connection per call, so the action server (assignments) and the web chat (impressions,
clicks) can write the same file at once. Everything written is validated here; callers get `EventError` with a
message that can be shown to whoever sent the bad input.

Counting (see `stats`): an impression is a distinct (conversation, product) pair shown with a variant, a click is
such a pair clicked at least once, so reloading the page or clicking twice never inflates the numbers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from shop.cardcopy.variants import VARIANTS

KINDS = ("impression", "click")
ELEMENTS = ("card", "button", "link")
MAX_ID_LENGTH = 128

SCHEMA = """
CREATE TABLE IF NOT EXISTS assignments (
    conversation_id TEXT PRIMARY KEY, variant TEXT NOT NULL, policy TEXT NOT NULL, ts REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, conversation_id TEXT NOT NULL, variant TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('impression', 'click')), item_id TEXT NOT NULL,
    element TEXT NOT NULL CHECK (element IN ('card', 'button', 'link'))
);
CREATE INDEX IF NOT EXISTS events_by_variant ON events (variant, kind);
"""

_ready: set = set()
_ready_lock = threading.Lock()


class EventError(ValueError):
    """Bad input: the message says which field and why."""


class NotAssigned(EventError):
    """An event for a conversation that has no (or another) copy variant assigned."""


@contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh connection that commits on success; creates the file and tables on first use."""
    db_path = Path(db_path)
    key = str(db_path.resolve())
    if key not in _ready or not db_path.exists():
        with _ready_lock:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if not db_path.exists():  # private before the first byte: which shopper saw and clicked what
                os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(db_path, timeout=10)
            try:
                db.execute("PRAGMA journal_mode=WAL")  # persistent: readers never block the writer
                db.executescript(SCHEMA)
            finally:
                db.close()
            _ready.add(key)
    db = sqlite3.connect(db_path, timeout=10)
    db.execute("PRAGMA busy_timeout = 10000")
    try:
        with db:
            yield db
    finally:
        db.close()


def _text(name: str, value: object, max_length: int = MAX_ID_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise EventError(f"{name} is longer than {max_length} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise EventError(f"{name} contains control characters")
    return value


def _choice(name: str, value: object, allowed: tuple) -> str:
    if value not in allowed:
        raise EventError(f"{name} must be one of {', '.join(allowed)} (got {value!r})"[:200])
    return value


def assign(db_path: Path, conversation_id: str, variant: str, policy: str) -> str:
    """Record `variant` for the conversation unless it already has one; returns the variant that holds.

    Two concurrent first calls for one conversation both get the first writer's variant.
    """
    conversation_id = _text("conversation_id", conversation_id)
    variant = _choice("variant", variant, VARIANTS)
    with connect(db_path) as db:
        db.execute(
            "INSERT OR IGNORE INTO assignments (conversation_id, variant, policy, ts) VALUES (?,?,?,?)",
            (conversation_id, variant, str(policy)[:16], time.time()),
        )
        return db.execute("SELECT variant FROM assignments WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]


def assigned_variant(db_path: Path, conversation_id: str) -> Optional[str]:
    """The variant this conversation was given, or None (also when the event store does not exist yet)."""
    if not Path(db_path).exists():
        return None
    with connect(db_path) as db:
        row = db.execute("SELECT variant FROM assignments WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return row[0] if row else None


def record_event(
    db_path: Path,
    conversation_id: str,
    variant: str,
    kind: str,
    item_id: str,
    element: Optional[str] = None,
    ts: Optional[float] = None,
    require_assignment: bool = True,
) -> None:
    """Store one impression or click. With `require_assignment` (the web endpoint), the variant must be the one
    the conversation was given, so made-up conversations and variants cannot skew the experiment."""
    conversation_id = _text("conversation_id", conversation_id)
    variant = _choice("variant", variant, VARIANTS)
    kind = _choice("kind", kind, KINDS)
    item_id = _text("item_id", item_id, 64)
    element = _choice("element", element or ("card" if kind == "impression" else None), ELEMENTS)
    if kind == "impression" and element != "card":
        raise EventError("an impression is always of the card (element 'card')")
    if ts is None:
        ts = time.time()
    elif isinstance(ts, bool) or not isinstance(ts, (int, float)) or not 0 <= ts < 1e11:
        raise EventError("ts must be seconds since the epoch")
    with connect(db_path) as db:
        if require_assignment:
            row = db.execute("SELECT variant FROM assignments WHERE conversation_id = ?", (conversation_id,)).fetchone()
            if row is None:
                raise NotAssigned("this conversation has no copy variant assigned")
            if row[0] != variant:
                raise NotAssigned("variant does not match the conversation's copy variant")
        db.execute(
            "INSERT INTO events (ts, conversation_id, variant, kind, item_id, element) VALUES (?,?,?,?,?,?)",
            (float(ts), conversation_id, variant, kind, item_id, element),
        )


def stats(db_path: Path) -> Dict[str, Dict[str, int]]:
    """{variant: {"impressions", "clicks", "events", "conversations"}} for every variant, zeros when none.

    impressions: distinct (conversation, product) pairs shown (or clicked); clicks: those clicked at least once;
    events: raw rows; conversations: conversations assigned the variant.
    """
    out = {v: {"impressions": 0, "clicks": 0, "events": 0, "conversations": 0} for v in VARIANTS}
    if not Path(db_path).exists():
        return out
    with connect(db_path) as db:
        rows = db.execute(
            "SELECT variant, COUNT(DISTINCT conversation_id || char(31) || item_id), "
            "COUNT(DISTINCT CASE WHEN kind = 'click' THEN conversation_id || char(31) || item_id END), COUNT(*) "
            "FROM events GROUP BY variant"
        ).fetchall()
        assigned = db.execute("SELECT variant, COUNT(*) FROM assignments GROUP BY variant").fetchall()
    for variant, shown, clicked, events in rows:
        if variant in out:
            out[variant].update(impressions=shown, clicks=clicked, events=events)
    for variant, count in assigned:
        if variant in out:
            out[variant]["conversations"] = count
    return out
