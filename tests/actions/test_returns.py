"""Starting a return (actions/returns.py) over a fresh demo store: eligibility, the window, final sale, routing."""

import asyncio
import sqlite3
from datetime import date, timedelta

import pytest

from shop.dates import format_date
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.returns import (
    ActionAskReturnItem,
    ActionCreateReturn,
    ActionRouteReturns,
    ValidateReturnForm,
    wants_to_start_return,
)
from tests.actions.helpers import ORDERS, STORE_FACTS, db_rows, run_action, tracker

RETURNS = STORE_FACTS["returns"]

TWO_ITEMS = "TP10017"  # delivered 20 days ago: sleeping bag + 2 bottles
ONE_ITEM = "TP10023"  # delivered 25 days ago: boots
FOUR_ITEMS = "TP10021"  # delivered 29 days ago
HALF_FINAL_SALE = "TP10032"  # delivered 12 days ago: a final-sale slide and a tee
ALL_FINAL_SALE = "TP10034"  # delivered 2 days ago: final-sale string lights only
WINDOW_PASSED = "TP10018"  # delivered 31 days ago
RETURNED = "TP10005"
SHIPPED = "TP10042"


def for_order(order_id, **slots):
    return {"language": "en", "order_id": order_id, "email": ORDERS[order_id]["email"], **slots}


def run(action, slots, text=""):
    return run_action(action, slots, text, sender="conv-returns")


def validate(slot, value, slots):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateReturnForm(), f"validate_{slot}")(value, dispatcher, tracker(slots), {})
    return result[slot], [m["response"] for m in dispatcher.messages]


def required(slots):
    return asyncio.run(ValidateReturnForm().required_slots([], CollectingDispatcher(), tracker(slots), {}))


def set_delivered_days_ago(store, order_id, days):
    with sqlite3.connect(store.db_path) as db:
        db.execute("UPDATE orders SET delivered_on = ? WHERE id = ?", ((date.today() - timedelta(days)).isoformat(),
                                                                        order_id))


# --- the form asks only what the order allows ----------------------------------------------------------------


def test_return_form_asks_for_an_item_only_when_there_is_a_choice(fresh_store):
    identity = ["order_id", "email"]
    assert required({"order_id": TWO_ITEMS}) == identity
    assert required(for_order(TWO_ITEMS)) == identity + ["return_item", "return_reason"]
    assert required(for_order(ONE_ITEM)) == identity + ["return_reason"]
    # The final-sale slide does not count: one returnable item left, nothing to choose.
    assert required(for_order(HALF_FINAL_SALE)) == identity + ["return_reason"]
    # Nothing returnable: the form ends at once and the submit action says why.
    for order_id in (ALL_FINAL_SALE, WINDOW_PASSED, RETURNED, SHIPPED):
        assert required(for_order(order_id)) == identity, order_id


def test_item_buttons_list_only_returnable_items(fresh_store):
    [ask], _ = run(ActionAskReturnItem(), for_order(HALF_FINAL_SALE))
    assert ask["response"] == "utter_ask_return_item"
    assert ask["buttons"] == [
        {"title": "Tidewater Merino Tee", "payload": "TP-TOP-001"},
        {"title": "All items", "payload": "all"},
    ]
    [ask], _ = run(ActionAskReturnItem(), for_order(TWO_ITEMS, language="zh"))
    assert [b["title"] for b in ask["buttons"]] == ["余烬 0°C 羽绒睡袋", "保温水瓶 750 毫升", "全部商品"]


def test_item_choice_picks_returnable_items_only(fresh_store):
    assert validate("return_item", "all", for_order(FOUR_ITEMS)) == (
        "TP-BPK-003,TP-HYD-005,TP-KIT-001,TP-ACC-002", [])
    assert validate("return_item", "2", for_order(TWO_ITEMS)) == ("TP-HYD-001", [])
    assert validate("return_item", "sleeping bag", for_order(TWO_ITEMS)) == ("TP-SLP-001", [])
    # "All" never sweeps in a final-sale item, and naming one is refused.
    assert validate("return_item", "all", for_order(HALF_FINAL_SALE)) == ("TP-TOP-001", [])
    assert validate("return_item", "TP-FTW-016", for_order(HALF_FINAL_SALE)) == (None, ["utter_invalid_choice"])
    # Without a verified order there is nothing to choose from.
    assert validate("return_item", "all", for_order(TWO_ITEMS, email="x@example.com")) == (
        None, ["utter_invalid_choice"])


def test_return_reason_is_tidied_and_capped():
    assert validate("return_reason", "  too\n small   in the\tshoulders ", {}) == ("too small in the shoulders", [])
    assert validate("return_reason", "   ", {}) == (None, [])
    reason, _ = validate("return_reason", "x" * 900, {})
    assert len(reason) == 500


# --- creating the return -------------------------------------------------------------------------------------


def test_return_inside_the_window_is_created_in_the_store(fresh_store):
    slots = for_order(ONE_ITEM, return_item="TP-FTW-004", return_reason="too narrow")
    [message], events = run(ActionCreateReturn(), slots)
    assert message["response"] == "utter_return_created"
    card = message["custom"]
    assert card["type"] == "return" and card["order_id"] == ONE_ITEM and card["status"] == "awaiting_items"
    assert card["items"] == [{"product_id": "TP-FTW-004", "name": "Granite Backpacking Boot", "quantity": 1}]
    refund = RETURNS["refund_days"]
    assert message["refund_days"] == f"{refund['min']}-{refund['max']}"
    assert message["items"] == "Granite Backpacking Boot x1" and message["return_id"] == card["return_id"]
    assert db_rows(fresh_store, "SELECT order_id, reason, status FROM returns WHERE id = ?", card["return_id"]) == [
        (ONE_ITEM, "too narrow", "awaiting_items")]
    assert db_rows(fresh_store, "SELECT product_id FROM return_items WHERE return_id = ?", card["return_id"]) == [
        ("TP-FTW-004",)]
    assert all(item.returned for item in fresh_store.find_order(ONE_ITEM, ORDERS[ONE_ITEM]["email"]).items)
    assert {e["name"]: e["value"] for e in events}["return_item"] is None


def test_an_item_is_returned_only_once(fresh_store):
    slots = for_order(ONE_ITEM, return_item="TP-FTW-004", return_reason="too narrow")
    run(ActionCreateReturn(), slots)
    [message], _ = run(ActionCreateReturn(), slots)
    assert message["response"] == "utter_return_nothing_eligible"
    assert db_rows(fresh_store, "SELECT count(*) FROM returns WHERE order_id = ?", ONE_ITEM) == [(1,)]


def test_several_items_in_one_return_in_chinese(fresh_store):
    slots = for_order(TWO_ITEMS, language="zh", return_item="TP-SLP-001,TP-HYD-001", return_reason="不合适")
    [message], _ = run(ActionCreateReturn(), slots)
    assert message["response"] == "utter_return_created"
    assert message["items"] == "余烬 0°C 羽绒睡袋 x1, 保温水瓶 750 毫升 x2"
    assert [(i["product_id"], i["quantity"]) for i in message["custom"]["items"]] == [
        ("TP-SLP-001", 1), ("TP-HYD-001", 2)]
    assert sorted(db_rows(fresh_store, "SELECT product_id FROM return_items")) == [("TP-HYD-001",), ("TP-SLP-001",)]


def test_final_sale_items_are_never_returned(fresh_store):
    [message], _ = run(ActionCreateReturn(), for_order(ALL_FINAL_SALE, return_reason="changed my mind"))
    assert (message["response"], message["order_id"]) == ("utter_return_nothing_eligible", ALL_FINAL_SALE)
    # With a final-sale item and a regular one, only the regular one goes back.
    [message], _ = run(ActionCreateReturn(), for_order(HALF_FINAL_SALE, return_reason="changed my mind"))
    assert [i["product_id"] for i in message["custom"]["items"]] == ["TP-TOP-001"]
    assert db_rows(fresh_store, "SELECT product_id FROM return_items") == [("TP-TOP-001",)]


def test_a_passed_window_is_explained_with_its_dates(fresh_store):
    [message], _ = run(ActionCreateReturn(), for_order(WINDOW_PASSED, return_reason="too warm"))
    assert message["response"] == "utter_return_window_passed"
    delivered = date.today() - timedelta(ORDERS[WINDOW_PASSED]["delivered_days_ago"])
    assert (message["delivered_on"], message["window_days"]) == (format_date(delivered, "en"), RETURNS["window_days"])
    assert db_rows(fresh_store, "SELECT count(*) FROM returns WHERE order_id = ?", WINDOW_PASSED) == [(0,)]


def test_the_last_day_of_the_window_still_counts(fresh_store):
    window = RETURNS["window_days"]
    set_delivered_days_ago(fresh_store, ONE_ITEM, window)
    [message], _ = run(ActionCreateReturn(), for_order(ONE_ITEM, return_reason="too big"))
    assert message["response"] == "utter_return_created"
    set_delivered_days_ago(fresh_store, TWO_ITEMS, window + 1)
    [message], _ = run(ActionCreateReturn(), for_order(TWO_ITEMS, return_reason="too big"))
    assert message["response"] == "utter_return_window_passed"


@pytest.mark.parametrize(
    "order_id, response",
    [
        (RETURNED, "utter_return_already_done"),
        (SHIPPED, "utter_return_not_delivered"),
        ("TP10050", "utter_return_not_delivered"),  # paid, not shipped
        ("TP10010", "utter_return_not_delivered"),  # cancelled
    ],
)
def test_orders_that_are_not_delivered_cannot_be_returned(fresh_store, order_id, response):
    [message], _ = run(ActionCreateReturn(), for_order(order_id, return_reason="no longer needed"))
    assert (message["response"], message["order_id"]) == (response, order_id)
    assert db_rows(fresh_store, "SELECT count(*) FROM returns") == [(0,)]


def test_an_unverified_shopper_gets_no_return(fresh_store):
    [message], events = run(ActionCreateReturn(), for_order(ONE_ITEM, email="intruder@example.com"))
    assert message["response"] == "utter_verification_failed"
    assert {e["name"]: e["value"] for e in events}["order_id"] is None
    assert db_rows(fresh_store, "SELECT count(*) FROM returns") == [(0,)]


# --- routing: start a return, or answer a policy question ----------------------------------------------------


@pytest.mark.parametrize("text", ["I want to return my jacket", "return TP10023", "/returns_refunds", "我想退货"])
def test_return_requests_start_the_return_form(text):
    messages, events = run(ActionRouteReturns(), {"language": "en"}, text)
    assert events == [FollowupAction("return_form")] and messages == []


def test_policy_questions_are_answered_not_turned_into_a_return(monkeypatch):
    monkeypatch.setattr(config, "KNOWLEDGE_URL", "http://127.0.0.1:9")  # nothing listens: the service is down
    for text in ("how long do refunds take?", "退款要多久"):
        messages, events = run(ActionRouteReturns(), {"language": "en"}, text)
        assert events == [] and [m["response"] for m in messages] == ["utter_knowledge_unavailable"]


@pytest.mark.parametrize("text", ["how long do I have to return my boots?", "Is there a fee to return my order?"])
def test_policy_questions_naming_my_item_are_still_questions(text):
    assert wants_to_start_return(text) is False
