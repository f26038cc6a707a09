"""Seeded SQLite copies of every store that keeps conversations, for the erasure and retention tests: Rasa's tracker
store and SQL event broker (their tables as Rasa 3.6 creates them), and the desk's, copy events' and ratings' own
schemas made by their own code."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Dict

from sqlalchemy import insert

from desk import db as desk_db
from shop.erasure import Stores
from shop.experiments import events as copy_events
from shop.feedback import record_rating

# rasa/core/tracker_store.py SQLTrackerStore.SQLEvent and rasa/core/brokers/sql.py SQLEventBroker.SQLBrokerEvent
TRACKER_SCHEMA = ("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                  "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                  "action_name VARCHAR(255), data TEXT)")
BROKER_SCHEMA = "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"


def make_stores(tmp: Path) -> Stores:
    for name, schema in (("tracker.db", TRACKER_SCHEMA), ("events.db", BROKER_SCHEMA)):
        with sqlite3.connect(tmp / name) as db:
            db.execute(schema)
    desk_db.connect(f"sqlite:///{tmp / 'desk.db'}").dispose()
    return Stores(tracker=f"sqlite:///{tmp / 'tracker.db'}", broker=f"sqlite:///{tmp / 'events.db'}",
                  desk=f"sqlite:///{tmp / 'desk.db'}", copy_events=f"sqlite:///{tmp / 'copy_events.db'}",
                  ratings=f"sqlite:///{tmp / 'conversation_ratings.db'}")


def path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def add_event(stores: Stores, conversation: str, at: float, text: str = "", action: str = "") -> None:
    """One event in the tracker store and on the broker, as Rasa writes them."""
    event = {"event": "action", "name": action} if action else {"event": "user", "text": text}
    event["timestamp"] = at
    with sqlite3.connect(path(stores.tracker)) as db:
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, action_name, data) VALUES (?,?,?,?,?)",
                   (conversation, event["event"], at, action or None, json.dumps(event)))
    with sqlite3.connect(path(stores.broker)) as db:
        db.execute("INSERT INTO events (sender_id, data) VALUES (?, ?)",
                   (conversation, json.dumps({"sender_id": conversation, **event})))


def add_side_records(stores: Stores, conversation: str, at: float) -> None:
    """A handoff with a note, a draft and a transfer on the desk; a copy variant and a click; a rating."""
    engine = desk_db.connect(stores.desk)
    with engine.begin() as db:
        agent = db.execute(insert(desk_db.agents).values(email=f"{conversation}@desk.example", name="A", role="agent",
                                                         password_hash="x", active=True, created_at=at)).lastrowid
        handoff = db.execute(insert(desk_db.handoffs).values(
            conversation_id=conversation, status="closed", reason="asked", summary={"order_ids": ["TP10001"]},
            language="en", channel="rest", tier="standard", priority=1, created_at=at, closed_at=at)).lastrowid
        db.execute(insert(desk_db.notes).values(handoff_id=handoff, agent_id=agent, text="jo@example.com",
                                                created_at=at))
        db.execute(insert(desk_db.drafts).values(handoff_id=handoff, agent_id=agent, question="q", text="t",
                                                 groundedness=1.0, refused=False, citations=[], created_at=at))
        db.execute(insert(desk_db.transfers).values(handoff_id=handoff, to_agent_id=agent, at=at))
        db.execute(insert(desk_db.conversations).values(conversation_id=conversation, first_seen=at, last_seen=at))
    engine.dispose()
    copy_db = path(stores.copy_events)
    copy_events.assign(copy_db, conversation, "benefit", "ab")
    with sqlite3.connect(copy_db) as db:
        db.execute("UPDATE assignments SET ts = ? WHERE conversation_id = ?", (at, conversation))
    copy_events.record_event(copy_db, conversation, "benefit", "click", "TP-JKT-001", "card", ts=at)
    record_rating(path(stores.ratings), conversation, 5, "great", "en", now=at)


def rows(stores: Stores, conversation: str) -> Dict[str, int]:
    """Rows that still belong to the conversation, per store (the desk's counted across its tables)."""
    def count(url: str, query: str, *args) -> int:
        with sqlite3.connect(path(url)) as db:
            return db.execute(query, args).fetchone()[0]

    handoffs = "(SELECT id FROM desk_handoffs WHERE conversation_id = ?)"
    return {
        "tracker": count(stores.tracker, "SELECT COUNT(*) FROM events WHERE sender_id = ?", conversation),
        "broker": count(stores.broker, "SELECT COUNT(*) FROM events WHERE sender_id = ?", conversation),
        "desk": count(stores.desk, "SELECT (SELECT COUNT(*) FROM desk_handoffs WHERE conversation_id = ?)"
                      f" + (SELECT COUNT(*) FROM desk_notes WHERE handoff_id IN {handoffs})"
                      f" + (SELECT COUNT(*) FROM desk_drafts WHERE handoff_id IN {handoffs})"
                      f" + (SELECT COUNT(*) FROM desk_transfers WHERE handoff_id IN {handoffs})"
                      " + (SELECT COUNT(*) FROM desk_conversations WHERE conversation_id = ?)",
                      *[conversation] * 5),
        "copy_events": count(stores.copy_events, "SELECT (SELECT COUNT(*) FROM assignments WHERE conversation_id = ?)"
                             " + (SELECT COUNT(*) FROM events WHERE conversation_id = ?)", conversation, conversation),
        "ratings": count(stores.ratings, "SELECT COUNT(*) FROM ratings WHERE conversation_id = ?", conversation),
    }
