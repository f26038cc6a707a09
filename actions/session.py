"""A new session (after two idle hours) keeps what Rasa's default keeps, the slots, and one thing it drops: a
conversation a person has taken over stays paused, so the bot does not start talking over the agent."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


def paused(tracker: Tracker) -> bool:
    """Whether the conversation's latest pause has not been followed by a resume."""
    for event in reversed(tracker.events):
        if event.get("event") in ("pause", "resume"):
            return event["event"] == "pause"
    return False


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events.extend(SlotSet(name, value) for name, value in tracker.slots.items() if value is not None)
        if paused(tracker):
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
