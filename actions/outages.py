"""When the store cannot be reached (a locked database past its retries, a shop platform that is down), any action
answers politely instead of failing: rasa-sdk would answer Rasa with a 500, and Rasa would drop the action's events
and say nothing at all to the shopper.

The shopper hears utter_knowledge_unavailable ("I can't look that up right now. Please try again in a moment, or
ask for a person"); whatever the action had said before the failure is dropped, since it may be half a task. A
form's validation also un-sets the values it could not check, so the form asks for them again and a retry (the same
e-mail, a moment later) does the check for real; nothing unchecked is kept.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, ActionExecutorRunResult, CollectingDispatcher

from shop.store.backend import StoreUnavailable

log = logging.getLogger(__name__)
OUTAGE_RESPONSE = "utter_knowledge_unavailable"


def outage_events(action_call: Dict[str, Any]) -> List[Dict[str, Any]]:
    """For a form's validation action (validate_<form>), the slots it was asked to check, set back to empty."""
    if not str(action_call.get("next_action", "")).startswith("validate_"):
        return []
    tracker = Tracker.from_dict(action_call["tracker"])
    return [SlotSet(slot, None) for slot in tracker.slots_to_validate()]


class OutageTolerantExecutor(ActionExecutor):
    """rasa-sdk's executor, answering a store outage during any action with a polite reply (see the module doc)."""

    async def run(self, action_call: Dict[str, Any], sink=None,
                  dispatcher: Optional[CollectingDispatcher] = None) -> Optional[ActionExecutorRunResult]:
        try:
            return await super().run(action_call, sink, dispatcher)
        except StoreUnavailable as error:
            log.warning("store unavailable while running %s: %s", action_call.get("next_action"), error)
            reply = CollectingDispatcher()
            reply.utter_message(response=OUTAGE_RESPONSE)
            return self._create_api_response(outage_events(action_call), reply.messages)
