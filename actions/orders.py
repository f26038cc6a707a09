"""Order self-service: track, cancel, and change (shipping address or item quantity) an order."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from shop.dates import format_date
from shop.store import store
from shop.store.backend import Order, StoreError
from actions.order_forms import (
    OrderFormValidation,
    end_of_task_events,
    language,
    order_card,
    order_total,
    reply_unverified,
    verified_order,
)
from actions.replies import choose_items, parse_quantity, parse_yes_no

ADDRESS_WORDS = {"address", "shipping address", "地址", "收货地址", "改地址"}
QUANTITY_WORDS = {"quantity", "qty", "item quantity", "数量", "商品数量", "改数量"}


def utter_order_locked(dispatcher: CollectingDispatcher, order: Order) -> None:
    """Explain why a shipped/delivered/cancelled/returned order can no longer be changed."""
    dispatcher.utter_message(response=f"utter_order_locked_{order.status}", order_id=order.id)


class ValidateOrderTrackingForm(OrderFormValidation):
    """Tracking needs only the order number and the email on it (checked as a pair, never saying which was wrong)."""

    def name(self) -> Text:
        return "validate_order_tracking_form"


class ActionShowOrder(Action):
    """Shows a verified order: `utter_order_status_<status>` with carrier, tracking number and dates, and an order card.

    Without a matching order id + email it replies utter_verification_failed and clears both slots.
    """

    def name(self) -> Text:
        return "action_show_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        if order is None:
            return reply_unverified(dispatcher)
        lang = language(tracker)
        # Dates in the text as the shopper reads them (shop/dates.py); the card keeps ISO dates, which the page
        # formats the same way.
        dispatcher.utter_message(
            response=f"utter_order_status_{order.status}",
            json_message=order_card(order, lang),
            order_id=order.id,
            carrier=order.carrier or "-",
            tracking_number=order.tracking_number or "-",
            eta=format_date(order.eta, lang),
            delivered_on=format_date(order.delivered_on, lang),
        )
        return end_of_task_events()


class ValidateCancelOrderForm(OrderFormValidation):
    """Asks `confirm_cancel` only while the order is still open; a shipped or closed order skips to the action."""

    def name(self) -> Text:
        return "validate_cancel_order_form"

    def task_slots(self, order: Order, tracker: Tracker) -> List[Text]:
        return ["confirm_cancel"] if order.is_open else []

    def validate_confirm_cancel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Stores "yes" or "no" (strings); anything that isn't a clear yes/no is asked again."""
        answer = parse_yes_no(str(value))
        if answer is None:
            dispatcher.utter_message(response="utter_please_answer_yes_no")
            return {"confirm_cancel": None}
        return {"confirm_cancel": "yes" if answer else "no"}


class ActionAskConfirmCancel(Action):
    """Asks for confirmation with the order's total, so the shopper knows what they cancel."""

    def name(self) -> Text:
        return "action_ask_confirm_cancel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        dispatcher.utter_message(
            response="utter_ask_confirm_cancel",
            order_id=order.id if order else "",
            total=order_total(order) if order else "",
        )
        return []


class ActionCancelOrder(Action):
    """Cancels a verified open order only after an explicit yes; a "no" keeps it (utter_cancel_kept).

    A shipped, delivered, cancelled or returned order gets `utter_order_locked_<status>`, also when it changed state
    after the form checked it. The card shows the order as the store returns it after cancelling.
    """

    def name(self) -> Text:
        return "action_cancel_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        if order is None:
            return reply_unverified(dispatcher)
        if not order.is_open:
            utter_order_locked(dispatcher, order)
        elif tracker.get_slot("confirm_cancel") != "yes":
            dispatcher.utter_message(response="utter_cancel_kept", order_id=order.id)
        else:
            try:
                cancelled = store().cancel_order(order.id)
            except StoreError:  # it changed state since we looked: say what it is now
                utter_order_locked(dispatcher, store().find_order(order.id, order.email))
            else:
                dispatcher.utter_message(
                    response="utter_cancel_done",
                    json_message=order_card(cancelled, language(tracker)),
                    order_id=order.id,
                    total=order_total(order),
                )
        return end_of_task_events()


class ValidateChangeOrderForm(OrderFormValidation):
    """Asks what to change, then the new address, or the item (only if the order has several) and its new quantity.

    Asks nothing beyond the order id and email once the order is no longer open.
    """

    def name(self) -> Text:
        return "validate_change_order_form"

    def task_slots(self, order: Order, tracker: Tracker) -> List[Text]:
        if not order.is_open:
            return []
        change_type = tracker.get_slot("change_type")
        if change_type == "address":
            return ["change_type", "new_address"]
        if change_type == "quantity":
            item_slot = ["change_item"] if len(order.items) > 1 else []
            return ["change_type"] + item_slot + ["new_quantity"]
        return ["change_type"]

    def validate_change_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value).strip().lower()
        if text in ADDRESS_WORDS or "address" in text or "地址" in text:
            return {"change_type": "address"}
        if text in QUANTITY_WORDS or "quantit" in text or "数量" in text:
            return {"change_type": "quantity"}
        dispatcher.utter_message(response="utter_invalid_choice")
        return {"change_type": None}

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Whitespace collapsed; 8-300 characters with at least one digit, else asked again."""
        address = " ".join(str(value).split())
        # A deliverable address has a house/street number and more than a few characters.
        if not 8 <= len(address) <= 300 or not any(char.isdigit() for char in address):
            dispatcher.utter_message(response="utter_invalid_address")
            return {"new_address": None}
        return {"new_address": address}

    def validate_change_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The reply must pick exactly one of the order's items; the slot holds its product id."""
        order = verified_order(tracker)
        chosen = choose_items(str(value), order.items) if order else []
        if len(chosen) != 1:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"change_item": None}
        return {"change_item": chosen[0].product_id}

    def validate_new_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """1 to 10 (digits or Chinese numerals), stored as a string; anything else is asked again."""
        quantity = parse_quantity(str(value))
        if quantity is None or not 1 <= quantity <= 10:
            dispatcher.utter_message(response="utter_invalid_quantity")
            return {"new_quantity": None}
        return {"new_quantity": str(quantity)}


class ActionAskChangeItem(Action):
    """Lists the order's items as buttons (the question depends on the order)."""

    def name(self) -> Text:
        return "action_ask_change_item"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        lang = language(tracker)
        buttons = [
            {"title": f"{item.display_name(lang)} x{item.quantity}", "payload": item.product_id}
            for item in (order.items if order else [])
        ]
        dispatcher.utter_message(response="utter_ask_change_item", buttons=buttons)
        return []


class ActionChangeOrder(Action):
    """Changes a verified open order's shipping address or one item's quantity (utter_change_done_address /
    utter_change_done_quantity).

    The card, and the item and new total of a quantity change, come from the order the store returns after the
    change. A closed order, or one that shipped meanwhile, is left as it is and gets `utter_order_locked_<status>`.
    """

    def name(self) -> Text:
        return "action_change_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        if order is None:
            return reply_unverified(dispatcher)
        if not order.is_open:
            utter_order_locked(dispatcher, order)
            return end_of_task_events()
        lang = language(tracker)
        try:
            if tracker.get_slot("change_type") == "address":
                address = tracker.get_slot("new_address")
                updated = store().change_address(order.id, address)
                dispatcher.utter_message(
                    response="utter_change_done_address",
                    json_message=order_card(updated, lang),
                    order_id=order.id,
                    address=address,
                )
            else:
                product_id = tracker.get_slot("change_item") or order.items[0].product_id
                quantity = int(tracker.get_slot("new_quantity"))
                updated = store().change_quantity(order.id, product_id, quantity)
                item = next(i for i in updated.items if i.product_id == product_id)
                dispatcher.utter_message(
                    response="utter_change_done_quantity",
                    json_message=order_card(updated, lang),
                    order_id=order.id,
                    item=item.display_name(lang),
                    quantity=quantity,
                    total=order_total(updated),
                )
        except StoreError:  # it shipped meanwhile
            utter_order_locked(dispatcher, store().find_order(order.id, order.email))
        return end_of_task_events()
