"""Erasing a conversation from every store (shop/erasure.py), and "forget me" requests done after the turn: only
once Rasa has stored the turn, again after a racing turn wrote old events back, and after a restart."""

import os
import stat
import time
from pathlib import Path

import pytest

from shop.erasure import Eraser, Stores, erase, last_activity
from tests.shop.conversation_stores import add_event, add_side_records, make_stores, rows

NOW = time.time()
NOTHING = {"tracker": 0, "broker": 0, "desk": 0, "copy_events": 0, "ratings": 0}


@pytest.fixture
def stores(tmp_path) -> Stores:
    stores = make_stores(tmp_path)
    for conversation in ("alice", "bob"):
        add_event(stores, conversation, NOW - 60, text="TP10001 and jo@example.com")
        add_event(stores, conversation, NOW - 59, action="action_listen")
        add_side_records(stores, conversation, NOW - 50)
    return stores


def test_erase_removes_the_conversation_from_every_store_and_nothing_else(stores):
    before = rows(stores, "bob")
    counts = erase(stores, "alice")
    assert counts == {"tracker": 2, "broker": 2, "desk": 5, "copy_events": 2, "ratings": 1}
    assert rows(stores, "alice") == NOTHING
    assert rows(stores, "bob") == before


def test_a_dry_run_counts_and_deletes_nothing(stores):
    before = rows(stores, "alice")
    assert erase(stores, "alice", dry_run=True)["tracker"] == 2
    assert rows(stores, "alice") == before


def test_erase_until_keeps_what_came_later(stores):
    add_event(stores, "alice", NOW + 10, text="a new question")
    erase(stores, "alice", until=NOW)
    assert rows(stores, "alice") == {**NOTHING, "tracker": 1, "broker": 1}


def test_missing_stores_are_skipped_not_created(tmp_path):
    stores = Stores.from_env({"TRACKER_DB": str(tmp_path / "none.db"), "EVENTS_DB": str(tmp_path / "no-events.db"),
                              "DESK_DATA_DIR": str(tmp_path), "COPY_EVENTS_DB": str(tmp_path / "c.db"),
                              "CONVERSATION_RATINGS_DB": str(tmp_path / "r.db")})
    assert erase(stores, "alice") == NOTHING
    assert list(tmp_path.iterdir()) == []


def test_stores_from_the_services_environment(tmp_path):
    stores = Stores.from_env({"TRACKER_DB": "data/tracker.db", "EVENTS_DATABASE_URL": "sqlite:////x/events.db",
                              "DESK_DATABASE_URL": "postgresql+psycopg://localhost/desk"})
    assert stores.tracker == f"sqlite:///{Path(__file__).resolve().parents[2] / 'data' / 'tracker.db'}"
    assert stores.broker == "sqlite:////x/events.db" and stores.desk == "postgresql+psycopg://localhost/desk"


def test_last_activity_is_the_latest_in_any_store(stores):
    add_event(stores, "bob", NOW - 5, text="later")
    latest = last_activity(stores)
    assert latest["alice"] == pytest.approx(NOW - 50)  # the desk, clicks and rating came after its events
    assert latest["bob"] == pytest.approx(NOW - 5)


def test_a_request_waits_for_the_turn_then_erases_twice(stores, tmp_path):
    eraser = Eraser(stores, tmp_path / "queue.db", again_after_s=30)
    eraser.request("alice", marker="action_forget_profile", now=NOW)
    assert eraser.run_due(now=NOW + 1) == 1  # Rasa has not stored the turn yet: nothing is deleted
    assert rows(stores, "alice")["tracker"] == 2

    add_event(stores, "alice", NOW + 0.5, action="action_forget_profile")  # the turn is stored
    assert eraser.run_due(now=NOW + 2) == 1
    assert rows(stores, "alice") == NOTHING

    # A turn that raced the first pass wrote the old events back, then the shopper carried on.
    add_event(stores, "alice", NOW - 60, text="TP10001 and jo@example.com")
    add_event(stores, "alice", NOW + 5, text="hello again")
    assert eraser.run_due(now=NOW + 10) == 1  # not yet time for the second pass
    assert eraser.run_due(now=NOW + 33) == 0
    assert rows(stores, "alice") == {**NOTHING, "tracker": 1, "broker": 1}  # only "hello again"
    assert rows(stores, "bob")["tracker"] == 2


def test_a_turn_that_is_never_stored_is_erased_after_the_wait(stores, tmp_path):
    eraser = Eraser(stores, tmp_path / "queue.db", wait_for_turn_s=60)
    eraser.request("alice", marker="action_forget_profile", now=NOW)
    eraser.run_due(now=NOW + 61)
    assert rows(stores, "alice") == NOTHING


def test_pending_requests_survive_a_restart(stores, tmp_path):
    Eraser(stores, tmp_path / "queue.db").request("alice", marker="action_forget_profile", now=NOW - 3600)
    restarted = Eraser(stores, tmp_path / "queue.db", again_after_s=0.2, poll_s=0.05).start()
    deadline = time.monotonic() + 10
    while restarted.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert restarted.pending() == 0 and rows(stores, "alice") == NOTHING


def test_the_queue_is_private(stores, tmp_path):
    Eraser(stores, tmp_path / "queue.db").request("alice", marker="action_forget_profile")
    assert stat.S_IMODE(os.stat(tmp_path / "queue.db").st_mode) == 0o600
