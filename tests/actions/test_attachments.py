"""A shared photo (actions/attachments.py) is attached to the conversation's latest return or complaint."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.attachments import ActionSharePhoto, is_photo_message, remember_case
from actions.returns import ActionCreateReturn, ValidateReturnForm
from actions.support import ActionRecordComplaint
from tests.actions.helpers import ORDERS, RESPONSES, run_action

SENDER = "conv-photos"
PNG = b"\x89PNG\r\n\x1a\nnot decoded by the store"
ONE_ITEM = "TP10023"  # delivered 25 days ago: boots


def share(photo_id: str, slots: dict, active_loop: str | None = None, sender: str = SENDER):
    """(messages, events) of action_share_photo for the page's payload carrying `photo_id`."""
    text = f'/share_photo{{"attachment_id": "{photo_id}"}}'
    latest = {"text": text, "intent": {"name": "share_photo"},
              "entities": [{"entity": "attachment_id", "value": photo_id}]}
    tracker = Tracker(sender, {"language": "en", **slots}, latest, [], False, None,
                      {"name": active_loop} if active_loop else {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionSharePhoto().run(dispatcher, tracker, {})
    assert all(m["response"] in RESPONSES for m in dispatcher.messages)
    return dispatcher.messages, events


def open_return(store) -> str:
    slots = {"language": "en", "order_id": ONE_ITEM, "email": ORDERS[ONE_ITEM]["email"],
             "return_item": "TP-FTW-004", "return_reason": "arrived scuffed"}
    [message], events = run_action(ActionCreateReturn(), slots, sender=SENDER)
    assert {"event": "slot", "timestamp": None, "name": "latest_case",
            "value": f"return:{message['return_id']}"} in events
    return message["return_id"]


def test_a_photo_after_a_return_is_attached_to_it(fresh_store):
    return_id = open_return(fresh_store)
    photo = fresh_store.save_attachment(SENDER, "image/png", PNG)

    [message], events = share(photo, {"latest_case": f"return:{return_id}"})

    assert (message["response"], message["return_id"]) == ("utter_photo_attached_return", return_id)
    assert (fresh_store.attachment(photo).linked_kind, fresh_store.attachment(photo).linked_id) == ("return", return_id)
    assert events == []


def test_a_photo_after_a_complaint_is_attached_to_it(fresh_store):
    [message], events = run_action(ActionRecordComplaint(), {"language": "en"}, "the zip broke", sender=SENDER)
    ticket_id = message["ticket_id"]
    photo = fresh_store.save_attachment(SENDER, "image/jpeg", b"\xff\xd8\xffjpeg")

    [reply], _ = share(photo, {e["name"]: e["value"] for e in events})

    assert (reply["response"], reply["ticket_id"]) == ("utter_photo_attached_complaint", ticket_id)
    assert fresh_store.attachment(photo).linked_id == ticket_id


def test_without_a_case_the_photo_stays_with_the_conversation(fresh_store):
    photo = fresh_store.save_attachment(SENDER, "image/png", PNG)
    [message], _ = share(photo, {})
    assert message["response"] == "utter_photo_kept"
    assert fresh_store.attachment(photo).linked_kind is None


def test_a_photo_shared_during_the_return_form_joins_the_return_when_it_opens(fresh_store):
    photo = fresh_store.save_attachment(SENDER, "image/png", PNG)
    payload = f'/share_photo{{"attachment_id": "{photo}"}}'
    # The form's free-text slot took the payload as its answer; the action gives the question back.
    [message], events = share(photo, {"requested_slot": "return_reason", "return_reason": payload}, "return_form")
    assert message["response"] == "utter_photo_kept_for_return"
    assert events == [{"event": "slot", "timestamp": None, "name": "return_reason", "value": None}]

    return_id = open_return(fresh_store)
    assert (fresh_store.attachment(photo).linked_kind, fresh_store.attachment(photo).linked_id) == ("return", return_id)


def test_the_return_form_does_not_take_a_photo_as_an_answer(fresh_store):
    payload = '/share_photo{"attachment_id": "abcdefghijklmnopqrstuv"}'
    slots = {"order_id": ONE_ITEM, "email": ORDERS[ONE_ITEM]["email"]}
    tracker = Tracker(SENDER, slots, {}, [], False, None, {}, "action_listen")
    for slot in ("return_item", "return_reason"):
        dispatcher = CollectingDispatcher()
        assert getattr(ValidateReturnForm(), f"validate_{slot}")(payload, dispatcher, tracker, {}) == {slot: None}
        assert dispatcher.messages == []  # asked again by the form, without an "invalid choice" first
    assert is_photo_message(payload) and not is_photo_message("damaged or faulty")


def test_another_conversations_photo_or_a_made_up_id_is_not_found(fresh_store):
    return_id = open_return(fresh_store)
    theirs = fresh_store.save_attachment("conv-someone-else", "image/png", PNG)
    for photo_id in (theirs, "no-such-photo-000000", "'; DROP TABLE attachments; --"):
        [message], _ = share(photo_id, {"latest_case": f"return:{return_id}"})
        assert message["response"] == "utter_photo_not_found"
    assert fresh_store.attachment(theirs).linked_kind is None


def test_a_case_the_store_no_longer_has_keeps_the_photo_with_the_conversation(fresh_store):
    photo = fresh_store.save_attachment(SENDER, "image/png", PNG)
    [message], _ = share(photo, {"latest_case": "return:RGONE0000"})
    assert message["response"] == "utter_photo_kept"


def test_remember_case_attaches_only_photos_nothing_holds_yet(fresh_store):
    complaint = fresh_store.create_ticket("complaint", SENDER, "torn")
    held = fresh_store.save_attachment(SENDER, "image/png", PNG)
    fresh_store.attach_to("complaint", complaint, held)
    loose = fresh_store.save_attachment(SENDER, "image/png", PNG)
    return_id = open_return(fresh_store)
    assert fresh_store.attachment(held).linked_id == complaint
    assert fresh_store.attachment(loose).linked_id == return_id
    assert remember_case("complaint", complaint, "conv-empty")[0]["value"] == f"complaint:{complaint}"
