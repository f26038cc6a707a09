"""Complaints and requests for a person (actions/support.py): tickets really recorded in a fresh demo store."""

import re
import sqlite3
from datetime import date

import pytest

from actions.support import MAX_TICKET_TEXT, ActionRecordComplaint, ActionRequestHuman
from tests.actions.helpers import STORE_FACTS, run_action

CONTACT = STORE_FACTS["contact"]


def run(action, text, sender="conv-support", **slots):
    messages, events = run_action(action, slots, text, sender=sender)
    [message] = messages
    assert message.get("response")
    return message, events


def tickets(store):
    with sqlite3.connect(store.db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM tickets ORDER BY rowid")]


def test_a_complaint_is_recorded_as_a_ticket(fresh_store):
    text = "My jacket arrived torn and nobody answers my emails"
    message, events = run(ActionRecordComplaint(), text, language="en", order_id="TP10042")
    ticket_id = message["ticket_id"]
    assert message["response"] == "utter_complaint_recorded" and events == []
    assert message["custom"] == {"type": "ticket", "ticket_id": ticket_id, "kind": "complaint"}
    assert re.fullmatch(r"C[0-9A-F]{8}", ticket_id)
    [row] = tickets(fresh_store)
    assert {k: row[k] for k in ("id", "kind", "conversation_id", "order_id", "language", "text", "status")} == {
        "id": ticket_id, "kind": "complaint", "conversation_id": "conv-support", "order_id": "TP10042",
        "language": "en", "text": text, "status": "open",
    }


def test_a_request_for_a_person_is_recorded_and_answered_with_the_stores_contacts(fresh_store):
    message, events = run(ActionRequestHuman(), "can I talk to a human please", language="en")
    ticket_id = message["ticket_id"]
    assert message["response"] == "utter_human_contact" and events == []
    assert message["custom"] == {"type": "ticket", "ticket_id": ticket_id, "kind": "handoff"}
    assert re.fullmatch(r"H[0-9A-F]{8}", ticket_id)
    assert (message["email"], message["phone"], message["hours"]) == (
        CONTACT["email"], CONTACT["phone"], CONTACT["hours"]["en"])
    [row] = tickets(fresh_store)
    assert (row["id"], row["kind"], row["order_id"]) == (ticket_id, "handoff", None)


def test_chinese_shoppers_get_chinese_hours_and_a_chinese_ticket(fresh_store):
    text = "我要转人工客服，订单一直没到"
    message, _ = run(ActionRequestHuman(), text, language="zh", order_id="TP10043")
    assert message["hours"] == CONTACT["hours"]["zh"] and message["hours"] != CONTACT["hours"]["en"]
    [row] = tickets(fresh_store)
    assert (row["language"], row["text"], row["order_id"]) == ("zh", text, "TP10043")


def test_long_messages_are_cut_to_the_ticket_limit(fresh_store):
    text = "".join(f"line {n}: the zip broke again. " for n in range(400))
    assert len(text) > MAX_TICKET_TEXT
    run(ActionRecordComplaint(), text, language="en")
    [row] = tickets(fresh_store)
    assert row["text"] == text[:MAX_TICKET_TEXT] and len(row["text"]) == MAX_TICKET_TEXT


def test_a_message_exactly_at_the_limit_is_kept_whole(fresh_store):
    text = "投诉" * (MAX_TICKET_TEXT // 2)
    run(ActionRecordComplaint(), text, language="zh")
    assert tickets(fresh_store)[0]["text"] == text


def test_language_defaults_to_english(fresh_store):
    message, _ = run(ActionRequestHuman(), "agent")
    assert message["hours"] == CONTACT["hours"]["en"]
    assert tickets(fresh_store)[0]["language"] == "en"


def test_a_button_without_text_still_records_a_ticket(fresh_store):
    message, _ = run(ActionRecordComplaint(), None, language="en")
    [row] = tickets(fresh_store)
    assert row["id"] == message["ticket_id"] and row["text"] == ""


def test_every_request_gets_its_own_ticket(fresh_store):
    ids = [run(ActionRecordComplaint(), f"complaint {n}", sender=f"conv-{n}")[0]["ticket_id"] for n in range(3)]
    ids.append(run(ActionRequestHuman(), "human", sender="conv-0")[0]["ticket_id"])
    assert len(set(ids)) == 4
    rows = tickets(fresh_store)
    assert [r["id"] for r in rows] == ids
    assert [(r["conversation_id"], r["kind"]) for r in rows] == [
        ("conv-0", "complaint"), ("conv-1", "complaint"), ("conv-2", "complaint"), ("conv-0", "handoff")]


@pytest.mark.parametrize("action", [ActionRecordComplaint(), ActionRequestHuman()])
def test_tickets_are_dated_today_and_open(fresh_store, action):
    run(action, "help", language="en")
    [row] = tickets(fresh_store)
    assert (row["created_at"], row["status"]) == (date.today().isoformat(), "open")
