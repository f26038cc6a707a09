"""Personal shopping through the real Rasa, action and knowledge servers: suggestions that respect budget, size
and stock, follow-ups that refine them, Chinese requests, out-of-stock alternatives, and a profile that is
remembered across turns and forgotten on request. Constraints are checked against the store's own data."""

import json
import re

import pytest
import requests

from tests.conftest import demo_orders
from scripts.stack import STORE_DIR

pytestmark = pytest.mark.stack

CATALOG = {p["id"]: p for p in map(json.loads, (STORE_DIR / "catalog.jsonl").read_text(encoding="utf-8").splitlines())
           if p}
CJK = re.compile(r"[\u4e00-\u9fff]")


def in_stock(product_id: str, size: str = None, color: str = None) -> bool:
    return any(v["stock"] > 0 and (size is None or v["size"] == size) and (color is None or v["color"] == color)
               for v in CATALOG[product_id].get("variants", []))


def suggestions(reply) -> list:
    card = reply.custom("products")
    assert card, f"no product cards in {reply.texts}"
    assert card["items"], card
    for item in card["items"]:
        product = CATALOG[item["id"]]
        assert item["price"] == product["price"] and item["currency"] == product["currency"]  # from the data
        assert item["reason"] and item["copy"], item
        assert in_stock(item["id"]), item
    assert card.get("variant"), card
    return card["items"]


def test_a_budget_and_a_size_are_respected(stack, sender):
    items = suggestions(stack.say(sender, "Can you recommend a rain jacket under $150 in size M?"))
    for item in items:
        assert CATALOG[item["id"]]["category"] == "jackets", item
        assert item["price"] <= 150 and in_stock(item["id"], size="M"), item


def test_follow_ups_refine_the_last_request(stack, sender):
    first = suggestions(stack.say(sender, "I need a jacket in size L"))
    cheaper = suggestions(stack.say(sender, "anything cheaper?"))
    assert max(i["price"] for i in cheaper) < min(i["price"] for i in first), (first, cheaper)
    for item in cheaper:
        assert CATALOG[item["id"]]["category"] == "jackets" and in_stock(item["id"], size="L"), item
    no_black = suggestions(stack.say(sender, "not black please"))
    for item in no_black:
        colours = {v["color"] for v in CATALOG[item["id"]]["variants"] if v["stock"] > 0 and v["size"] == "L"}
        assert colours - {"black"}, item


def test_a_chinese_request_gets_chinese_cards_and_its_yuan_budget_converted(stack, sender):
    reply = stack.say(sender, "推荐一个1000元以内的背包")  # 1000 × 0.138 (store.yml) = $138, not $1000
    items = suggestions(reply)
    assert "1000元约合 138 美元" in reply.text, reply.texts
    for item in items:
        assert CATALOG[item["id"]]["category"] == "backpacks" and item["price"] <= 138, item
        assert CJK.search(item["name"]) and CJK.search(item["reason"]), item
        assert item["price_text"] == f"{item['price']:,.2f} 美元", item


def test_a_budget_in_a_currency_the_store_does_not_list_gets_a_question(stack, sender):
    reply = stack.say(sender, "can you recommend a jacket under 5000 yen?")
    assert reply.custom("products") is None, reply.texts
    assert "5000 yen" in reply.text and "USD, CNY, EUR, GBP" in reply.text, reply.texts


def test_nothing_is_dropped_silently_the_shopper_chooses(stack, sender):
    first = suggestions(stack.say(sender, "Can you recommend a waterproof jacket in size M?"))
    assert all(CATALOG[i["id"]]["attributes"].get("waterproof") for i in first), first
    reply = stack.say(sender, "anything cheaper?")
    assert reply.custom("products") is None and "Nothing waterproof" in reply.text, reply.texts
    offers = {b["title"]: b["payload"] for b in reply.buttons}
    assert offers.get("Include non-waterproof ones") == '/product_recommendation{"drop_constraint": "need:waterproof"}'
    chosen = suggestions(stack.say(sender, offers["Include non-waterproof ones"]))
    for item in chosen:  # the other constraints still hold
        assert CATALOG[item["id"]]["category"] == "jackets" and in_stock(item["id"], size="M"), item
        assert item["price"] < min(i["price"] for i in first), item


def test_the_knowledge_service_names_the_constraint_without_rasa(stack):
    """The same refinement straight through /recommend: checks the logic without the retrained model."""
    def recommend(**body):
        response = requests.post(f"{stack.knowledge_url}/recommend", json={"lang": "en", **body}, timeout=60)
        assert response.ok, response.text
        return response.json()

    first = recommend(message="waterproof jacket in size M")
    cheaper = recommend(message="anything cheaper?", state=first["state"])
    assert cheaper["items"] == [] and cheaper["message"].startswith("Nothing waterproof")
    assert "need:waterproof" in {o["drop"] for o in cheaper["offers"]}
    dropped = recommend(message="/product_recommendation", state={**cheaper["state"], "drop": ["need:waterproof"]})
    assert dropped["items"] and all(in_stock(i["id"], size="M") for i in dropped["items"])
    yuan = recommend(message="推荐一个背包，500元以内", lang="zh")
    assert yuan["converted"]["text"] == "69 美元" and all(i["price"] <= 69 for i in yuan["items"])


@pytest.mark.parametrize("message, words, person", [("do you sell standing desks?", "don't carry standing desks",
                                                     "/human_agent"),
                                                    ("你们有没有婴儿推车", "本店没有婴儿推车", "/human_agent")])
def test_goods_we_do_not_sell_are_declined_gracefully_with_the_closest_we_have(stack, sender, message, words, person):
    reply = stack.say(sender, message)
    assert words in reply.text, reply.texts
    assert "can't help" not in reply.text.lower()
    assert person in [b["payload"] for b in reply.buttons]  # a person can help find it
    suggestions(reply)  # and the closest things we do carry, re-checked against the store


def test_an_out_of_stock_product_gets_in_stock_alternatives(stack, sender):
    sold_out = next(pid for pid, p in CATALOG.items() if p["category"] == "tents" and not in_stock(pid))
    reply = stack.say(sender, f"is there an alternative to {sold_out}?")
    assert "out of stock" in reply.text, reply.texts
    items = suggestions(reply)
    assert sold_out not in {i["id"] for i in items}
    assert all(CATALOG[i["id"]]["category"] == "tents" for i in items), items


def test_the_profile_is_remembered_and_forgotten_on_request(stack, sender):
    suggestions(stack.say(sender, "show me hiking boots in size 42 under $200"))
    suggestions(stack.say(sender, "in brown?"))
    shown = stack.say(sender, "what do you remember about me?")
    profile = shown.custom("profile")["profile"]
    assert "42" in profile["sizes"] and profile["budget_max"] == 200, profile
    assert "footwear" in profile["categories"], profile
    assert "42" in shown.text and "$200.00" in shown.text

    forgotten = stack.say(sender, "please forget everything about me")
    assert "deleted" in forgotten.text
    again = stack.say(sender, "what do you know about me?")
    assert again.custom("profile") is None and "don't have anything saved" in again.text


def test_a_product_cards_follow_ups_find_similar_and_matching_products(stack, sender):
    similar = suggestions(stack.say(sender, "Show me products similar to TP-TNT-001"))
    assert all(CATALOG[i["id"]]["category"] == "tents" and i["id"] != "TP-TNT-001" for i in similar), similar
    reply = stack.say(sender, "What goes well with TP-TNT-001?")
    matching = suggestions(reply)
    assert all(CATALOG[i["id"]]["category"] != "tents" for i in matching), matching
    assert CATALOG["TP-TNT-001"]["name"] in reply.text


def test_a_verified_customers_orders_join_the_profile(stack, sender):
    order = next(o for o in demo_orders() if o["status"] == "delivered" and o.get("email"))
    stack.say(sender, f"where is my order {order['id']}?")
    assert stack.say(sender, order["email"]).custom("order")["order_id"] == order["id"]
    suggestions(stack.say(sender, "can you recommend a headlamp?"))
    profile = stack.say(sender, "what do you remember about me?").custom("profile")["profile"]
    assert {i["product_id"] for i in order["items"]} <= set(profile["bought"]), profile
