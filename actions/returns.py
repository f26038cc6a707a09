"""Starting a return: eligibility comes from the order's items, its delivery date and the store's return window."""

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from rasa_sdk.utils import call_potential_coroutine

from shop.dates import format_date
from shop.store import store
from shop.store.backend import Order, OrderItem, StoreError
from actions.attachments import is_photo_message, remember_case
from actions.questions import ActionAnswerQuestion
from actions.order_forms import (
    OrderFormValidation,
    end_of_task_events,
    language,
    reply_unverified,
    today,
    verified_order,
)
from actions.replies import choose_items
from shop.identifiers import normalize_order_id


# A return's status as the shopper reads it, for the return card's badge (the store backend opens returns as
# "awaiting_items"). A `returns.statuses` table in store.yml, shaped like `orders.statuses`, takes precedence.
RETURN_STATUS_LABELS = {
    "awaiting_items": {"en": "Awaiting items", "zh": "等待寄回商品"},
    "received": {"en": "Items received", "zh": "已收到退货"},
    "refunded": {"en": "Refunded", "zh": "已退款"},
    "rejected": {"en": "Not accepted", "zh": "未通过"},
}


def return_status_label(status: str, lang: str) -> str:
    """The return status in the conversation's language; the code itself for a status nobody has named."""
    labels = store().store_info()["returns"].get("statuses") or RETURN_STATUS_LABELS
    names = labels.get(status) or {}
    return names.get(lang) or names.get("en") or status


def window_days() -> int:
    """The store's return window in days (`returns.window_days` of the store info)."""
    return int(store().store_info()["returns"]["window_days"])


def returnable(order: Order) -> List[OrderItem]:
    """The order's items that can be sent back today: delivered, inside the window, not final sale or returned."""
    return order.returnable_items(window_days(), today())


class ValidateReturnForm(OrderFormValidation):
    """Asks which item (only when more than one is returnable) and why; asks nothing more when none is returnable."""

    def name(self) -> Text:
        return "validate_return_form"

    def task_slots(self, order: Order, tracker: Tracker) -> List[Text]:
        items = returnable(order)
        if not items:
            return []
        return (["return_item"] if len(items) > 1 else []) + ["return_reason"]

    def validate_return_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """One returnable item (id, list number or name) or "all"; the slot holds product ids, comma-separated."""
        if value is None or is_photo_message(value):  # a photo shared meanwhile is no answer: ask again, quietly
            return {"return_item": None}
        order = verified_order(tracker)
        chosen = choose_items(str(value), returnable(order), allow_all=True) if order else []
        if not chosen:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"return_item": None}
        return {"return_item": ",".join(item.product_id for item in chosen)}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Any text, whitespace collapsed and cut to 500 characters."""
        if value is None or is_photo_message(value):  # a photo shared meanwhile is no answer: ask again
            return {"return_reason": None}
        reason = " ".join(str(value).split())[:500]
        return {"return_reason": reason or None}


class ActionAskReturnItem(Action):
    """Offers only the order's returnable items as buttons, plus an "All items" button."""

    def name(self) -> Text:
        return "action_ask_return_item"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        lang = language(tracker)
        buttons = [
            {"title": item.display_name(lang), "payload": item.product_id}
            for item in (returnable(order) if order else [])
        ]
        buttons.append({"title": "全部商品" if lang == "zh" else "All items", "payload": "all"})
        dispatcher.utter_message(response="utter_ask_return_item", buttons=buttons)
        return []


class ActionCreateReturn(Action):
    """Opens a return for the chosen items and replies utter_return_created with a `return` card and refund time.

    Otherwise it says why not: already returned, not delivered, window passed (with the delivery date), or
    nothing eligible (final sale or already returned), which is also the reply when the store refuses the items.
    """

    def name(self) -> Text:
        return "action_create_return"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order = verified_order(tracker)
        if order is None:
            return reply_unverified(dispatcher)
        items = returnable(order)
        if order.status == "returned":
            dispatcher.utter_message(response="utter_return_already_done", order_id=order.id)
        elif order.status != "delivered":
            dispatcher.utter_message(response="utter_return_not_delivered", order_id=order.id)
        elif order.return_window_passed(window_days(), today()):
            dispatcher.utter_message(
                response="utter_return_window_passed",
                order_id=order.id,
                delivered_on=format_date(order.delivered_on, language(tracker)),
                window_days=window_days(),
            )
        elif not items:
            dispatcher.utter_message(response="utter_return_nothing_eligible", order_id=order.id)
        else:
            return self._create(dispatcher, tracker, order, items) + end_of_task_events()
        return end_of_task_events()

    @staticmethod
    def _create(
        dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, items: List[OrderItem]
    ) -> List[EventType]:
        chosen = (tracker.get_slot("return_item") or items[0].product_id).split(",")
        lang = language(tracker)
        try:
            created = store().create_return(order.id, chosen, tracker.get_slot("return_reason") or "")
        except StoreError:
            dispatcher.utter_message(response="utter_return_nothing_eligible", order_id=order.id)
            return []
        refund = store().store_info()["returns"]["refund_days"]
        names = ", ".join(f"{i.display_name(lang)} x{i.quantity}" for i in created.items)
        dispatcher.utter_message(
            response="utter_return_created",
            json_message={
                "type": "return",
                "return_id": created.id,
                "order_id": order.id,
                "items": [
                    {"product_id": i.product_id, "name": i.display_name(lang), "quantity": i.quantity}
                    for i in created.items
                ],
                "status": created.status,
                "status_label": return_status_label(created.status, lang),
            },
            return_id=created.id,
            order_id=order.id,
            items=names,
            refund_days=f"{refund['min']}-{refund['max']}",
        )
        # Photos of this return (issue 14): earlier ones are attached now, later ones by action_share_photo.
        return remember_case("return", created.id, tracker.sender_id)


# Policy questions ("how long do refunds take?") go to the knowledge service; requests to send
# something back ("I want to return TP10042") start the return form.
POLICY_QUESTION = re.compile(
    r"\?|？|\b(how|what|when|which|why|do you|does|can i|is there|policy|policies|how long)\b"
    r"|多久|多长|怎么|如何|什么|吗|政策|规定|能不能|可以.*吗",
    re.IGNORECASE,
)
START_RETURN = re.compile(
    r"\b(i want to|i'd like to|i need to|please|start|help me)\b.*\breturn"
    r"|我要退|我想退|申请退|帮我退|要退货|办理退",
    re.IGNORECASE,
)
# "can I return this?" asks to send something back; "how long do I have to return my boots?" asks about the policy.
RETURN_THIS = re.compile(r"\breturn (this|it|my|order)", re.IGNORECASE)
INFORMATION_QUESTION = re.compile(
    r"^\s*(how|what|when|which|why|where|is there|are there|does|do you)\b", re.IGNORECASE
)


def wants_to_start_return(text: str) -> bool:
    """True when a returns message asks to send something back (the return form), False for a policy question."""
    if text.startswith("/") or normalize_order_id(text):
        return True  # a button, or a message naming an order
    if START_RETURN.search(text):
        return True
    if RETURN_THIS.search(text) and not INFORMATION_QUESTION.search(text):
        return True
    return not POLICY_QUESTION.search(text)


class ActionRouteReturns(Action):
    """Sends a returns message to the return form when it asks to send something back, and answers a policy
    question through ActionAnswerQuestion instead (see `wants_to_start_return`)."""

    def name(self) -> Text:
        return "action_route_returns"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if wants_to_start_return(tracker.latest_message.get("text") or ""):
            return [FollowupAction("return_form")]
        return await call_potential_coroutine(ActionAnswerQuestion().run(dispatcher, tracker, domain))
