"""Complaints and requests for a person: recorded as tickets the store's team works from."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.store import store
from actions.order_forms import language

MAX_TICKET_TEXT = 2000


def _record(kind: str, tracker: Tracker) -> str:
    return store().create_ticket(
        kind=kind,
        conversation_id=tracker.sender_id,
        text=(tracker.latest_message.get("text") or "")[:MAX_TICKET_TEXT],
        order_id=tracker.get_slot("order_id"),
        language=language(tracker),
    )


class ActionRecordComplaint(Action):
    """Records the shopper's message (first 2000 characters, with the order id if one is in the slots) as a complaint
    ticket, and replies utter_complaint_recorded with the ticket id and a `ticket` payload."""

    def name(self) -> Text:
        return "action_record_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        ticket_id = _record("complaint", tracker)
        dispatcher.utter_message(
            response="utter_complaint_recorded",
            json_message={"type": "ticket", "ticket_id": ticket_id, "kind": "complaint"},
            ticket_id=ticket_id,
        )
        return []


class ActionRequestHuman(Action):
    """Records the request and tells the shopper how to reach the team (live handoff comes later)."""

    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        ticket_id = _record("handoff", tracker)
        contact = store().store_info()["contact"]
        hours = contact["hours"][language(tracker)]
        dispatcher.utter_message(
            response="utter_human_contact",
            json_message={"type": "ticket", "ticket_id": ticket_id, "kind": "handoff"},
            ticket_id=ticket_id,
            email=contact.get("email", ""),
            phone=contact.get("phone", ""),
            hours=hours,
        )
        return []
