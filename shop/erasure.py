"""Erasing conversations from every store that keeps them: Rasa's tracker store and SQL event broker (both a table
`events` keyed by `sender_id`), the agent desk (handoffs with their notes, drafts and transfers; the conversations
it counted), the copy experiment's assignments and clicks, and the shoppers' ratings.

"Forget me" (actions/shopper_profile.py) cannot delete Rasa's rows while its turn runs: Rasa saves the tracker
after the action, and SQLTrackerStore.save appends the events past the number it counts in the table, so rows
deleted mid-turn would all be written again (and published again to the broker). So the action files a request
(`Eraser.request`) and the action server's worker thread erases once the turn is stored (the action's own
ActionExecuted row is in the tracker store), then once more AGAIN_AFTER_S later, in case a turn that raced the
first pass wrote old events back. Each pass erases what was stored up to the first pass's moment, so a shopper who
carries on keeps the new conversation. Requests wait in a small SQLite queue (ERASURE_QUEUE_DB): any left when the
server stopped are finished at its next start.

The stores come from the environment the services share (TRACKER_DB or TRACKER_DATABASE_URL, EVENTS_DATABASE_URL
or EVENTS_DB, DESK_DATABASE_URL, COPY_EVENTS_DB, CONVERSATION_RATINGS_DB); a store whose SQLite file does not exist
is skipped, never created. `python -m shop.retention` uses the same code for conversations older than N days.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
STORE_NAMES = ("tracker", "broker", "desk", "copy_events", "ratings")
WAIT_FOR_TURN_S = 60.0  # after this, erase even if the turn was never stored (Rasa crashed mid-turn)
AGAIN_AFTER_S = 30.0
IDLE_POLL_S = 5.0  # the queue is also read while idle: a request filed by another process is seen
BATCH = 500  # ids per DELETE ... IN (...)
# The desk's tables that hang off a handoff (desk/db.py).
DESK_HANDOFF_CHILDREN = (("desk_notes", "handoff_id"), ("desk_drafts", "handoff_id"), ("desk_transfers", "handoff_id"))


def _sqlite_url(path: str) -> str:
    full = Path(path)
    return f"sqlite:///{full if full.is_absolute() else PROJECT_ROOT / full}"


@dataclass(frozen=True)
class Stores:
    """SQLAlchemy URLs of the stores that keep conversations; None where a store is not kept in SQL."""

    tracker: Optional[str] = None
    broker: Optional[str] = None
    desk: Optional[str] = None
    copy_events: Optional[str] = None
    ratings: Optional[str] = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Stores":
        data = PROJECT_ROOT / "data"
        return cls(
            tracker=env.get("TRACKER_DATABASE_URL") or _sqlite_url(env.get("TRACKER_DB") or str(data / "tracker.db")),
            broker=env.get("EVENTS_DATABASE_URL") or _sqlite_url(env.get("EVENTS_DB") or str(data / "events.db")),
            desk=env.get("DESK_DATABASE_URL") or _sqlite_url(str(Path(env.get("DESK_DATA_DIR") or data) / "desk.db")),
            copy_events=_sqlite_url(env.get("COPY_EVENTS_DB") or str(data / "copy_events.db")),
            ratings=_sqlite_url(env.get("CONVERSATION_RATINGS_DB") or str(data / "conversation_ratings.db")),
        )


@contextmanager
def _connection(url: Optional[str]) -> Iterator[Optional[Connection]]:
    """A transaction on the store, or None when it is not configured or its SQLite file does not exist."""
    if not url or (url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists()):
        yield None
        return
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {})
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def _tables(connection: Connection) -> set:
    return set(inspect(connection).get_table_names())


def _delete_ids(connection: Connection, table: str, ids: List[int], dry_run: bool) -> int:
    if not dry_run:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            marks = ", ".join(f":i{n}" for n in range(len(chunk)))
            connection.execute(text(f"DELETE FROM {table} WHERE id IN ({marks})"),
                               {f"i{n}": value for n, value in enumerate(chunk)})
    return len(ids)


def _erase_tracker(connection: Connection, conversation_id: str, until: Optional[float], dry_run: bool) -> int:
    if "events" not in _tables(connection):
        return 0
    where = "sender_id = :c" + ("" if until is None else " AND (timestamp IS NULL OR timestamp <= :until)")
    ids = [row[0] for row in connection.execute(text(f"SELECT id FROM events WHERE {where}"),
                                                {"c": conversation_id, "until": until})]
    return _delete_ids(connection, "events", ids, dry_run)


def _event_time(data: Optional[str]) -> Optional[float]:
    """An event's timestamp from the broker's JSON (the broker's table has no column for it)."""
    try:
        value = json.loads(data or "{}").get("timestamp")
    except (ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _erase_broker(connection: Connection, conversation_id: str, until: Optional[float], dry_run: bool) -> int:
    if "events" not in _tables(connection):
        return 0
    rows = connection.execute(text("SELECT id, data FROM events WHERE sender_id = :c"), {"c": conversation_id})
    ids = [row[0] for row in rows if until is None or (_event_time(row[1]) or 0) <= until]
    return _delete_ids(connection, "events", ids, dry_run)


def _erase_desk(connection: Connection, conversation_id: str, until: Optional[float], dry_run: bool) -> int:
    tables = _tables(connection)
    if "desk_handoffs" not in tables:
        return 0
    when = "" if until is None else " AND created_at <= :until"
    handoff_ids = [row[0] for row in connection.execute(
        text(f"SELECT id FROM desk_handoffs WHERE conversation_id = :c{when}"), {"c": conversation_id, "until": until})]
    count = 0
    for table, column in DESK_HANDOFF_CHILDREN:
        if table in tables and handoff_ids:
            for start in range(0, len(handoff_ids), BATCH):
                chunk = handoff_ids[start:start + BATCH]
                marks = ", ".join(f":h{n}" for n in range(len(chunk)))
                ids = [row[0] for row in connection.execute(
                    text(f"SELECT id FROM {table} WHERE {column} IN ({marks})"),
                    {f"h{n}": value for n, value in enumerate(chunk)})]
                count += _delete_ids(connection, table, ids, dry_run)
    count += _delete_ids(connection, "desk_handoffs", handoff_ids, dry_run)
    if "desk_conversations" in tables:
        seen = "" if until is None else " AND first_seen <= :until"
        params = {"c": conversation_id, "until": until}
        found = connection.execute(text(f"SELECT COUNT(*) FROM desk_conversations WHERE conversation_id = :c{seen}"),
                                   params).scalar_one()
        if found and not dry_run:
            connection.execute(text(f"DELETE FROM desk_conversations WHERE conversation_id = :c{seen}"), params)
        count += found
    return count


def _erase_by_conversation(connection: Connection, tables: Dict[str, str], conversation_id: str,
                           until: Optional[float], dry_run: bool) -> int:
    """Rows of `tables` ({table: its time column}) that belong to the conversation."""
    present, count = _tables(connection), 0
    for table, time_column in tables.items():
        if table not in present:
            continue
        where = "conversation_id = :c" + ("" if until is None else f" AND {time_column} <= :until")
        params = {"c": conversation_id, "until": until}
        found = connection.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one()
        if found and not dry_run:
            connection.execute(text(f"DELETE FROM {table} WHERE {where}"), params)
        count += found
    return count


def erase(stores: Stores, conversation_id: str, until: Optional[float] = None, dry_run: bool = False
          ) -> Dict[str, int]:
    """Deletes the conversation from every store (only what was stored up to `until`, a time.time(), if given);
    returns the rows deleted per store (with `dry_run`, the rows that would be)."""
    counts = dict.fromkeys(STORE_NAMES, 0)
    with _connection(stores.tracker) as connection:
        if connection is not None:
            counts["tracker"] = _erase_tracker(connection, conversation_id, until, dry_run)
    with _connection(stores.broker) as connection:
        if connection is not None:
            counts["broker"] = _erase_broker(connection, conversation_id, until, dry_run)
    with _connection(stores.desk) as connection:
        if connection is not None:
            counts["desk"] = _erase_desk(connection, conversation_id, until, dry_run)
    with _connection(stores.copy_events) as connection:
        if connection is not None:
            counts["copy_events"] = _erase_by_conversation(
                connection, {"assignments": "ts", "events": "ts"}, conversation_id, until, dry_run)
    with _connection(stores.ratings) as connection:
        if connection is not None:
            counts["ratings"] = _erase_by_conversation(connection, {"ratings": "ts"}, conversation_id, until, dry_run)
    return counts


def last_activity(stores: Stores) -> Dict[str, float]:
    """{conversation id: the time of its latest event or record in any store}."""
    latest: Dict[str, float] = {}

    def seen(conversation_id, at) -> None:
        if conversation_id is not None and at is not None:
            latest[str(conversation_id)] = max(float(at), latest.get(str(conversation_id), float("-inf")))

    queries = {
        "tracker": ["SELECT sender_id, MAX(timestamp) FROM events GROUP BY sender_id"],
        "desk": ["SELECT conversation_id, MAX(COALESCE(closed_at, created_at)) FROM desk_handoffs "
                 "GROUP BY conversation_id",
                 "SELECT conversation_id, MAX(last_seen) FROM desk_conversations GROUP BY conversation_id"],
        "copy_events": ["SELECT conversation_id, MAX(ts) FROM assignments GROUP BY conversation_id",
                        "SELECT conversation_id, MAX(ts) FROM events GROUP BY conversation_id"],
        "ratings": ["SELECT conversation_id, MAX(ts) FROM ratings GROUP BY conversation_id"],
    }
    for name, statements in queries.items():
        with _connection(getattr(stores, name)) as connection:
            if connection is None:
                continue
            present = _tables(connection)
            for statement in statements:
                if statement.split(" FROM ")[1].split()[0] in present:
                    for conversation_id, at in connection.execute(text(statement)):
                        seen(conversation_id, at)
    with _connection(stores.broker) as connection:
        if connection is not None and "events" in _tables(connection):
            for conversation_id, data in connection.execute(text("SELECT sender_id, data FROM events")):
                seen(conversation_id, _event_time(data))
    return latest


# ---------- "forget me": requests done after the turn ----------

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS erasure_requests (
    id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, marker TEXT NOT NULL, requested_at REAL NOT NULL,
    cutoff REAL, again_at REAL
);
"""


class Eraser:
    """Erasure requests in a private SQLite queue, done by a background thread after the turn that asked."""

    def __init__(self, stores: Stores, queue_path: Path, wait_for_turn_s: float = WAIT_FOR_TURN_S,
                 again_after_s: float = AGAIN_AFTER_S, poll_s: float = 0.5) -> None:
        self.stores, self.queue_path = stores, Path(queue_path)
        self.wait_for_turn_s, self.again_after_s, self.poll_s = wait_for_turn_s, again_after_s, poll_s
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @contextmanager
    def _queue(self) -> Iterator[sqlite3.Connection]:
        if not self.queue_path.exists():
            self.queue_path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.queue_path, os.O_CREAT | os.O_WRONLY, 0o600))  # conversation ids: owner only
        db = sqlite3.connect(self.queue_path, timeout=30)
        try:
            db.executescript(QUEUE_SCHEMA)
            with db:
                yield db
        finally:
            db.close()

    def request(self, conversation_id: str, marker: str, now: Optional[float] = None) -> None:
        """Erase the conversation once the turn running `marker` (an action's name) is stored."""
        with self._queue() as db:
            db.execute("INSERT INTO erasure_requests (conversation_id, marker, requested_at) VALUES (?, ?, ?)",
                       (conversation_id, marker, time.time() if now is None else now))
        self._wake.set()

    def pending(self) -> int:
        with self._queue() as db:
            return db.execute("SELECT COUNT(*) FROM erasure_requests").fetchone()[0]

    def _turn_stored(self, conversation_id: str, marker: str, requested_at: float) -> bool:
        with _connection(self.stores.tracker) as connection:
            if connection is None or "events" not in _tables(connection):
                return False
            return bool(connection.execute(
                text("SELECT COUNT(*) FROM events WHERE sender_id = :c AND action_name = :m AND timestamp >= :t"),
                {"c": conversation_id, "m": marker, "t": requested_at - 2}).scalar_one())

    def run_due(self, now: Optional[float] = None) -> int:
        """Does every pass that is due; returns how many requests are still waiting."""
        with self._lock, self._queue() as db:
            rows = db.execute("SELECT id, conversation_id, marker, requested_at, cutoff, again_at "
                              "FROM erasure_requests ORDER BY id").fetchall()
            for request_id, conversation_id, marker, requested_at, cutoff, again_at in rows:
                now_ = time.time() if now is None else now
                if cutoff is None:
                    if now_ - requested_at < self.wait_for_turn_s and \
                            not self._turn_stored(conversation_id, marker, requested_at):
                        continue
                    counts = erase(self.stores, conversation_id, until=now_)
                    db.execute("UPDATE erasure_requests SET cutoff = ?, again_at = ? WHERE id = ?",
                               (now_, now_ + self.again_after_s, request_id))
                    db.commit()
                    log.info("erased conversation %s on request: %s", conversation_id, _summary(counts))
                elif now_ >= again_at:
                    counts = erase(self.stores, conversation_id, until=cutoff)
                    db.execute("DELETE FROM erasure_requests WHERE id = ?", (request_id,))
                    db.commit()
                    if any(counts.values()):
                        log.info("erased conversation %s again (rows written back): %s", conversation_id,
                                 _summary(counts))
            return db.execute("SELECT COUNT(*) FROM erasure_requests").fetchone()[0]

    def start(self) -> "Eraser":
        """Starts the worker thread once (it first finishes any requests left from the last run)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="erasure", daemon=True)
            self._thread.start()
        return self

    def _work(self) -> None:
        while True:
            try:
                waiting = self.run_due()
            except Exception:  # a store that is down now: the request stays queued and is tried again
                log.exception("erasure pass failed; will retry")
                waiting = 1
            self._wake.wait(self.poll_s if waiting else IDLE_POLL_S)
            self._wake.clear()


def _summary(counts: Dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


_eraser: Optional[Eraser] = None
_eraser_pid: Optional[int] = None


def eraser(env: Mapping[str, str] = os.environ) -> Eraser:
    """The process's Eraser (queue: ERASURE_QUEUE_DB, default data/erasure_queue.db), its worker started. A forked
    process (Sanic's worker) gets its own: threads do not survive a fork."""
    global _eraser, _eraser_pid
    if _eraser is None or _eraser_pid != os.getpid():
        _eraser_pid = os.getpid()
        queue = env.get("ERASURE_QUEUE_DB") or str(PROJECT_ROOT / "data" / "erasure_queue.db")
        _eraser = Eraser(Stores.from_env(env), Path(queue),
                         again_after_s=float(env.get("ERASE_AGAIN_S") or AGAIN_AFTER_S)).start()
    return _eraser
