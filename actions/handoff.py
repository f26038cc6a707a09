"""Handing the conversation to a person: the desk queues it and the bot pauses, or, when nobody can join, the
shopper is told so honestly, a ticket is filed and the bot stays.

What triggers it: the shopper asks (intent or button), an operator's rule matches (the handoff-rules NLU component
sets the `handoff_reason` entity), or another action decides (the `handoff_reason` slot: two refusals in a row, an
angry complaint). The summary the agent reads is made from the conversation's data only.
"""

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import config
from actions.clients.desk import DeskClient, DeskUnavailable
from actions.order_forms import language
from shop.store import store

log = logging.getLogger(__name__)
MAX_TICKET_TEXT = 2000
MAX_INTENTS = 8
# Intents that say nothing about what the shopper needs.
QUIET_INTENTS = {"greeting", "human_agent", "handoff_cancel", "rate_conversation", "nlu_fallback", None}


def hand_off(reason: str) -> List[EventType]:
    """Events another action returns to hand the conversation to a person next."""
    return [SlotSet("handoff_reason", reason), FollowupAction("action_request_human")]


def record_ticket(kind: str, tracker: Tracker) -> str:
    return store().create_ticket(
        kind=kind,
        conversation_id=tracker.sender_id,
        text=(tracker.latest_message.get("text") or "")[:MAX_TICKET_TEXT],
        order_id=tracker.get_slot("order_id"),
        language=language(tracker),
    )


def _reason(tracker: Tracker) -> str:
    from_rule = next(tracker.get_latest_entity_values("handoff_reason"), None)
    return str(tracker.get_slot("handoff_reason") or from_rule or "asked")[:120]


def summary(tracker: Tracker) -> Dict[str, Any]:
    """What the agent reads first: the shopper's intents in order, the order ids involved, and the last question."""
    intents: List[str] = []
    order_ids: List[str] = []
    last_question: Optional[str] = None
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        if intent not in QUIET_INTENTS and (not intents or intents[-1] != intent):
            intents.append(intent)
        for entity in parse.get("entities") or []:
            if entity.get("entity") == "order_id" and entity.get("value") not in order_ids:
                order_ids.append(str(entity["value"]))
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/") and intent != "human_agent":
            last_question = text[:500]
    slot_order = tracker.get_slot("order_id")
    if slot_order and slot_order not in order_ids:
        order_ids.append(slot_order)
    return {"intents": intents[-MAX_INTENTS:], "order_ids": order_ids[-5:],
            "last_question": last_question or (tracker.latest_message.get("text") or "")[:500]}


def _tier(tracker: Tracker) -> str:
    """The member tier of the e-mail this conversation proved with an order; "none" otherwise."""
    email, order_id = tracker.get_slot("email"), tracker.get_slot("order_id")
    if not (email and order_id and store().find_order(order_id, email)):
        return "none"
    customer = store().customer(email)
    return customer.membership_tier if customer else "none"


class ActionRequestHuman(Action):
    """Queues the conversation on the agent desk and pauses the bot (utter_handoff_waiting with a `handoff_waiting`
    payload), or tells the shopper nobody can join now (utter_handoff_closed / utter_handoff_no_agent with a ticket
    and the team's contacts) and stays."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        lang = language(tracker)
        request = {"conversation_id": tracker.sender_id, "reason": _reason(tracker), "language": lang,
                   "channel": tracker.get_latest_input_channel() or "unknown", "tier": _tier(tracker),
                   "summary": summary(tracker)}
        try:
            answer = await DeskClient(config.DESK_URL, config.DESK_SERVICE_TOKEN_FILE,
                                      config.DESK_TIMEOUT_S).request_handoff(request)
        except DeskUnavailable as error:
            log.warning("agent desk unavailable, filing a ticket instead: %s", error)
            answer = {"status": "unavailable", "why": "no_agent"}
        done = [SlotSet("handoff_reason", None)]
        if answer.get("status") in ("waiting", "active"):
            position = max(1, int(answer.get("position") or 1))
            dispatcher.utter_message(
                response="utter_handoff_waiting", position=position,
                json_message={"type": "handoff_waiting", "position": position, "language": lang,
                              "handoff_id": answer.get("handoff_id")})
            return done + [ConversationPaused()]
        ticket_id = record_ticket("handoff", tracker)
        contact = store().store_info()["contact"]
        why = "closed" if answer.get("why") == "closed" else "no_agent"
        dispatcher.utter_message(
            response=f"utter_handoff_{why}", ticket_id=ticket_id, email=contact.get("email", ""),
            phone=contact.get("phone", ""), hours=contact["hours"][lang],
            json_message={"type": "handoff_unavailable", "why": why, "ticket_id": ticket_id})
        return done
