"""A locked store database, without the rest of the stack: the SQLite backend waits a bounded time with backoff,
then calls the store unavailable; the action server turns that into a polite reply, never a 500, and a form's
validation forgets the value it could not check. (tests/resilience/test_nothing_lost.py does the same through Rasa.)"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.outages import OUTAGE_RESPONSE, OutageTolerantExecutor
from scripts.stack import STORE_DIR
from shop.store import chosen, config
from shop.store.backend import StoreUnavailable
from shop.store.loader import load_store
from tests.conftest import demo_orders

ORDER = next(o for o in demo_orders() if o["status"] == "shipped")
DOMAIN_RESPONSES = {name for path in (config.PROJECT_ROOT / "bot" / "domain").glob("*.yml")
                    for name in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {})}


@pytest.fixture
def store_db(tmp_path, monkeypatch):
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    monkeypatch.setattr(config, "STORE_DB", db)
    monkeypatch.setattr(config, "STORE_DATA_DIR", STORE_DIR)
    monkeypatch.setenv("VERIFY_LOCKOUT_DB", str(tmp_path / "verify_lockout.db"))
    chosen.store.cache_clear()
    yield db
    chosen.store.cache_clear()


@pytest.fixture
def locked(store_db):
    """Another process's exclusive lock on the store (as a backup or a long write would hold it)."""
    holder = sqlite3.connect(store_db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def test_a_lock_that_stays_makes_the_store_unavailable_after_bounded_retries(locked):
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        chosen.store().find_order(ORDER["id"], ORDER["email"])
    waited = time.monotonic() - started
    assert 2.5 <= waited <= 8, waited  # five tries of 0.5 s with 1.5 s of backoff between them


def test_a_lock_let_go_during_the_retries_is_waited_out(locked):
    threading.Timer(1.2, locked.execute, ["ROLLBACK"]).start()  # longer than one busy timeout
    order = chosen.store().find_order(ORDER["id"], ORDER["email"])
    assert order is not None and order.id == ORDER["id"]


def validation_call(slots_this_turn):
    """Rasa's call of the order-tracking form's validation, with the shopper's e-mail extracted this turn."""
    events = [{"event": "user", "text": ORDER["email"], "parse_data": {"intent": {"name": "order_tracking"}}}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in slots_this_turn.items()]
    return {
        "next_action": "validate_order_tracking_form",
        "sender_id": "outage-test",
        "tracker": {"sender_id": "outage-test", "slots": {"order_id": ORDER["id"], "requested_slot": "email",
                                                          **slots_this_turn},
                    "latest_message": {"text": ORDER["email"], "intent": {"name": "order_tracking"}, "entities": []},
                    "events": events, "paused": False, "followup_action": None,
                    "active_loop": {"name": "order_tracking_form"},
                    "latest_action_name": "action_listen"},
        "domain": {"slots": {}, "forms": {"order_tracking_form": {"required_slots": ["order_id", "email"]}},
                   "responses": {}, "actions": [], "intents": [], "entities": []},
        "version": "3.6.21",
    }


def test_a_store_outage_during_a_form_gets_a_polite_reply_and_keeps_nothing_unchecked(locked):
    executor = OutageTolerantExecutor()
    executor.register_package("actions")
    result = asyncio.run(executor.run(validation_call({"email": ORDER["email"]})))
    said = CollectingDispatcher()
    said.utter_message(response=OUTAGE_RESPONSE)  # rendered by Rasa from the domain
    assert result.responses == said.messages and OUTAGE_RESPONSE in DOMAIN_RESPONSES
    assert [(e["event"], e["name"], e["value"]) for e in result.events] == [("slot", "email", None)]


def test_other_failures_are_not_hidden(store_db, monkeypatch):
    """Only an outage gets the polite reply: a bug still fails loudly (rasa-sdk answers 500 and logs it)."""
    executor = OutageTolerantExecutor()
    executor.register_package("actions")

    def broken(*_args, **_kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(type(chosen.store()), "find_order", broken)
    with pytest.raises(ValueError):
        asyncio.run(executor.run(validation_call({"email": ORDER["email"]})))
