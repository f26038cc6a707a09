"""Photos the shopper shares (issue 14): the web chat stores the photo and sends `/share_photo{"attachment_id": ...}`;
this attaches it to the conversation's latest return or complaint, or keeps it with the conversation for a person.

Returns and complaints call `remember_case` when they are opened: it remembers the case in the `latest_case` slot
("return:R1A2B3C4D" or "complaint:C1A2B3C4D") and attaches the photos shared before it that nothing holds yet.
"""

from typing import Any, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from shop.store import store
from shop.store.backend import ATTACHMENT_ID, ATTACHMENT_KINDS, StoreError

CASE_SLOT = "latest_case"
PHOTO_INTENT = "share_photo"
# What each kind of case is called in the replies' variables.
CASE_VARIABLE = {"return": "return_id", "complaint": "ticket_id"}


def is_photo_message(value: Any) -> bool:
    """True for the page's photo payload; a form must not take it as the answer to its question."""
    return isinstance(value, str) and value.lstrip().startswith(f"/{PHOTO_INTENT}")


def remember_case(kind: str, record_id: str, conversation_id: str) -> List[EventType]:
    """Events for an action that just opened a return or complaint: later photos go to it, and photos shared
    earlier in the conversation that nothing holds yet are attached to it now."""
    try:
        for photo in store().attachments_for(conversation_id):
            if photo.linked_kind is None:
                store().attach_to(kind, record_id, photo.id)
    except StoreError:
        pass  # the case stands without its photos; they stay with the conversation
    return [SlotSet(CASE_SLOT, f"{kind}:{record_id}")]


def latest_case(tracker: Tracker) -> Optional[Tuple[str, str]]:
    """(kind, id) of the conversation's latest return or complaint, from the `latest_case` slot."""
    kind, _, record_id = str(tracker.get_slot(CASE_SLOT) or "").partition(":")
    return (kind, record_id) if kind in ATTACHMENT_KINDS and record_id else None


class ActionSharePhoto(Action):
    """Attaches a shared photo to the conversation's latest return or complaint and says so; with none yet, keeps
    it with the conversation (a return being opened gets it when it opens). A photo of another conversation, or
    an unknown id, is refused without saying whether it exists."""

    def name(self) -> Text:
        return "action_share_photo"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        attachment_id = str(next(tracker.get_latest_entity_values("attachment_id"), None) or "")
        photo = store().attachment(attachment_id) if ATTACHMENT_ID.fullmatch(attachment_id) else None
        if photo is None or photo.conversation_id != tracker.sender_id:
            dispatcher.utter_message(response="utter_photo_not_found")
            return self._form_answer_undone(tracker)
        case = latest_case(tracker)
        if case is not None:
            kind, record_id = case
            try:
                store().attach_to(kind, record_id, photo.id)
            except StoreError:
                case = None  # the case is gone (the store was reloaded): keep the photo with the conversation
            else:
                dispatcher.utter_message(response=f"utter_photo_attached_{kind}", **{CASE_VARIABLE[kind]: record_id})
        if case is None:
            waiting_return = tracker.active_loop_name == "return_form"
            dispatcher.utter_message(response="utter_photo_kept_for_return" if waiting_return else "utter_photo_kept")
        return self._form_answer_undone(tracker)

    @staticmethod
    def _form_answer_undone(tracker: Tracker) -> List[EventType]:
        """A form's free-text slot takes any message as its answer, the photo payload too; give the question back
        to the form, which asks it again when it resumes."""
        requested = tracker.get_slot("requested_slot")
        if tracker.active_loop_name and requested and is_photo_message(tracker.get_slot(requested)):
            return [SlotSet(requested, None)]
        return []
