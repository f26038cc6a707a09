"""The order-verification lockout (shop/lockout.py): limits per order, conversation and address, the backoff, the
window, and many threads or processes failing at once, on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import itertools
import os
import stat
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from shop import lockout as lockouts
from shop.store.backend import StoreUnavailable
from shop.lockout import FIRST_LOCK_S, LIMITS, LONGEST_LOCK_S, STRIKE_MEMORY_S, Attempt, Lockout

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WINDOW_S = LIMITS["conversation"].window_s


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=["sqlite", "postgresql"])
def make(request, tmp_path) -> Iterator[Callable[..., Lockout]]:
    """Builds lockouts over one fresh database: a SQLite file, or a schema of its own on PostgreSQL (dropped after)."""
    made = []
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'lockout.db'}", None
    else:
        url, schema = POSTGRES_URL, f"lockout_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as db:
                db.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as error:
            pytest.skip(f"no PostgreSQL at {url}: {error}")

    def build(**options) -> Lockout:
        lockout = Lockout(url, schema=schema, **options)
        made.append(lockout)
        return lockout

    build.url, build.schema = url, schema
    yield build
    for lockout in made:
        lockout.engine.dispose()
    if schema:
        with admin.connect() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


ORDER_NUMBERS = itertools.count(20000)


def fail_until_locked(lockout: Lockout, conversation: str, most: int = 50) -> tuple[int, float]:
    """Fails one conversation with a new order each time (so only the conversation counts) until it locks:
    (failures it took, the lock's length)."""
    for count in range(1, most + 1):
        locked = lockout.failed(Attempt(f"TP{next(ORDER_NUMBERS)}", conversation))
        if locked:
            return count, locked
    raise AssertionError(f"not locked after {most} failures")


def test_a_conversation_locks_at_its_limit_and_refuses_any_order(make):
    clock = Clock()
    lockout = make(clock=clock)
    attempt = Attempt("TP10001", "conv-a")
    assert [lockout.failed(attempt) for _ in range(LIMITS["conversation"].failures)] == [0.0, 0.0, FIRST_LOCK_S]
    assert lockout.locked_for(attempt) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10002", "conv-a")) == FIRST_LOCK_S  # the conversation is locked
    assert lockout.locked_for(Attempt("TP10002", "conv-b")) == 0.0
    clock.advance(20)
    assert lockout.locked_for(attempt) == FIRST_LOCK_S - 20
    clock.advance(FIRST_LOCK_S - 20)
    assert lockout.locked_for(attempt) == 0.0


def test_an_order_locks_from_many_conversations_and_an_address_from_many_orders(make):
    lockout = make(clock=Clock())
    order_limit, address_limit = LIMITS["order"].failures, LIMITS["address"].failures
    for n in range(order_limit - 1):
        assert lockout.failed(Attempt("TP10001", f"conv-{n}")) == 0.0
    assert lockout.failed(Attempt("TP10001", "conv-last")) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10001", "conv-fresh", "192.0.2.1")) == FIRST_LOCK_S
    for n in range(address_limit - 1):
        assert lockout.failed(Attempt(f"TP2{n:04d}", f"conv-address-{n}", "192.0.2.9")) == 0.0
    assert lockout.failed(Attempt("TP29999", "conv-address-last", "192.0.2.9")) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10003", "conv-fresh", "192.0.2.9")) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10003", "conv-fresh", "192.0.2.10")) == 0.0
    assert lockout.locked_for(Attempt("TP10003", "conv-fresh")) == 0.0  # no address known: that key is skipped


def test_failures_older_than_the_window_no_longer_count(make):
    clock = Clock()
    lockout = make(clock=clock)
    attempt = Attempt("TP10001", "conv-a")
    lockout.failed(attempt)
    clock.advance(WINDOW_S * 2 / 3)
    lockout.failed(attempt)
    clock.advance(WINDOW_S / 3 + 1)  # the first failure has left the window
    assert lockout.failed(attempt) == 0.0
    assert lockout.failed(attempt) == FIRST_LOCK_S


def test_each_new_lock_lasts_twice_as_long_up_to_an_hour(make):
    clock = Clock()
    lockout = make(clock=clock)
    lengths = []
    for _ in range(9):
        count, length = fail_until_locked(lockout, "conv-a")
        assert count == LIMITS["conversation"].failures  # a fresh count after every lock
        # A failure that races the lock neither counts (against any key) nor extends it.
        assert lockout.failed(Attempt("TP10001", "conv-a", "192.0.2.1")) == length
        lengths.append(length)
        clock.advance(length)
    assert lengths == [60, 120, 240, 480, 960, 1920, LONGEST_LOCK_S, LONGEST_LOCK_S, LONGEST_LOCK_S]
    assert lockout.failed(Attempt("TP10001", "conv-b", "192.0.2.1")) == 0.0  # the raced ones were not counted


def test_the_backoff_starts_again_after_a_quiet_day(make):
    clock = Clock()
    lockout = make(clock=clock)
    assert fail_until_locked(lockout, "conv-a")[1] == 60
    clock.advance(60)
    assert fail_until_locked(lockout, "conv-a")[1] == 120
    clock.advance(120 + STRIKE_MEMORY_S)
    assert fail_until_locked(lockout, "conv-a")[1] == 60


def test_a_success_clears_only_the_conversations_failures(make):
    lockout = make(clock=Clock())
    attempt = Attempt("TP10001", "conv-a", "192.0.2.1")
    lockout.failed(attempt)
    lockout.failed(attempt)
    lockout.succeeded(attempt)
    assert lockout.failed(attempt) == 0.0  # the conversation counts from 0 again: 1 of 3
    assert lockout.failed(attempt) == 0.0
    # The order kept all four: the fifth, from another conversation, locks it.
    assert lockout.failed(Attempt("TP10001", "conv-b")) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10001", "conv-c")) == FIRST_LOCK_S
    # A success does not lift a lock either (callers never check a locked pair, but the store holds regardless).
    lockout.succeeded(Attempt("TP10001", "conv-b"))
    assert lockout.locked_for(Attempt("TP10001", "conv-c")) == FIRST_LOCK_S


def test_old_rows_are_purged(make):
    clock = Clock()
    lockout = make(clock=clock)
    fail_until_locked(lockout, "conv-a")
    lockout.failed(Attempt("TP10002", "conv-b", "192.0.2.1"))
    clock.advance(STRIKE_MEMORY_S + 120)
    fail_until_locked(lockout, "conv-d")
    with lockout.engine.connect() as db:
        failures = db.execute(select(lockout.failures.c.key)).scalars().all()
        locks = db.execute(select(lockout.locks.c.key, lockout.locks.c.strikes)).all()
    # What is left: the new lock (its strike matters for a day) and the new failures of its three orders.
    assert [tuple(row) for row in locks] == [("conversation:conv-d", 1)]
    assert len(failures) == 3 and all(key.startswith("order:TP2") for key in failures)


def test_a_very_long_conversation_id_is_one_key(make):
    lockout = make(clock=Clock())
    sender = "s" * 10_000
    assert fail_until_locked(lockout, sender) == (3, FIRST_LOCK_S)
    assert lockout.locked_for(Attempt("TP10002", sender)) == FIRST_LOCK_S
    assert lockout.locked_for(Attempt("TP10002", sender[:-1] + "t")) == 0.0


def test_two_lockouts_on_one_database_share_failures_and_locks(make):
    clock = Clock()
    first, second = make(clock=clock), make(clock=clock)
    attempt = Attempt("TP10001", "conv-a")
    first.failed(attempt)
    second.failed(attempt)
    assert first.failed(attempt) == FIRST_LOCK_S
    assert second.locked_for(attempt) == FIRST_LOCK_S


def test_many_threads_failing_at_once_lock_exactly_once(make):
    """80 failures of one order at one instant from 8 threads: the first 4 count, the 5th locks it once (60 s, not
    120: no two threads both saw themselves as the 5th), and every later one finds it locked."""
    lockout = make(clock=Clock())
    attempts = [Attempt("TP10001", f"conv-{n}", f"192.0.2.{n % 3}") for n in range(80)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lockout.failed, attempts))
    assert results.count(0.0) == LIMITS["order"].failures - 1
    assert set(results) == {0.0, FIRST_LOCK_S}
    with lockout.engine.connect() as db:
        strikes = db.execute(select(lockout.locks.c.strikes).where(lockout.locks.c.key == "order:TP10001")).scalar()
        failures = db.execute(select(func.count()).select_from(lockout.failures)
                              .where(lockout.failures.c.key == "order:TP10001")).scalar()
    assert (strikes, failures) == (1, 0)


def _fail_in_a_process(url: str, schema, now: float, conversation: str) -> float:
    lockout = Lockout(url, schema=schema, clock=lambda: now)
    try:
        return lockout.failed(Attempt("TP10001", conversation))
    finally:
        lockout.engine.dispose()


def test_several_processes_failing_at_once_lock_exactly_once(make):
    """The scale-out profile runs several action servers: the same count across processes."""
    make()  # creates the tables before the processes race to
    with ProcessPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_fail_in_a_process, [make.url] * 24, [make.schema] * 24, [1_000_000.0] * 24,
                                [f"conv-{n}" for n in range(24)]))
    assert results.count(0.0) == LIMITS["order"].failures - 1
    assert set(results) == {0.0, FIRST_LOCK_S}


def test_the_sqlite_file_is_owner_only(tmp_path):
    lockout = Lockout(f"sqlite:///{tmp_path / 'private' / 'lockout.db'}")
    lockout.failed(Attempt("TP10001", "conv-a", "192.0.2.1"))
    files = sorted((tmp_path / "private").iterdir())
    assert files and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files), files
    lockout.engine.dispose()


def test_the_database_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("VERIFY_LOCKOUT_URL", raising=False)
    monkeypatch.delenv("VERIFY_LOCKOUT_DB", raising=False)
    assert lockouts.lockout_url() == f"sqlite:///{lockouts.PROJECT_ROOT / 'data' / 'verify_lockout.db'}"
    monkeypatch.setenv("VERIFY_LOCKOUT_DB", str(tmp_path / "x.db"))
    assert lockouts.lockout_url() == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("VERIFY_LOCKOUT_URL", POSTGRES_URL)
    assert lockouts.lockout_url() == POSTGRES_URL


def test_an_unreachable_database_is_a_store_outage_not_a_crash():
    with pytest.raises(StoreUnavailable):
        Lockout("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")


def test_an_operator_can_unlock_one_key(make):
    lockout = make(clock=Clock())
    attempt = Attempt("TP10001", "conv-a", "192.0.2.1")
    for _ in range(LIMITS["conversation"].failures):
        lockout.failed(attempt)
    lockout.unlock("conversation", "conv-a")
    assert lockout.locked_for(attempt) == 0.0
    assert lockout.failed(attempt) == 0.0  # a fresh count too; the order and address kept theirs (4 now)
    assert lockout.failed(Attempt("TP10001", "conv-b")) == FIRST_LOCK_S
