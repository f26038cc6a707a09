"""Running an action or a form validation the way rasa-sdk does, and checking what it said against the domain."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from scripts.stack import STORE_DIR
from tests.conftest import demo_orders

ROOT = Path(__file__).resolve().parents[2]
# Every response name the domain defines: an action that utters another one would fail in Rasa.
RESPONSES = {
    name for path in (ROOT / "bot" / "domain").glob("*.yml")
    for name in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {})
}
STORE_FACTS = yaml.safe_load((STORE_DIR / "store.yml").read_text(encoding="utf-8"))
ORDERS = {o["id"]: o for o in demo_orders()}


def tracker(slots, text="", sender="conv-test", events=None) -> Tracker:
    """A tracker whose latest message is `text` (None: no message at all) with these slots."""
    latest = {"text": text, "entities": []} if text is not None else {}
    return Tracker(sender, dict(slots), latest, events or [], False, None, {}, "action_listen")


def run_action(action, slots, text="", sender="conv-test"):
    """(messages, events) of one run, sync or async; every response it utters must exist in the domain."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(slots, text, sender), {})
    if asyncio.iscoroutine(events):
        events = asyncio.run(events)
    assert all(m["response"] in RESPONSES for m in dispatcher.messages if m.get("response"))
    return dispatcher.messages, events


def db_rows(store, sql, *params):
    """Rows straight from the store's SQLite file, to see what an action really wrote."""
    with sqlite3.connect(store.db_path) as db:
        return db.execute(sql, params).fetchall()
