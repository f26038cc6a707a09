"""How many times an order number and e-mail may be tried, kept server-side so no slot or caller can reset it.

A failed check (wrong e-mail or unknown order: they are not told apart) counts against three keys at once: the
order id, the conversation (sender id) and the client's address when the channel knows it. Too many failures of
one key within its window lock that key; while any key of an attempt is locked, the attempt is refused before the
store is asked, so even the right e-mail gets the same refusal. Each new lock of a key lasts twice as long as its
last one (1 min, 2, 4 ... at most 1 h); a key that has stayed unlocked for STRIKE_MEMORY_S starts again at 1 min.
A success clears only the conversation's failures: the order's and the address's stay, so a shopper who verifies
one order of their own cannot wipe the failures another order or another conversation collected.

SQLite file (created owner-only) by default, PostgreSQL by VERIFY_LOCKOUT_URL (a SQLAlchemy URL). Several action
server processes may share it: each failure is one transaction that holds the keys' rows (SQLite: BEGIN
IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE, in sorted key order so two attempts never wait on each other).
When the database cannot be reached, every method raises LockoutUnavailable (a StoreUnavailable): callers answer
as for a store outage, and nothing is checked or opened meanwhile.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, delete, event, func, insert
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from shop.store.backend import StoreUnavailable

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limit:
    """`failures` failed checks within `window_s` seconds lock the key."""

    failures: int
    window_s: float


# The conversation's limit is the order forms' own (they end after 3 failures), so a form that gives up leaves the
# conversation locked; an order may be mistyped from a few conversations; an address may be a shared office or
# mobile network, so it gets more room.
LIMITS: Mapping[str, Limit] = {
    "order": Limit(failures=5, window_s=15 * 60),
    "conversation": Limit(failures=3, window_s=15 * 60),
    "address": Limit(failures=20, window_s=15 * 60),
}
FIRST_LOCK_S = 60.0
LONGEST_LOCK_S = 3600.0
STRIKE_MEMORY_S = 24 * 3600.0
MAX_KEY_VALUE = 200  # longer values (odd sender ids) are stored as their SHA-256


class LockoutUnavailable(StoreUnavailable):
    """The lockout's database could not be reached or answered in time."""


def _or_unavailable(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except DBAPIError as error:
            raise LockoutUnavailable(f"verification lockout: {error.orig!r}") from error

    return wrapper


@dataclass(frozen=True)
class Attempt:
    """One check of an order number and e-mail: who tried which order, from where (None when unknown)."""

    order_id: str
    conversation_id: str
    client_address: Optional[str] = None

    def keys(self) -> Dict[str, str]:
        """{stored key: kind} for each key this attempt counts against."""
        values = {"order": self.order_id, "conversation": self.conversation_id, "address": self.client_address}
        return {_key(kind, value): kind for kind, value in values.items() if value}


def _key(kind: str, value: str) -> str:
    value = str(value)
    if len(value) > MAX_KEY_VALUE:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return f"{kind}:{value}"


def _tables(schema: Optional[str]) -> tuple[Table, Table]:
    metadata = MetaData(schema=schema)
    failures = Table(
        "verify_failures", metadata,
        Column("id", Integer, primary_key=True),
        Column("key", String(256), nullable=False, index=True),
        Column("at", Float, nullable=False, index=True),
    )
    locks = Table(
        "verify_locks", metadata,
        Column("key", String(256), primary_key=True),
        Column("strikes", Integer, nullable=False),  # locks in a row, for the backoff
        Column("locked_until", Float, nullable=False),  # 0 until the key is first locked
    )
    return failures, locks


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite:///"):
        return create_engine(url, pool_pre_ping=True)
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # it names shoppers' addresses and conversations: owner-only (SQLite's WAL files follow)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _autocommit_and_wal(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _write_lock(connection) -> None:  # one writer at a time across processes: count and lock never race
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Lockout:
    """Failures and locks of order verification; `clock` is injectable for tests."""

    @_or_unavailable
    def __init__(self, url: str, limits: Mapping[str, Limit] = LIMITS, clock: Callable[[], float] = time.time,
                 schema: Optional[str] = None) -> None:
        self.limits, self.clock = dict(limits), clock
        self.engine = _engine(url)
        self.failures, self.locks = _tables(schema)
        try:
            self.failures.metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError):  # another process created them this instant
            self.failures.metadata.create_all(self.engine)

    @_or_unavailable
    def locked_for(self, attempt: Attempt) -> float:
        """Seconds until every key of the attempt is unlocked; 0 when none is locked."""
        now = self.clock()
        with self.engine.connect() as db:
            until = db.execute(select(func.max(self.locks.c.locked_until))
                               .where(self.locks.c.key.in_(list(attempt.keys())))).scalar()
        return max(0.0, (until or 0.0) - now)

    @_or_unavailable
    def failed(self, attempt: Attempt) -> float:
        """Counts a failed check against each key; returns how long the attempt's keys are now locked (0: not)."""
        now, longest = self.clock(), 0.0
        with self.engine.begin() as db:
            held = {key: self._hold(db, key) for key in sorted(attempt.keys())}
            locked_until = max(until for _, until in held.values())
            if locked_until > now:  # it raced a lock: a refused attempt counts against no key
                return locked_until - now
            for key, kind in attempt.keys().items():
                longest = max(longest, self._fail(db, key, *held[key], self.limits[kind], now))
        self._purge(now)
        return longest

    @_or_unavailable
    def succeeded(self, attempt: Attempt) -> None:
        """The right pair: forget this conversation's failures (never the order's or the address's)."""
        key = _key("conversation", attempt.conversation_id)
        with self.engine.begin() as db:
            db.execute(delete(self.failures).where(self.failures.c.key == key))

    @_or_unavailable
    def unlock(self, kind: str, value: str) -> None:
        """Lift one key's lock and forget its failures and backoff (an agent who verified the shopper another way)."""
        key = _key(kind, value)
        with self.engine.begin() as db:
            db.execute(delete(self.failures).where(self.failures.c.key == key))
            db.execute(delete(self.locks).where(self.locks.c.key == key))

    @_or_unavailable
    def clear(self) -> None:
        """Forget every failure and lock (tests; an operator unlocking everyone)."""
        with self.engine.begin() as db:
            db.execute(delete(self.failures))
            db.execute(delete(self.locks))

    def _fail(self, db, key: str, strikes: int, locked_until: float, limit: Limit, now: float) -> float:
        """One key's share of a failure, inside the caller's transaction that holds its row; seconds locked."""
        db.execute(insert(self.failures).values(key=key, at=now))
        recent = db.execute(select(func.count()).select_from(self.failures)
                            .where(self.failures.c.key == key, self.failures.c.at > now - limit.window_s)).scalar_one()
        if recent < limit.failures:
            return 0.0
        strikes = (strikes if now - locked_until < STRIKE_MEMORY_S else 0) + 1
        lock_s = min(FIRST_LOCK_S * 2 ** min(strikes - 1, 20), LONGEST_LOCK_S)
        db.execute(update(self.locks).where(self.locks.c.key == key)
                   .values(strikes=strikes, locked_until=now + lock_s))
        db.execute(delete(self.failures).where(self.failures.c.key == key))  # after the lock, a fresh count
        return lock_s

    def _hold(self, db, key: str) -> tuple[int, float]:
        """The key's row (strikes, locked_until), made if missing and held until the transaction ends."""
        while True:  # PostgreSQL: a purge may delete a stale row between the insert and the select; make it again
            db.execute(self._insert_if_missing({"key": key, "strikes": 0, "locked_until": 0.0}))
            row = db.execute(select(self.locks.c.strikes, self.locks.c.locked_until)
                             .where(self.locks.c.key == key).with_for_update()).one_or_none()
            if row is not None:
                return row.strikes, row.locked_until

    def _insert_if_missing(self, row: Dict[str, object]):
        dialect_insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return dialect_insert(self.locks).values(**row).on_conflict_do_nothing(index_elements=["key"])

    def _purge(self, now: float) -> None:
        """Drop failures older than every window and locks long forgotten; rows another transaction holds wait."""
        oldest = now - max(limit.window_s for limit in self.limits.values())
        with self.engine.begin() as db:
            stale = select(self.failures.c.id).where(self.failures.c.at <= oldest).with_for_update(skip_locked=True)
            db.execute(delete(self.failures).where(self.failures.c.id.in_(stale)))
            forgotten = (select(self.locks.c.key).where(self.locks.c.locked_until <= now - STRIKE_MEMORY_S)
                         .with_for_update(skip_locked=True))
            db.execute(delete(self.locks).where(self.locks.c.key.in_(forgotten)))


def lockout_url() -> str:
    """VERIFY_LOCKOUT_URL (any SQLAlchemy URL), else the SQLite file VERIFY_LOCKOUT_DB (data/verify_lockout.db)."""
    url = os.environ.get("VERIFY_LOCKOUT_URL", "").strip()
    if url:
        return url
    path = Path(os.environ.get("VERIFY_LOCKOUT_DB", PROJECT_ROOT / "data" / "verify_lockout.db"))
    return f"sqlite:///{path.resolve()}"


@lru_cache(maxsize=1)
def lockout() -> Lockout:
    """The configured lockout, built once per process."""
    return Lockout(lockout_url())


if __name__ == "__main__":  # `python -m shop.lockout unlock order TP10042` (or conversation ID, address IP) | clear
    import sys

    command = sys.argv[1:]
    if command[:1] == ["unlock"] and len(command) == 3 and command[1] in LIMITS:
        lockout().unlock(command[1], command[2])
    elif command == ["clear"]:
        lockout().clear()
    else:
        sys.exit("usage: python -m shop.lockout unlock {order|conversation|address} VALUE | clear")
