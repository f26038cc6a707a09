"""What every order form shares: the order number and the email on the order.

Each order form first asks for both and checks that they belong together (a shopper never sees an
order whose email does not match). Once they do, the form asks only the questions its task needs
for that order's state; `task_slots` says which.

Whether a pair may be checked at all is decided server-side (shop/lockout.py): failures count per order,
per conversation and per client address, and a locked key refuses even the right pair. The
`verify_failures` slot only steers the dialogue (it ends the form); resetting it unlocks nothing.
"""

from abc import ABC, abstractmethod
from datetime import date
from math import ceil
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from shop.lockout import LIMITS, Attempt, lockout
from shop.store import store
from shop.store.backend import Order
from shop.identifiers import normalize_email, normalize_order_id
from shop.money import format_money

# A form gives up after as many failures as lock the conversation; the lockout, not this count, decides what is refused.
MAX_VERIFY_FAILURES = LIMITS["conversation"].failures
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


# Said instead of checking a pair while the lockout refuses it; the same whether the pair is right or wrong.
LOCKED_TEXT = {
    "en": "There have been too many attempts to verify an order, so for your security I can't check one here "
          "for the next {wait}. Please try again later.",
    "zh": "验证订单的尝试次数过多。为保护你的信息安全，接下来 {wait}内无法在这里查询订单，请稍后再试。",
}


def client_address(tracker: Tracker) -> Optional[Text]:
    """The shopper's network address, which our channels stamp into the message's metadata (None if unknown)."""
    metadata = tracker.latest_message.get("metadata") or {}
    address = metadata.get("client_address") if isinstance(metadata, dict) else None
    return address if isinstance(address, str) and address else None


def verification_attempt(tracker: Tracker, order_id: Text) -> Attempt:
    """What the lockout counts a check of `order_id` against: the order, this conversation, the address."""
    return Attempt(normalize_order_id(str(order_id)) or str(order_id), tracker.sender_id, client_address(tracker))


def verified_order(tracker: Tracker) -> Optional[Order]:
    """The order named in the slots, only if the email in the slots is the one on it and no lock refuses it
    (the slots are the caller's word; the lockout is ours)."""
    order_id, email = tracker.get_slot("order_id"), tracker.get_slot("email")
    if not order_id or not email or lockout().locked_for(verification_attempt(tracker, order_id)):
        return None
    return store().find_order(order_id, email)


def reply_locked(dispatcher: CollectingDispatcher, tracker: Tracker, seconds: float) -> None:
    """Too many attempts: when to try again, saying nothing about the order."""
    lang, minutes = language(tracker), max(1, ceil(seconds / 60))
    wait = f"{minutes} 分钟" if lang == "zh" else f"{minutes} minute{'' if minutes == 1 else 's'}"
    dispatcher.utter_message(text=LOCKED_TEXT.get(lang, LOCKED_TEXT["en"]).format(wait=wait))


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
        attempt = verification_attempt(tracker, order_id)
        locked_s = lockout().locked_for(attempt)
        if not locked_s:
            if store().find_order(order_id, email) is not None:
                lockout().succeeded(attempt)
                return events + [SlotSet("verify_failures", 0)]
            locked_s = lockout().failed(attempt)
        failures = (tracker.get_slot("verify_failures") or 0) + 1
        if locked_s:
            reply_locked(dispatcher, tracker, locked_s)
            failures = MAX_VERIFY_FAILURES  # the form ends; its submit action offers a person
        elif failures < MAX_VERIFY_FAILURES:
            dispatcher.utter_message(response="utter_order_not_found")
        return events + [
            SlotSet("order_id", None),
            SlotSet("email", None),
            SlotSet("verify_failures", failures),
        ]
