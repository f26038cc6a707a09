"""Complaints: recorded as tickets the store's team works from; an angry one goes straight to a person."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attachments import remember_case
from actions.handoff import hand_off, record_ticket
from actions.order_forms import language
from shop.sentiment import strongly_negative


class ActionRecordComplaint(Action):
    """Records the shopper's message (first 2000 characters, with the order id if one is in the slots) as a complaint
    ticket, and replies utter_complaint_recorded with the ticket id and a `ticket` payload. When the message is
    strongly negative it also hands the conversation to a person (reason "angry_complaint", first in the queue)."""

    def name(self) -> Text:
        return "action_record_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        ticket_id = record_ticket("complaint", tracker)
        dispatcher.utter_message(
            response="utter_complaint_recorded",
            json_message={"type": "ticket", "ticket_id": ticket_id, "kind": "complaint"},
            ticket_id=ticket_id,
        )
        # Photos of this complaint (issue 14): earlier ones are attached now, later ones by action_share_photo.
        events = remember_case("complaint", ticket_id, tracker.sender_id)
        if strongly_negative(tracker.latest_message.get("text") or "", language(tracker)):
            return events + hand_off("angry_complaint")
        return events
