"""What every order form shares: the order number and the email on the order.

Each order form first asks for both and checks that they belong together (a shopper never sees an
order whose email does not match). Once they do, the form asks only the questions its task needs
for that order's state; `task_slots` says which.
"""

from abc import ABC, abstractmethod
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from shop.store import store
from shop.store.backend import Order
from shop.identifiers import normalize_email, normalize_order_id
from shop.money import format_money

MAX_VERIFY_FAILURES = 3
IDENTITY_SLOTS = ["order_id", "email"]
TASK_SLOTS = [
    "confirm_cancel",
    "change_type",
    "new_address",
    "change_item",
    "new_quantity",
    "return_item",
    "return_reason",
]


def verified_order(tracker: Tracker) -> Optional[Order]:
    """The order named in the slots, only if the email in the slots is the one on it."""
    order_id, email = tracker.get_slot("order_id"), tracker.get_slot("email")
    if not order_id or not email:
        return None
    return store().find_order(order_id, email)


def language(tracker: Tracker) -> str:
    """The conversation's `language` slot, "en" until a message shows otherwise."""
    return tracker.get_slot("language") or "en"


def order_card(order: Order, lang: str) -> Dict[str, Any]:
    """The `order` custom payload the web chat renders as a card."""
    card: Dict[str, Any] = {
        "type": "order",
        "order_id": order.id,
        "status": order.status,
        "status_label": store().store_info()["orders"]["statuses"][order.status][lang],
        "placed_at": order.placed_on.isoformat() if order.placed_on else None,
        "items": [
            {
                "product_id": item.product_id,
                "name": item.display_name(lang),
                "quantity": item.quantity,
                "size": item.size,
                "color": item.color,
                "unit_price": item.unit_price_cents / 100,
            }
            for item in order.items
        ],
        "total": order.total_cents / 100,
        "currency": order.currency,
        "language": lang,
    }
    if order.carrier:
        card["carrier"] = order.carrier
    if order.tracking_number:
        card["tracking_number"] = order.tracking_number
    if order.eta:
        card["eta"] = order.eta.isoformat()
    if order.delivered_on:
        card["delivered_at"] = order.delivered_on.isoformat()
    return card


def order_total(order: Order) -> str:
    """The order's total as the shopper reads it, in the order's currency: '$129.00'."""
    return format_money(order.total_cents, order.currency)


def end_of_task_events() -> List[EventType]:
    """Forget the task's answers (but keep who the shopper is) so the next task asks afresh."""
    return [SlotSet(slot, None) for slot in TASK_SLOTS] + [SlotSet("verify_failures", 0)]


def reply_unverified(dispatcher: CollectingDispatcher) -> List[EventType]:
    """The form ended without a matching order: the shopper gave up or failed too often."""
    dispatcher.utter_message(response="utter_verification_failed")
    return end_of_task_events() + [SlotSet("order_id", None), SlotSet("email", None)]


def today() -> date:
    """Today's date, for return windows and promotion dates (one place for tests to patch)."""
    return date.today()


class OrderFormValidation(FormValidationAction, ABC):
    """Validation shared by the order forms; subclasses name the form and its task slots."""

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>"""

    def task_slots(self, order: Order, tracker: Tracker) -> List[Text]:
        """Slots to ask once the order is verified; [] finishes the form (the submit action explains)."""
        return []

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if (tracker.get_slot("verify_failures") or 0) >= MAX_VERIFY_FAILURES:
            return []
        order = verified_order(tracker)
        if order is None:
            return IDENTITY_SLOTS
        return IDENTITY_SLOTS + self.task_slots(order, tracker)

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order_id = normalize_order_id(str(value))
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return {"order_id": order_id}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        email = normalize_email(str(value))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"email": email}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        changed = {event["name"] for event in events}
        order_id, email = tracker.get_slot("order_id"), tracker.get_slot("email")
        # Check the pair once per turn, whichever of the two just arrived.
        if not changed & set(IDENTITY_SLOTS) or not order_id or not email:
            return events
        if store().find_order(order_id, email) is not None:
            return events + [SlotSet("verify_failures", 0)]
        failures = (tracker.get_slot("verify_failures") or 0) + 1
        if failures < MAX_VERIFY_FAILURES:
            dispatcher.utter_message(response="utter_order_not_found")
        return events + [
            SlotSet("order_id", None),
            SlotSet("email", None),
            SlotSet("verify_failures", failures),
        ]
