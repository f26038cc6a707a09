"""What an action call must look like before rasa-sdk reads it.

rasa-sdk builds its Tracker from the call without checking types (a `latest_message` that is a number crashes an
action with AttributeError, answered 500). Rasa always sends this shape; anything else gets a JSON 400 first.
"""

from __future__ import annotations

from typing import Any, Optional

# tracker field -> the types rasa-sdk's Tracker and our actions can read (None: the field may be null)
TRACKER_FIELDS: dict[str, tuple[type, ...]] = {
    "slots": (dict,),
    "latest_message": (dict, type(None)),
    "events": (list,),
    "paused": (bool,),
    "followup_action": (str, type(None)),
    "active_loop": (dict, type(None)),
    "active_form": (dict, type(None)),
    "latest_action_name": (str, type(None)),
    "stack": (list,),
    "user_id": (str, type(None)),
}


def problem_with(call: Any) -> Optional[str]:
    """Why `call` is not an action call rasa-sdk can run, or None when it is."""
    if not isinstance(call, dict):
        return "the body must be a JSON object"
    if not isinstance(call.get("next_action"), str):
        return "next_action must be a string"
    if not isinstance(call.get("domain", {}), dict):
        return "domain must be an object"
    if not isinstance(call.get("version", ""), (str, type(None))):  # rasa-sdk splits it on "." to compare
        return "version must be a string"
    tracker = call.get("tracker")
    if not isinstance(tracker, dict):
        return "tracker must be an object"
    if not isinstance(tracker.get("sender_id"), str):
        return "tracker.sender_id must be a string"
    for name, kinds in TRACKER_FIELDS.items():
        if name in tracker and not isinstance(tracker[name], kinds):
            return f"tracker.{name} has the wrong type"
    if not all(isinstance(event, dict) for event in tracker.get("events", [])):
        return "tracker.events must be a list of objects"
    return None
