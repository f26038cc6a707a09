"""Order self-service actions (actions/orders.py, actions/order_forms.py) run directly over a fresh demo store."""

import asyncio

import pytest

from shop.dates import format_date
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_forms import MAX_VERIFY_FAILURES, TASK_SLOTS
from actions.orders import (
    ActionAskChangeItem,
    ActionAskConfirmCancel,
    ActionCancelOrder,
    ActionChangeOrder,
    ActionShowOrder,
    ValidateCancelOrderForm,
    ValidateChangeOrderForm,
    ValidateOrderTrackingForm,
)
from shop.lockout import LIMITS
from tests.actions.helpers import ORDERS, STORE_FACTS, run_action, tracker
from tests.conftest import demo_orders

STATUSES = STORE_FACTS["orders"]["statuses"]

SHIPPED = "TP10042"  # lena.novak, 4 lines, in transit
PAID = "TP10051"  # claire.dubois, 4 lines
PENDING_ONE_LINE = "TP10057"  # grace.kim, 1 line
DELIVERED = "TP10023"


def email_of(order_id):
    return ORDERS[order_id]["email"]


def first_with_status(status):
    return next(o for o in demo_orders() if o["status"] == status)


def for_order(order_id, email=None, **slots):
    return {"language": "en", "order_id": order_id, "email": email or email_of(order_id), **slots}


def run(action, slots, text=""):
    return run_action(action, slots, text, sender="conv-orders")


def slot_values(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def validate(form, slot, value, slots):
    dispatcher = CollectingDispatcher()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, tracker(slots), {})
    return result[slot], [m["response"] for m in dispatcher.messages]


def required(form, slots):
    return asyncio.run(form.required_slots([], CollectingDispatcher(), tracker(slots), {}))


# --- verification: id AND email, never saying which was wrong --------------------------------------------------


def test_show_order_refuses_a_wrong_email_and_an_unknown_id_alike(fresh_store):
    wrong_email = run(ActionShowOrder(), for_order(SHIPPED, "someone.else@example.com"))
    unknown_id = run(ActionShowOrder(), for_order("TP99999", email_of(SHIPPED)))
    assert wrong_email == unknown_id  # the same words and events: nothing tells which half was wrong
    messages, events = wrong_email
    assert [m["response"] for m in messages] == ["utter_verification_failed"]
    assert not any(m["custom"] for m in messages)
    assert slot_values(events)["order_id"] is None and slot_values(events)["email"] is None


def test_form_verification_counts_failures_and_gives_up(fresh_store):
    form = ValidateOrderTrackingForm()

    def submit(email, failures):
        slots = {"order_id": SHIPPED, "email": email, "verify_failures": failures}
        events = [{"event": "user", "text": email}, {"event": "slot", "name": "email", "value": email}]
        dispatcher = CollectingDispatcher()
        result = asyncio.run(form.get_validation_events(dispatcher, tracker(slots, email, events=events), {}))
        return [m["response"] for m in dispatcher.messages], slot_values(result)

    responses, slots = submit("wrong@example.com", 0)
    assert responses == ["utter_order_not_found"]
    assert (slots["order_id"], slots["email"], slots["verify_failures"]) == (None, None, 1)
    # The last allowed failure says nothing more: the form ends and the submit action explains.
    responses, slots = submit("wrong@example.com", MAX_VERIFY_FAILURES - 1)
    assert responses == [] and slots["verify_failures"] == MAX_VERIFY_FAILURES
    assert required(form, {"verify_failures": MAX_VERIFY_FAILURES}) == []
    # The right email, typed any old way, verifies and resets the count.
    responses, slots = submit(" Lena.Novak@Example.COM ", 2)
    assert responses == [] and slots == {"email": "lena.novak@example.com", "verify_failures": 0}


def check_pair(email, order_id=SHIPPED, sender="conv-lock", address=None, failures=0, language="en"):
    """One turn of the tracking form in which `email` arrives: (what was said, slots set). `failures` is the slot's
    value, which a caller may forge."""
    slots = {"order_id": order_id, "email": email, "verify_failures": failures, "language": language}
    latest = {"text": email, "entities": [], "metadata": {"client_address": address} if address else {}}
    events = [{"event": "user", "text": email}, {"event": "slot", "name": "email", "value": email}]
    dispatcher = CollectingDispatcher()
    form_tracker = Tracker(sender, slots, latest, events, False, None, {}, "action_listen")
    result = asyncio.run(ValidateOrderTrackingForm().get_validation_events(dispatcher, form_tracker, {}))
    return [m.get("response") or m.get("text") for m in dispatcher.messages], slot_values(result)


def locked_reply(said):
    return len(said) == 1 and "too many attempts" in said[0]


def test_a_locked_conversation_refuses_even_the_right_email_whatever_the_slot_says(fresh_store):
    for attempt in range(MAX_VERIFY_FAILURES):
        said, slots = check_pair(f"wrong{attempt}@example.com", failures=0)  # the slot forged back to 0 each time
    assert locked_reply(said) and "1 minute" in said[0]
    assert slots["verify_failures"] == MAX_VERIFY_FAILURES  # the form ends
    right_email = check_pair(email_of(SHIPPED), failures=0)
    assert right_email == check_pair("another.wrong@example.com", failures=0)  # the same refusal either way
    said, slots = right_email
    assert locked_reply(said) and (slots["order_id"], slots["email"]) == (None, None)
    # A submit action called with the right pair in the slots (as a forged call could) shows nothing either.
    messages, _ = run_action(ActionShowOrder(), for_order(SHIPPED, verify_failures=0), sender="conv-lock")
    assert [m["response"] for m in messages] == ["utter_verification_failed"] and not messages[0]["custom"]
    # Another conversation may still open the order (3 failures are under the order's limit of 5).
    assert check_pair(email_of(SHIPPED), sender="conv-other") == ([], {"email": email_of(SHIPPED),
                                                                     "verify_failures": 0})


def test_an_order_locks_after_failures_from_several_conversations(fresh_store):
    for attempt in range(LIMITS["order"].failures):
        said, _ = check_pair("wrong@example.com", sender=f"conv-{attempt}")
    assert locked_reply(said)
    said, slots = check_pair(email_of(SHIPPED), sender="conv-new")
    assert locked_reply(said) and slots["email"] is None
    said, slots = check_pair(email_of(PAID), order_id=PAID, sender="conv-new")  # other orders are not locked
    assert said == [] and slots["email"] == email_of(PAID)


def test_an_address_locks_across_conversations_and_orders(fresh_store):
    address = "203.0.113.7"
    for attempt in range(LIMITS["address"].failures):
        check_pair("wrong@example.com", order_id=f"TP9{attempt:04d}", sender=f"conv-{attempt}", address=address)
    said, _ = check_pair(email_of(PAID), order_id=PAID, sender="conv-new", address=address)
    assert locked_reply(said)
    said, _ = check_pair(email_of(PAID), order_id=PAID, sender="conv-new", address="198.51.100.1")
    assert said == []


def test_a_success_forgets_only_the_conversations_failures(fresh_store):
    for _ in range(MAX_VERIFY_FAILURES - 1):
        check_pair("wrong@example.com")
    assert check_pair(email_of(SHIPPED))[0] == []
    for _ in range(MAX_VERIFY_FAILURES - 1):  # a fresh count for the conversation: not locked yet
        said, _ = check_pair("wrong@example.com")
    assert said == ["utter_order_not_found"]
    # The order kept its failures: 2 + 2 so far, and one more from anywhere locks it.
    said, _ = check_pair("wrong@example.com", sender="conv-elsewhere")
    assert locked_reply(said)


def test_the_locked_reply_follows_the_language(fresh_store):
    for attempt in range(MAX_VERIFY_FAILURES):
        said, _ = check_pair("wrong@example.com", language="zh")
    assert said == ["验证订单的尝试次数过多。为保护你的信息安全，接下来 1 分钟内无法在这里查询订单，请稍后再试。"]


def test_malformed_order_id_and_email_are_refused(fresh_store):
    form = ValidateOrderTrackingForm()
    assert validate(form, "order_id", "my order is tp-10042", {}) == ("TP10042", [])
    assert validate(form, "order_id", "order 42", {}) == (None, ["utter_invalid_order_id"])
    assert validate(form, "email", "not an email", {}) == (None, ["utter_invalid_email"])


# --- tracking ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(STATUSES))
def test_each_status_gets_its_own_response_and_card(fresh_store, status):
    seed = first_with_status(status)
    [message], events = run(ActionShowOrder(), for_order(seed["id"], seed["email"].upper()))
    assert message["response"] == f"utter_order_status_{status}" and message["order_id"] == seed["id"]
    card = message["custom"]
    assert (card["type"], card["order_id"], card["status"]) == ("order", seed["id"], status)
    assert card["status_label"] == STATUSES[status]["en"]
    assert card["total"] == pytest.approx(seed["total"])
    assert [i["product_id"] for i in card["items"]] == [i["product_id"] for i in seed["items"]]
    assert set(TASK_SLOTS) <= set(slot_values(events)) and slot_values(events)["verify_failures"] == 0
    assert "order_id" not in slot_values(events)  # the shopper stays identified


def test_shipped_order_shows_carrier_tracking_and_eta(fresh_store):
    [message], _ = run(ActionShowOrder(), for_order(SHIPPED))
    seed = ORDERS[SHIPPED]
    assert (message["carrier"], message["tracking_number"]) == (seed["carrier"], seed["tracking_number"])
    assert message["eta"] == format_date(fresh_store.find_order(SHIPPED, seed["email"]).eta, "en")
    assert message["delivered_on"] == "-"
    assert message["custom"]["tracking_number"] == seed["tracking_number"]
    [message], _ = run(ActionShowOrder(), for_order(DELIVERED))
    assert message["eta"] == "-" and message["delivered_on"] == format_date(message["custom"]["delivered_at"], "en")


def test_order_card_in_chinese_uses_chinese_labels_and_names(fresh_store):
    [message], _ = run(ActionShowOrder(), for_order("TP10002", language="zh"))
    card = message["custom"]
    assert card["language"] == "zh" and card["status_label"] == "已签收"
    # One item has a Chinese name, the other has none and keeps its English one.
    assert [i["name"] for i in card["items"]] == ["四季大本营双人帐篷", "Airflow Hiking Shirt"]


# --- cancelling ----------------------------------------------------------------------------------------------


def test_cancel_form_asks_for_confirmation_only_on_open_orders(fresh_store):
    form = ValidateCancelOrderForm()
    assert required(form, {"order_id": PAID}) == ["order_id", "email"]
    assert required(form, for_order(PAID)) == ["order_id", "email", "confirm_cancel"]
    assert required(form, for_order(SHIPPED)) == ["order_id", "email"]
    assert validate(form, "confirm_cancel", "Yes please!", {}) == ("yes", [])
    assert validate(form, "confirm_cancel", "不取消了", {}) == ("no", [])
    assert validate(form, "confirm_cancel", "maybe later?", {}) == (None, ["utter_please_answer_yes_no"])


def test_cancelling_an_open_order_cancels_it_in_the_store(fresh_store):
    before = fresh_store.find_order(PAID, email_of(PAID))
    [ask], _ = run(ActionAskConfirmCancel(), for_order(PAID))
    assert (ask["response"], ask["total"]) == ("utter_ask_confirm_cancel", f"${before.total_cents / 100:,.2f}")
    [message], events = run(ActionCancelOrder(), for_order(PAID, confirm_cancel="yes"))
    assert message["response"] == "utter_cancel_done" and message["total"] == ask["total"]
    assert message["custom"]["status"] == "cancelled"
    assert fresh_store.find_order(PAID, email_of(PAID)).status == "cancelled"
    assert slot_values(events)["confirm_cancel"] is None
    # Asking again: the order is now locked as cancelled, not cancelled twice.
    [message], _ = run(ActionCancelOrder(), for_order(PAID, confirm_cancel="yes"))
    assert message["response"] == "utter_order_locked_cancelled"


def test_declining_the_cancellation_keeps_the_order(fresh_store):
    [message], _ = run(ActionCancelOrder(), for_order(PAID, confirm_cancel="no"))
    assert message["response"] == "utter_cancel_kept"
    assert fresh_store.find_order(PAID, email_of(PAID)).status == "paid"


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled", "returned"])
def test_orders_past_open_cannot_be_cancelled(fresh_store, status):
    seed = first_with_status(status)
    [message], _ = run(ActionCancelOrder(), for_order(seed["id"], seed["email"], confirm_cancel="yes"))
    assert message["response"] == f"utter_order_locked_{status}" and message["order_id"] == seed["id"]
    assert fresh_store.find_order(seed["id"], seed["email"]).status == status


# --- changing ------------------------------------------------------------------------------------------------


def test_change_form_asks_only_what_the_change_needs(fresh_store):
    form = ValidateChangeOrderForm()
    base = ["order_id", "email", "change_type"]
    assert required(form, for_order(PAID)) == base
    assert required(form, for_order(PAID, change_type="address")) == base + ["new_address"]
    assert required(form, for_order(PAID, change_type="quantity")) == base + ["change_item", "new_quantity"]
    # One line on the order: no need to ask which item.
    assert required(form, for_order(PENDING_ONE_LINE, change_type="quantity")) == base + ["new_quantity"]
    assert required(form, for_order(SHIPPED, change_type="address")) == ["order_id", "email"]
    assert validate(form, "change_type", "Shipping Address", {}) == ("address", [])
    assert validate(form, "change_type", "改数量", {}) == ("quantity", [])
    assert validate(form, "change_type", "the colour", {}) == (None, ["utter_invalid_choice"])


def test_changing_the_address_updates_the_store(fresh_store):
    form = ValidateChangeOrderForm()
    for bad in ("home", "my house on the hill", "1 A"):
        assert validate(form, "new_address", bad, {}) == (None, ["utter_invalid_address"])
    address, _ = validate(form, "new_address", "  12 Harbor   Way,\n Portland OR 97209 ", {})
    assert address == "12 Harbor Way, Portland OR 97209"
    before = fresh_store.find_order(PAID, email_of(PAID)).shipping_address
    [message], _ = run(ActionChangeOrder(), for_order(PAID, change_type="address", new_address=address))
    assert (message["response"], message["address"]) == ("utter_change_done_address", address)
    after = fresh_store.find_order(PAID, email_of(PAID)).shipping_address
    assert after["text"] == address and {k: v for k, v in after.items() if k != "text"} == before


def test_changing_a_quantity_recomputes_the_total(fresh_store):
    order = fresh_store.find_order(PAID, email_of(PAID))
    line = order.items[1]
    item, responses = validate(ValidateChangeOrderForm(), "change_item", "2", for_order(PAID))
    assert (item, responses) == (line.product_id, [])
    [message], _ = run(ActionChangeOrder(), for_order(PAID, change_type="quantity", change_item=item, new_quantity="3"))
    expected = order.total_cents + (3 - line.quantity) * line.unit_price_cents
    after = fresh_store.find_order(PAID, email_of(PAID))
    assert after.total_cents == expected and next(i for i in after.items if i.product_id == item).quantity == 3
    assert message["response"] == "utter_change_done_quantity"
    assert (message["item"], message["quantity"], message["total"]) == (line.name, 3, f"${expected / 100:,.2f}")
    assert message["custom"]["total"] == pytest.approx(expected / 100)


def test_change_item_choice_must_pick_exactly_one_line(fresh_store):
    form = ValidateChangeOrderForm()
    order = fresh_store.find_order(PAID, email_of(PAID))
    third = order.items[2].product_id
    assert validate(form, "change_item", third.lower(), for_order(PAID)) == (third, [])
    for unclear in ("9", "boots", "all"):
        assert validate(form, "change_item", unclear, for_order(PAID)) == (None, ["utter_invalid_choice"])
    [ask], _ = run(ActionAskChangeItem(), for_order(PAID))
    assert [b["payload"] for b in ask["buttons"]] == [i.product_id for i in order.items]
    assert all(b["title"].endswith(f"x{i.quantity}") for b, i in zip(ask["buttons"], order.items))


@pytest.mark.parametrize("text, expected", [("3", "3"), ("make it 2 please", "2"), ("三个", "3"), ("10", "10")])
def test_reasonable_quantities_are_accepted(text, expected):
    assert validate(ValidateChangeOrderForm(), "new_quantity", text, {}) == (expected, [])


@pytest.mark.parametrize("text", ["0", "11", "250", "lots", ""])
def test_bad_quantities_are_refused(text):
    assert validate(ValidateChangeOrderForm(), "new_quantity", text, {}) == (None, ["utter_invalid_quantity"])


@pytest.mark.parametrize("text", ["十二", "二十个"])
def test_chinese_quantities_over_ten_are_refused(text):
    assert validate(ValidateChangeOrderForm(), "new_quantity", text, {}) == (None, ["utter_invalid_quantity"])


def test_a_shipped_order_cannot_be_changed(fresh_store):
    before = fresh_store.find_order(SHIPPED, email_of(SHIPPED))
    slots = for_order(SHIPPED, change_type="address", new_address="12 Harbor Way, Portland OR")
    [message], events = run(ActionChangeOrder(), slots)
    assert message["response"] == "utter_order_locked_shipped"
    assert fresh_store.find_order(SHIPPED, email_of(SHIPPED)) == before
    assert slot_values(events)["new_address"] is None

