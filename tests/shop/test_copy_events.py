"""The copy experiment's event store and statistics (shop/experiments): validated input, honest counts, WAL."""

import sqlite3
import threading

import pytest

from shop.cardcopy import VARIANTS
from shop.experiments import events as copy_events
from shop.experiments.bandit import wilson_interval
from shop.experiments.events import EventError, NotAssigned


@pytest.fixture
def db(tmp_path):
    return tmp_path / "copy_events.db"


@pytest.mark.parametrize(
    "k, n, low, high",
    [(5, 10, 0.2366, 0.7634), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (50, 1000, 0.0381, 0.0653)],
)
def test_wilson_interval(k, n, low, high):
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_without_trials():
    assert wilson_interval(0, 0) == (0.0, 0.0)


# ---------- the event store ----------


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"variant": "shouty"}, "variant must be one of"),
        ({"kind": "hover"}, "kind must be one of"),
        ({"element": "image"}, "element must be one of"),
        ({"kind": "impression", "element": "button"}, "impression is always of the card"),
        ({"element": None}, "element must be one of"),  # a click says what was clicked
        ({"conversation_id": ""}, "conversation_id must be a non-empty string"),
        ({"conversation_id": 42}, "conversation_id must be a non-empty string"),
        ({"conversation_id": "x" * 129}, "longer than 128"),
        ({"item_id": "TP\n-1"}, "control characters"),
        ({"item_id": "x" * 65}, "longer than 64"),
        ({"ts": "yesterday"}, "ts must be"),
    ],
)
def test_the_event_store_rejects_bad_input(db, fields, message):
    event = {"conversation_id": "c1", "variant": "social", "kind": "click", "item_id": "TP-JKT-001",
             "element": "link", **fields}
    with pytest.raises(EventError, match=message):
        copy_events.record_event(db, require_assignment=False, **event)
    assert copy_events.stats(db)["social"]["events"] == 0


def test_events_must_match_the_conversations_variant(db):
    with pytest.raises(NotAssigned):
        copy_events.record_event(db, "c1", "social", "impression", "TP-JKT-001")
    copy_events.assign(db, "c1", "social", "ab")
    other = next(v for v in VARIANTS if v != "social")
    with pytest.raises(NotAssigned):
        copy_events.record_event(db, "c1", other, "impression", "TP-JKT-001")
    copy_events.record_event(db, "c1", "social", "impression", "TP-JKT-001")  # element defaults to the card
    assert copy_events.stats(db)["social"] == {"impressions": 1, "clicks": 0, "events": 1, "conversations": 1}


def test_repeats_do_not_inflate_the_counts(db):
    copy_events.assign(db, "c1", "deal", "bandit")
    for _ in range(3):  # a reload re-renders; a shopper clicks twice
        copy_events.record_event(db, "c1", "deal", "impression", "TP-JKT-001")
        copy_events.record_event(db, "c1", "deal", "click", "TP-JKT-001", "button")
    copy_events.record_event(db, "c1", "deal", "impression", "TP-JKT-002")
    assert copy_events.stats(db)["deal"] == {"impressions": 2, "clicks": 1, "events": 7, "conversations": 1}


def test_the_store_uses_wal_for_concurrent_writers(db):
    copy_events.assign(db, "c1", "deal", "bandit")
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def write(n):
        for i in range(25):
            copy_events.record_event(db, "c1", "deal", "impression", f"TP-{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert copy_events.stats(db)["deal"]["impressions"] == 100

