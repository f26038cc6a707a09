"""Product suggestions (actions/products.py) when the knowledge service is down: the store's own filtered query,
with names, prices, stock and links read from a fresh demo store; plus the action's pure helpers."""

import asyncio
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.products import (
    ActionRecommendProducts,
    card_item,
    offer_buttons,
    fallback_reason,
    mentioned_product,
    message_hints,
    parse_budget_cents,
)
from shop.store.backend import ProductQuery
from scripts.stack import STORE_DIR
from tests.actions.helpers import RESPONSES, db_rows, run_action

CATALOG = [json.loads(line) for line in (STORE_DIR / "catalog.jsonl").open(encoding="utf-8") if line.strip()]


def expected_ids(keep=lambda p: True, variant=lambda v: True, limit=3):
    """The catalogue file's most popular products with a matching variant in stock: what the fallback must show."""
    hits = [p for p in CATALOG if keep(p) and any(v.get("stock", 0) > 0 and variant(v) for v in p["variants"])]
    hits.sort(key=lambda p: (p.get("popularity", 0), p.get("rating") or 0), reverse=True)
    return [p["id"] for p in hits[:limit]]


@pytest.fixture
def knowledge_down(monkeypatch):
    monkeypatch.setattr(config, "KNOWLEDGE_URL", "http://127.0.0.1:9")  # a closed port: connection refused
    monkeypatch.setattr(config, "KNOWLEDGE_TIMEOUT_S", 5.0)


def recommend(text="show me something", lang="en", **slots):
    return run_action(ActionRecommendProducts(), {"language": lang, **slots}, text, sender="conv-products")


# --- the fallback path -----------------------------------------------------------------------------------------


def test_knowledge_down_suggests_the_most_popular_in_stock_products(fresh_store, knowledge_down):
    [message], events = recommend("I need a tent", product_category="tents")
    assert message["response"] == "utter_recommendations" and events == []
    payload = message["custom"]
    assert payload["type"] == "products" and "variant" not in payload  # no copy experiment without the service
    assert [i["id"] for i in payload["items"]] == expected_ids(lambda p: p["category"] == "tents")
    by_id = {p["id"]: p for p in CATALOG}
    for item in payload["items"]:
        seed = by_id[item["id"]]
        assert (item["name"], item["price"], item["currency"]) == (seed["name"], seed["price"], "USD")
        assert (item["url"], item["image"], item["rating"]) == (seed["url"], seed["image"], seed["rating"])
        assert item["reason"] == f"{seed['brand']}, rated {seed['rating']:.1f}★."


def test_no_filters_suggest_the_store_wide_favourites(fresh_store, knowledge_down):
    [message], _ = recommend("any recommendations?")
    assert [i["id"] for i in message["custom"]["items"]] == expected_ids()


def test_cards_show_the_stores_current_price_and_stock(fresh_store, knowledge_down):
    top = expected_ids(lambda p: p["category"] == "tents", limit=4)
    db_rows(fresh_store, "UPDATE products SET price_cents = 29900 WHERE id = ?", top[0])
    db_rows(fresh_store, "UPDATE variants SET stock = 0 WHERE product_id = ?", top[1])  # sold out since the load
    [message], _ = recommend("tents please", product_category="tents")
    items = message["custom"]["items"]
    assert [i["id"] for i in items] == [top[0], top[2], top[3]]
    assert items[0]["price"] == 299.0


def test_colour_size_and_budget_filters_all_hold(fresh_store, knowledge_down):
    slots = {"product_category": "jackets", "color": "yellow", "size": "m", "price": "under $100"}
    [message], _ = recommend("a yellow jacket in M under $100", **slots)
    items = message["custom"]["items"]
    assert items and [i["id"] for i in items] == expected_ids(
        lambda p: p["category"] == "jackets" and p["price"] <= 100,
        lambda v: v.get("color") == "yellow" and v.get("size") == "M",
    )
    for item in items:
        assert item["price"] <= 100
        assert db_rows(
            fresh_store,
            "SELECT count(*) FROM variants WHERE product_id = ? AND color = 'yellow' AND size = 'M' AND stock > 0",
            item["id"],
        ) != [(0,)]
        assert item["reason"].endswith(", in yellow, size m in stock, within your $100.00 budget.")


def test_brand_matches_whatever_its_case(fresh_store, knowledge_down):
    [message], _ = recommend("ridgeline stuff", brand="ridgeline")
    assert [i["id"] for i in message["custom"]["items"]] == expected_ids(lambda p: p["brand"] == "Ridgeline")


def test_nothing_matching_says_so_without_cards(fresh_store, knowledge_down):
    [message], events = recommend("a tent under $10", product_category="tents", price="$10")
    assert message["response"] == "utter_no_recommendations" and message["custom"] == {}
    assert events == []


def test_fallback_in_chinese_uses_chinese_names_and_reasons(fresh_store, knowledge_down):
    [message], _ = recommend("推荐帐篷", lang="zh", product_category="tents", price="2000块")  # ≈ $276 at 0.138
    items = message["custom"]["items"]
    by_id = {p["id"]: p for p in CATALOG}
    assert items and all(i["name"] == by_id[i["id"]]["name_zh"] and i["price"] <= 276 for i in items)
    first = by_id[items[0]["id"]]
    assert items[0]["reason"] == f"{first['brand']}，评分 {first['rating']:.1f}★，在 276.00 美元预算内。"
    assert items[0]["price_text"] == f"{first['price']:,.2f} 美元"


def test_knowledge_down_leaves_the_saved_profile_alone(fresh_store, knowledge_down):
    fresh_store.save_profile("conv-products", {"categories": ["jackets"]})
    recommend("a tent", product_category="tents")
    assert fresh_store.profile("conv-products") == {"categories": ["jackets"]}


# --- cards and helpers ---------------------------------------------------------------------------------------


def test_cards_carry_a_promotion_except_on_final_sale_items(fresh_store):
    tent = card_item(fresh_store.product("TP-TNT-002"), "why", "en")
    assert tent["promotion"]["code"] == "TIDE15"  # 15% off tents over $150
    final_sale = fresh_store.product("TP-TNT-011")
    assert final_sale.final_sale and "promotion" not in card_item(final_sale, "why", "en")


@pytest.mark.parametrize(
    "text, cents",
    [("$100", 10000), ("under 80 dollars", 8000), ("100块", 1380), ("€80", 8400), ("1,299.50", 129950),
     ("cheap", None), ("5000 yen", None), (None, None)],
)
def test_budgets_are_read_in_cents(text, cents):
    assert parse_budget_cents(text) == cents


def test_a_product_named_by_id_is_found_in_any_case(fresh_store):
    assert mentioned_product("anything similar to tp-jkt-001?").id == "TP-JKT-001"
    assert mentioned_product("like TP-XXX-999 but cheaper") is None
    assert mentioned_product("a 2-person tent") is None


def test_only_this_messages_filter_entities_are_hints():
    tracker = Tracker("t", {}, {"text": "", "entities": [
        {"entity": "product_category", "value": "jackets"},
        {"entity": "color", "value": "navy"},
        {"entity": "size", "value": ""},
        {"entity": "order_id", "value": "TP10042"},
        {"entity": "price", "value": 80},
    ]}, [], False, None, {}, "action_listen")
    assert message_hints(tracker) == {"category": "jackets", "color": "navy", "price": "80"}


def test_fallback_reason_states_only_the_products_facts_and_the_filters(fresh_store):
    jacket = fresh_store.product("TP-JKT-001")
    assert fallback_reason(jacket, ProductQuery(), "en") == "Tidepool, rated 4.7★."
    query = ProductQuery(color="navy", size="L", max_price_cents=15000)
    assert fallback_reason(jacket, query, "en") == (
        "Tidepool, rated 4.7★, in navy, size L in stock, within your $150.00 budget.")
    assert fallback_reason(jacket, query, "zh") == "Tidepool，评分 4.7★，有navy，尺码 L 有货，在 150.00 美元预算内。"


@pytest.mark.parametrize(
    "result, mode, expected",
    [
        ({"anchor": {"name": "Harbor Shell", "in_stock": False, "size": "M"}}, "similar",
         {"response": "utter_recommendations_out_of_stock", "name": "Harbor Shell", "size_note": " in size M"}),
        ({"anchor": {"name": "Harbor Shell", "in_stock": False}}, "search",
         {"response": "utter_recommendations_out_of_stock", "name": "Harbor Shell", "size_note": ""}),
        ({"anchor": {"name": "Harbor Shell", "in_stock": False}}, "complements",
         {"response": "utter_recommendations_complements", "name": "Harbor Shell"}),
        ({"anchor": {"name": "Harbor Shell", "in_stock": True}}, "similar",
         {"response": "utter_recommendations_similar", "name": "Harbor Shell"}),
        ({"message": "Nothing in red; here it is in blue."}, "search", {"text": "Nothing in red; here it is in blue."}),
        ({"converted": {"said": "500元", "text": "$69", "rates_set_on": "2026-11-30"}}, "search",
         {"response": "utter_recommendations_converted", "original": "500元", "converted": "$69",
          "rates_date": "2026-11-30"}),
        ({}, "search", {"response": "utter_recommendations"}),
    ],
)
def test_intro_line_says_what_happened_to_the_request(result, mode, expected):
    assert ActionRecommendProducts.intro(result, mode, "en") == expected
    if "response" in expected:
        assert expected["response"] in RESPONSES


# --- money in the shopper's terms, honest refinement (the knowledge service's reply stubbed) -------------------


@pytest.fixture
def knowledge_says(monkeypatch):
    """The knowledge service's /recommend reply, and the requests the action sent it."""
    sent: list = []

    def stub(result):
        async def recommend(self, request):
            sent.append(request)
            return result
        monkeypatch.setattr("actions.products.KnowledgeClient.recommend", recommend)
        return sent
    return stub


def run_with_entities(text, entities, slots):
    dispatcher = CollectingDispatcher()
    tracker = Tracker("conv-money", {"language": "en", **slots}, {"text": text, "entities": entities}, [], False,
                      None, {}, "action_listen")
    events = asyncio.run(ActionRecommendProducts().run(dispatcher, tracker, {}))
    assert all(m["response"] in RESPONSES for m in dispatcher.messages if m.get("response"))
    return dispatcher.messages, events


EMPTY = {"items": [], "state": {"category": "jackets", "size": "M", "needs": ["waterproof"], "below": 129.0},
         "empty_because": "size", "message": "Nothing waterproof in size M cheaper than $129 matches.",
         "offers": [{"drop": "size", "title": "Any size"}, {"drop": "need:waterproof",
                                                            "title": "Include non-waterproof ones"}]}


def test_cards_carry_the_price_in_the_shoppers_language(fresh_store):
    tent = fresh_store.product("TP-TNT-002")
    assert card_item(tent, "why", "en")["price_text"] == "$349.00"
    assert card_item(tent, "why", "zh")["price_text"] == "349.00 美元"


def test_an_empty_list_names_the_constraint_and_offers_to_drop_each(fresh_store, knowledge_says):
    knowledge_says(EMPTY)
    [message], events = run_with_entities("anything cheaper?", [], {"shopping_request": {"category": "jackets"}})
    assert message["response"] == "utter_recommendations_nothing_fits"
    assert message["reason"] == EMPTY["message"]
    assert message["buttons"] == [
        {"title": "Any size", "payload": '/product_recommendation{"drop_constraint": "size"}'},
        {"title": "Include non-waterproof ones",
         "payload": '/product_recommendation{"drop_constraint": "need:waterproof"}'}]
    assert events == [SlotSet("shopping_request", EMPTY["state"])]  # every constraint kept for the next turn


def test_a_drop_button_re_runs_the_request_without_that_constraint(fresh_store, knowledge_says):
    sent = knowledge_says({"items": [], "state": {}, "message": None})
    state = EMPTY["state"]
    run_with_entities('/product_recommendation{"drop_constraint": "need:waterproof"}',
                      [{"entity": "drop_constraint", "value": "need:waterproof"}], {"shopping_request": state})
    assert sent[0]["state"] == {**state, "drop": ["need:waterproof"]} and sent[0]["hints"] == {}
    assert sent[0]["mode"] == "search" and "product_id" not in sent[0]


def test_a_malformed_drop_is_ignored(fresh_store, knowledge_says):
    sent = knowledge_says({"items": [], "state": {}, "message": None})
    run_with_entities("x", [{"entity": "drop_constraint", "value": "size; DROP TABLE"}],
                      {"shopping_request": EMPTY["state"]})
    assert "drop" not in sent[0]["state"]
    assert offer_buttons([{"drop": "<script>", "title": "x"}, "junk", {"drop": "size"}]) == []


def test_an_unknown_currency_gets_a_question_not_a_guess(fresh_store, knowledge_says):
    knowledge_says({"items": [], "state": {"category": "jackets"}, "message": None,
                    "unknown_currency": {"said": "5000 yen", "named": "JPY", "listed": ["USD", "CNY", "EUR", "GBP"]}})
    [message], events = run_with_entities("a jacket under 5000 yen", [], {})
    assert message["response"] == "utter_budget_currency_unknown"
    assert (message["said"], message["currencies"]) == ("5000 yen", "USD, CNY, EUR, GBP")
    assert "custom" not in message or not message["custom"]


def test_a_converted_budget_is_stated_even_when_nothing_fits(fresh_store, knowledge_says):
    knowledge_says({**EMPTY, "converted": {"said": "500元", "text": "$69", "rates_set_on": "2026-11-30"}})
    messages, _ = run_with_entities("500元以内的防水外套", [], {})
    assert [m["response"] for m in messages] == ["utter_budget_converted", "utter_recommendations_nothing_fits"]
    assert (messages[0]["original"], messages[0]["converted"]) == ("500元", "$69")


def test_a_converted_budget_is_stated_above_the_cards(fresh_store, knowledge_says):
    knowledge_says({"items": [{"id": "TP-BPK-011", "reason": "r"}], "state": {"max_price": 69.0},
                    "converted": {"said": "500元", "text": "69 美元", "rates_set_on": "2026-11-30"}})
    [message], _ = run_with_entities("推荐一个背包，500元以内", [], {"language": "zh"})
    assert message["response"] == "utter_recommendations_converted" and message["converted"] == "69 美元"
    assert message["custom"]["items"][0]["price_text"].endswith(" 美元")
