"""Complaints and requests for a person (actions/support.py, actions/handoff.py): tickets really recorded in a fresh
demo store. Here the agent desk is not running, so a request for a person is answered like "nobody can join now";
the queue itself is tested through the real servers in tests/desk/."""

import re
import sqlite3
from datetime import date

import pytest

from actions import config
from actions.handoff import MAX_TICKET_TEXT, ActionRequestHuman, summary
from actions.support import ActionRecordComplaint
from scripts.stack import free_port
from tests.actions.helpers import STORE_FACTS, run_action, tracker

CONTACT = STORE_FACTS["contact"]


@pytest.fixture(autouse=True)
def no_desk(monkeypatch):
    """A desk URL where nothing listens: the action must still answer, with a ticket and the team's contacts."""
    monkeypatch.setattr(config, "DESK_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("DESK_SERVICE_TOKEN", "unit-test-token")


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
    assert message["response"] == "utter_complaint_recorded"
    # Remembered so a photo shared next is attached to it (actions/attachments.py, issue 14).
    assert events == [{"event": "slot", "timestamp": None, "name": "latest_case", "value": f"complaint:{ticket_id}"}]
    assert message["custom"] == {"type": "ticket", "ticket_id": ticket_id, "kind": "complaint"}
    assert re.fullmatch(r"C[0-9A-F]{8}", ticket_id)
    [row] = tickets(fresh_store)
    assert {k: row[k] for k in ("id", "kind", "conversation_id", "order_id", "language", "text", "status")} == {
        "id": ticket_id, "kind": "complaint", "conversation_id": "conv-support", "order_id": "TP10042",
        "language": "en", "text": text, "status": "open",
    }


def test_with_the_desk_down_a_request_for_a_person_is_a_ticket_and_the_stores_contacts(fresh_store):
    message, events = run(ActionRequestHuman(), "can I talk to a human please", language="en")
    ticket_id = message["ticket_id"]
    assert message["response"] == "utter_handoff_no_agent"
    assert [e["event"] for e in events] == ["slot"]  # the bot is not paused: it stays with the shopper
    assert message["custom"] == {"type": "handoff_unavailable", "why": "no_agent", "ticket_id": ticket_id}
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


def test_an_angry_complaint_goes_to_a_person_and_a_mild_one_does_not(fresh_store):
    _, angry = run(ActionRecordComplaint(), "This is absolutely unacceptable, the worst service ever! I'm furious!!",
                   language="en")
    assert angry[1:] == [{"event": "slot", "timestamp": None, "name": "handoff_reason", "value": "angry_complaint"},
                         {"event": "followup", "timestamp": None, "name": "action_request_human"}]
    _, mild = run(ActionRecordComplaint(), "My order arrived damaged, I want a refund.", language="en")
    assert [e["name"] for e in mild] == ["latest_case"]  # the case is remembered for photos (issue 14), no handoff
    _, angry_zh = run(ActionRecordComplaint(), "太差劲了！你们的服务简直是垃圾，我非常生气！", language="zh")
    _, mild_zh = run(ActionRecordComplaint(), "我的订单到了但是坏了，我想退款。", language="zh")
    assert angry_zh[-1]["name"] == "action_request_human" and [e["name"] for e in mild_zh] == ["latest_case"]


def user(text, intent, entities=()):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": list(entities)}}


def test_the_handoff_summary_is_made_of_the_conversations_own_data():
    events = [
        user("hi", "greeting"),
        user("where is my order TP10042?", "order_tracking", [{"entity": "order_id", "value": "TP10042"}]),
        user("where is my order TP10042?", "order_tracking"),
        user("the tent arrived torn", "complaint"),
        user("/human_agent", "human_agent"),
    ]
    made = summary(tracker({"order_id": "TP10043"}, "/human_agent", events=events))
    assert made == {"intents": ["order_tracking", "complaint"], "order_ids": ["TP10042", "TP10043"],
                    "last_question": "the tent arrived torn"}


def bot(text, custom=None, utter=None):
    metadata = {"utter_action": utter} if utter else {}
    return {"event": "bot", "text": text, "data": {"custom": custom}, "metadata": metadata}


@pytest.mark.parametrize("previous, unhelpful", [
    (bot("I can't find that in our documents.", {"type": "answer", "route": "refusal"}), True),
    (bot("That's outside what I can help with.", utter="utter_out_of_scope"), True),
    (bot("Returns are free within 30 days.", {"type": "answer", "route": "extractive"}), False),
    (None, False),
])
def test_a_second_unhelpful_reply_in_a_row_is_what_hands_off(previous, unhelpful):
    from actions.questions import _previous_reply_unhelpful

    events = [user("do you sell kayaks?", "product_question")] + ([previous] if previous else [])
    events.append(user("do you sell surfboards?", "product_question"))
    assert _previous_reply_unhelpful(tracker({}, "do you sell surfboards?", events=events)) is unhelpful


@pytest.mark.parametrize("history, stays_paused", [
    ([{"event": "pause"}], True),
    ([{"event": "pause"}, {"event": "resume"}], False),
    ([], False),
])
def test_a_new_session_keeps_a_handed_off_conversation_paused_and_the_slots(history, stays_paused):
    from actions.session import ActionSessionStart

    domain = {"session_config": {"carry_over_slots_to_new_session": True}}
    events = ActionSessionStart().run(None, tracker({"order_id": "TP10042", "email": None}, events=history), domain)
    names = [e["event"] for e in events]
    assert names == ["session_started", "slot"] + (["pause"] if stays_paused else []) + ["action"]
    assert events[1]["name"] == "order_id" and events[-1]["name"] == "action_listen"
