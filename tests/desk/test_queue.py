"""The desk's queue and accounts on a real SQLite file: atomic claims, priorities, passwords, sign-in limits, hours."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine

from desk import accounts, handoffs, hours
from desk.db import connect
from scripts.stack import STORE_DIR


# The machine's PostgreSQL (trust auth on loopback): the same queue code must hold there too.
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield connect(f"sqlite:///{tmp_path / 'desk.db'}")
        return
    name = f"desk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = connect(POSTGRES.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as db:
        db.exec_driver_sql(f"DROP DATABASE {name}")
    admin.dispose()


def new(engine, conversation, reason="asked", tier="none"):
    return handoffs.create(engine, conversation_id=conversation, reason=reason, summary={}, language="en",
                           channel="socketio", tier=tier)


def test_the_database_file_is_owner_only(tmp_path):
    connect(f"sqlite:///{tmp_path / 'private.db'}")
    assert (tmp_path / "private.db").stat().st_mode & 0o777 == 0o600


def test_of_many_agents_claiming_at_once_exactly_one_wins(engine):
    agents = [accounts.add(engine, f"a{n}@store.example", f"A{n}", "long password 1") for n in range(8)]
    handoff = new(engine, "c-race")
    results, barrier = [], threading.Barrier(len(agents))

    def claim(agent):
        barrier.wait()
        try:
            results.append(("won", handoffs.claim(engine, handoff["id"], agent.id)["agent"]["id"]))
        except handoffs.HandoffError as error:
            results.append((str(error), error.details.get("agent")))

    threads = [threading.Thread(target=claim, args=(a,)) for a in agents]
    [t.start() for t in threads]
    [t.join() for t in threads]
    winners = [r for r in results if r[0] == "won"]
    assert len(winners) == 1
    owner = next(a.name for a in agents if a.id == winners[0][1])
    assert sorted(results) == sorted(winners + [("already taken", owner)] * 7)


def test_complaints_and_members_go_first_then_the_longest_wait(engine):
    first, second = new(engine, "c1"), new(engine, "c2")
    gold = new(engine, "c3", tier="gold")
    angry = new(engine, "c4", reason="angry_complaint")
    rule = new(engine, "c5", reason="rule:legal")
    assert [h["id"] for h in handoffs.waiting(engine)] == [angry["id"], rule["id"], gold["id"], first["id"],
                                                            second["id"]]
    assert handoffs.position(engine, second["id"]) == 5


def test_asking_twice_keeps_one_place_in_the_queue(engine):
    assert new(engine, "c-twice")["id"] == new(engine, "c-twice")["id"]


def test_only_the_owner_or_an_admin_can_reply_transfer_or_close(engine):
    lin = accounts.add(engine, "lin@store.example", "Lin", "long password 1")
    max_ = accounts.add(engine, "max@store.example", "Max", "long password 2")
    boss = accounts.add(engine, "boss@store.example", "Boss", "long password 3", role="admin")
    handoff = handoffs.claim(engine, new(engine, "c-own")["id"], lin.id)
    with pytest.raises(handoffs.HandoffError) as refused:
        handoffs.close(engine, handoff["id"], max_.id, "answered")
    assert refused.value.status == 403
    moved = handoffs.transfer(engine, handoff["id"], lin.id, max_.id)
    assert moved["agent"]["name"] == "Max"
    closed = handoffs.close(engine, handoff["id"], boss.id, "answered", is_admin=True)
    assert (closed["status"], closed["resolution"]) == ("closed", "answered")
    assert handoffs.rate(engine, "c-own", 4) == handoff["id"] and handoffs.get(engine, handoff["id"])["rating"] == 4


def test_a_shopper_who_stops_waiting_leaves_the_queue_unless_someone_already_joined(engine):
    lin = accounts.add(engine, "lin@store.example", "Lin", "long password 1")
    waiting, taken = new(engine, "c-leave"), new(engine, "c-taken")
    handoffs.claim(engine, taken["id"], lin.id)
    assert handoffs.cancel(engine, waiting["id"]) and not handoffs.cancel(engine, taken["id"])
    assert handoffs.get(engine, waiting["id"])["status"] == "cancelled"


def test_passwords_are_argon2_hashes_and_weak_ones_are_refused(engine):
    lin = accounts.add(engine, "Lin@Store.example", "Lin", "correct horse battery")
    with engine.connect() as db:
        stored = db.exec_driver_sql("SELECT password_hash FROM desk_agents").scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.verify(engine, "lin@store.example", "correct horse battery") == lin
    assert accounts.verify(engine, "lin@store.example", "wrong") is None
    assert accounts.verify(engine, "nobody@store.example", "correct horse battery") is None
    with pytest.raises(accounts.AccountError):
        accounts.add(engine, "short@store.example", "S", "short")
    with pytest.raises(accounts.AccountError):
        accounts.add(engine, "lin@store.example", "Again", "another long one")


def test_sign_in_attempts_are_limited_per_email_and_per_address(engine):
    limits = {"email:lin@store.example": 5, "ip:127.0.0.1": 8}
    for _ in range(5):
        assert accounts.attempts_left(engine, limits, 300)[0]
        accounts.record_failure(engine, list(limits))
    allowed, wait_s = accounts.attempts_left(engine, limits, 300)
    assert not allowed and 290 < wait_s <= 300
    other = {"email:other@store.example": 5, "ip:127.0.0.1": 8}
    for _ in range(3):
        assert accounts.attempts_left(engine, other, 300)[0]
        accounts.record_failure(engine, list(other))
    assert not accounts.attempts_left(engine, other, 300)[0]  # the address has now failed 8 times
    assert accounts.attempts_left(engine, {"email:other@store.example": 5, "ip:10.0.0.9": 8}, 300)[0]


@pytest.mark.parametrize("local, open_", [
    ("2026-12-01 10:00", True),   # Tuesday morning
    ("2026-12-01 18:30", False),  # Tuesday after six
    ("2026-12-05 14:59", True),   # Saturday before three
    ("2026-12-05 15:00", False),
    ("2026-12-06 12:00", False),  # Sunday
])
def test_opening_hours_come_from_store_yml_in_the_stores_time_zone(local, open_):
    at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("America/Los_Angeles"))
    assert hours.is_open("store.yml", STORE_DIR / "store.yml", now=at) is open_
    assert hours.is_open("always", STORE_DIR / "store.yml", now=at) and not hours.is_open("never", STORE_DIR)
