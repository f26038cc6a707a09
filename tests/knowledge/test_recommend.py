"""Recommendations with the real embedder over a real chromadb index of a slice of the demo catalogue: hard
constraints are never broken, follow-ups refine the request, reasons are made of product data, and the
/recommend endpoint rejects bad input clearly."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from knowledge.index import Index
from knowledge.ingest import ingest
from knowledge.recommend import Recommender
from knowledge.recommend.request import parse

CATALOG = Path(__file__).resolve().parents[2] / "data" / "store" / "catalog.jsonl"
IDS = {"TP-JKT-001", "TP-JKT-002", "TP-JKT-003", "TP-JKT-004", "TP-JKT-006", "TP-JKT-007", "TP-JKT-009",
       "TP-JKT-010", "TP-JKT-013", "TP-JKT-015", "TP-TOP-001", "TP-TOP-004", "TP-TOP-008", "TP-TOP-009",
       "TP-PNT-001", "TP-PNT-004", "TP-BPK-001", "TP-BPK-006", "TP-ACC-001", "TP-ACC-004", "TP-FTW-001",
       "TP-TNT-002", "TP-LGT-001", "TP-SLP-003"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    """The products this index holds, by id (straight from the demo catalogue, for checking answers)."""
    root = tmp_path_factory.mktemp("recs")
    products = [json.loads(line) for line in CATALOG.open(encoding="utf-8")]
    products = [p for p in products if p["id"] in IDS]
    (root / "catalog.jsonl").write_text("\n".join(json.dumps(p) for p in products), encoding="utf-8")
    index = Index(root / "index")
    ingest(index, root / "catalog.jsonl", progress=False)
    return {"index": index, "recommender": Recommender(index), "products": {p["id"]: p for p in products}}


def available(product: dict, color: str | None = None, size: str | None = None, avoid=()) -> bool:
    return any(v["stock"] > 0 and color in (None, v["color"]) and size in (None, v["size"]) and v["color"] not in avoid
               for v in product["variants"])


def test_the_index_keeps_the_normalised_products(demo):
    assert set(demo["index"].products) == IDS
    assert json.loads((demo["index"].path / "products.json").read_text())["TP-JKT-001"]["variants"]


def test_budget_and_size(demo):
    res = demo["recommender"].recommend("I need a waterproof jacket under $150 in size M", limit=5)
    assert res["items"] and res["empty_because"] is None
    for item in res["items"]:
        p = demo["products"][item["id"]]
        assert p["category"] == "jackets" and p["price"] <= 150 and available(p, size="M")
        assert item["in_stock"] is True and item["price"] == p["price"] and item["url"] == p["url"]
        assert "M" in item["reason"] and "$150" in item["reason"]
    first = demo["products"][res["items"][0]["id"]]
    assert first["attributes"]["waterproof"] is True
    assert f"{first['attributes']['waterproof_rating_mm']:,} mm" in res["items"][0]["reason"]


@pytest.mark.parametrize("message, size", [
    ("What shoe sizes do you sell?", None),  # the s of "sizes" is not size S
    ("a jacket in size M", "M"), ("size: L jacket", "L"), ("boots sz10", "10"), ("boots in size eu 42", "42"),
    ("a jacket in 3XL", "3XL"),  # said explicitly: kept even though nothing comes in it
])
def test_the_size_a_message_says(demo, message, size):
    assert parse(message, demo["recommender"].catalog).get("size") == size


def test_refinements_cheaper_then_in_blue(demo):
    rec = demo["recommender"]
    first = rec.recommend("a jacket in size M")
    state = json.loads(json.dumps(first["state"]))  # the caller stores it as JSON
    cheapest = min(i["price"] for i in first["items"])
    cheaper = rec.recommend("cheaper", state=state)
    assert cheaper["items"] and all(i["price"] < cheapest for i in cheaper["items"])
    blue = rec.recommend("in blue", state=cheaper["state"])
    assert blue["items"]
    for item in blue["items"]:
        p = demo["products"][item["id"]]
        assert p["category"] == "jackets" and item["price"] < cheapest and available(p, "blue", "M")
        assert "blue" in item["reason"]
    assert set(blue["state"]["shown"]) >= {i["id"] for i in first["items"]}
    others = rec.recommend("show me others", state=blue["state"])
    assert not {i["id"] for i in others["items"]} & set(blue["state"]["shown"])


def test_chinese_request(demo):
    res = demo["recommender"].recommend("预算200，想要一件防水外套，M码")
    assert res["items"] and res["state"]["lang"] == "zh"
    for item in res["items"]:
        p = demo["products"][item["id"]]
        assert item["name"] == (p.get("name_zh") or p["name"]) and p["price"] <= 200 and available(p, size="M")
        assert "M 码有货" in item["reason"] and "200 美元" in item["reason"]


def test_excluded_colours_across_turns_and_languages(demo):
    rec = demo["recommender"]
    res = rec.recommend("a jacket, not black", limit=10)
    res = rec.recommend("不要黄色的", state=res["state"], limit=10)
    assert res["state"]["exclude_colors"] == ["black", "yellow"] and res["items"]
    for item in res["items"]:
        p = demo["products"][item["id"]]
        assert p["category"] == "jackets" and available(p, avoid=("black", "yellow"))


def test_nothing_fits_says_which_constraint(demo):
    res = demo["recommender"].recommend("kids jacket in XXL under $20")
    assert res["items"] == [] and res["empty_because"] == "size" and "XXL" in res["message"]


def test_out_of_stock_alternatives_in_the_asked_size(demo):
    rec = demo["recommender"]
    assert not available(demo["products"]["TP-JKT-001"], "yellow", "XL")
    res = rec.recommend("Do you have it in yellow, size XL?", product_id="TP-JKT-001",
                        hints={"color": "yellow", "size": "XL"})
    assert res["anchor"] == {"id": "TP-JKT-001", "name": "Harbor Shell 2.5L Rain Jacket", "size": "XL",
                             "color": "yellow", "in_stock": False}
    assert res["items"]
    for item in res["items"]:
        p = demo["products"][item["id"]]
        assert p["category"] == "jackets" and item["id"] != "TP-JKT-001" and available(p, "yellow", "XL")
    sold_out = rec.recommend("is the lambswool sweater available?", product_id="TP-TOP-009")
    assert sold_out["anchor"]["in_stock"] is False and sold_out["items"]
    assert all(demo["products"][i["id"]]["category"] == "tops" for i in sold_out["items"])


def test_similar_and_complements(demo):
    rec = demo["recommender"]
    similar = rec.similar("TP-JKT-001", limit=4)
    assert similar["items"] and all(demo["products"][i["id"]]["category"] == "jackets" and i["id"] != "TP-JKT-001"
                                    for i in similar["items"])
    goes_with = rec.complements("TP-JKT-001", lang="zh")
    categories = [demo["products"][i["id"]]["category"] for i in goes_with["items"]]
    assert len(set(categories)) == len(categories) == 3 and set(categories) <= {"pants", "backpacks", "accessories",
                                                                                 "tops"}
    assert all(available(demo["products"][i["id"]]) and "有货" in i["reason"] for i in goes_with["items"])


def test_csv_catalogue_with_a_field_map(tmp_path):
    (tmp_path / "shop.csv").write_text(
        "sku,title,summary,cat,cost,currency,colorway,in_stock\n"
        "B-1,Steel Bottle 750 ml,Keeps drinks cold for 24 hours.,bottles,29.00,USD,blue,yes\n"
        "B-2,Glass Bottle 500 ml,A glass bottle with a silicone sleeve.,bottles,19.00,USD,blue,no\n"
        "B-3,Trail Bottle 1 l,A light plastic bottle for hikes.,bottles,12.00,USD,red,yes\n"
        "M-1,Camp Mug,Enamel mug.,mugs,9.00,USD,blue,yes\n", encoding="utf-8")
    index = Index(tmp_path / "index")
    ingest(index, tmp_path / "shop.csv", None, "id=sku,name=title,description=summary,category=cat,price=cost",
           progress=False)
    res = Recommender(index).recommend("a blue bottle under $40")
    assert [i["id"] for i in res["items"]] == ["B-1"]  # B-2 is out of stock, B-3 red, M-1 a mug
    assert "blue" in res["items"][0]["reason"] and "$40" in res["items"][0]["reason"]
    (tmp_path / "shop.csv").write_text("sku,title,cat,cost\nB-3,Trail Bottle 1 l,bottles,12.00\n", encoding="utf-8")
    ingest(index, tmp_path / "shop.csv", None, "id=sku,name=title,category=cat,price=cost", progress=False)
    assert set(index.products) == {"B-3"}  # incremental: removed rows leave the catalogue view too


@pytest.mark.parametrize("body", [
    b"not json",
    json.dumps(["a list"]).encode(),
    json.dumps({}).encode(),
    json.dumps({"message": "   "}).encode(),
    json.dumps({"message": 42}).encode(),
    json.dumps({"message": "x" * 5000}).encode(),
    json.dumps({"message": "jacket", "lang": "fr"}).encode(),
    json.dumps({"message": "jacket", "limit": 0}).encode(),
    json.dumps({"message": "jacket", "limit": "3"}).encode(),
    json.dumps({"message": "jacket", "state": ["not", "a", "dict"]}).encode(),
    json.dumps({"message": "jacket", "hints": {"colour": "blue"}}).encode(),
    json.dumps({"message": "jacket", "profile": {"sizes": "M"}}).encode(),
    json.dumps({"message": "jacket", "profile": {"budget_max": "cheap"}}).encode(),
    json.dumps({"message": "jacket", "mode": "trending"}).encode(),
    json.dumps({"message": "similar", "mode": "similar"}).encode(),
    json.dumps({"message": "similar", "mode": "similar", "product_id": "TP-NOPE-999"}).encode(),
])
def test_recommend_endpoint_rejects_bad_input(demo, body):
    status, reply = call_endpoint(demo, body)
    assert status == 400 and reply["error"], reply


def test_recommend_endpoint_contract(demo):
    status, reply = call_endpoint(demo, json.dumps({
        "message": "warm jacket, not black", "lang": "en", "state": None, "hints": {"size": "L"},
        "profile": {"brands": ["Hollowpine"], "budget_max": 300}, "limit": 2}).encode())
    assert status == 200 and set(reply) >= {"items", "state", "relaxed", "empty_because", "anchor"}
    assert len(reply["items"]) <= 2 and reply["state"]["size"] == "L" and reply["anchor"] is None
    assert set(reply["items"][0]) >= {"id", "name", "price", "currency", "url", "image", "reason", "in_stock"}


def call_endpoint(demo, body: bytes) -> tuple[int, dict]:
    from knowledge.server import init

    async def go():
        app = init(index_dir=demo["index"].path, model=FakeListChatModel(responses=["unused"]), warm_up=False)
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/recommend", data=body, headers={"Content-Type": "application/json"})
            return response.status, await response.json()

    return asyncio.run(go())


@pytest.mark.parametrize("message, thing", [("do you sell standing desks?", "standing desks"),
                                            ("noise cancelling headphones", "noise cancelling headphones"),
                                            ("有没有婴儿推车", "婴儿推车")])
def test_a_request_for_goods_we_do_not_sell_says_so(demo, message, thing):
    out = demo["recommender"].recommend(message)
    assert out["not_carried"] == thing
    assert out["items"], "the closest things we do carry are still offered"


@pytest.mark.parametrize("message", ["a rain jacket for hiking", "tent for two", "冲锋衣", "头灯", "something warm"])
def test_requests_for_what_we_sell_are_not_declined(demo, message):
    assert demo["recommender"].recommend(message)["not_carried"] is None


def test_follow_ups_and_named_categories_are_never_declined(demo):
    first = demo["recommender"].recommend("do you sell standing desks?")
    again = demo["recommender"].recommend("cheaper", state=first["state"])
    assert again["not_carried"] is None
    assert demo["recommender"].recommend("a jacket in purple velvet")["not_carried"] is None  # a category we sell


# --- money in the shopper's terms, honest refinement ------------------------------------------------------------


def test_a_budget_in_yuan_is_converted_and_said(demo):
    res = demo["recommender"].recommend("推荐一个背包，1000元以内")  # 1000 × 0.138 = $138
    assert res["state"]["max_price"] == 138.0 and res["items"]
    assert all(demo["products"][i["id"]]["price"] <= 138 for i in res["items"])
    assert res["converted"] == {"said": "1000元", "currency": "CNY", "amounts": [1000.0], "converted": [138.0],
                                "store_currency": "USD", "text": "138 美元", "rates_set_on": "2026-11-30"}
    assert "138 美元" in res["items"][0]["reason"]
    assert demo["recommender"].recommend("a backpack under $138")["converted"] is None  # nothing to convert


def test_an_unknown_currency_is_never_guessed(demo):
    res = demo["recommender"].recommend("a jacket under 5000 yen")
    assert res["items"] == [] and "max_price" not in res["state"] and res["state"]["category"] == "jackets"
    assert res["unknown_currency"] == {"said": "5000 yen", "named": "JPY", "listed": ["USD", "CNY", "EUR", "GBP"]}
    again = demo["recommender"].recommend("500 RMB", state=res["state"])  # the answer refines the same request
    assert again["state"]["category"] == "jackets" and again["state"]["max_price"] == 69.0
    hinted = demo["recommender"].recommend("a jacket", hints={"price": "5000 yen"})
    assert "max_price" not in hinted["state"]  # the NLU's price entity is read the same way


def test_follow_ups_keep_stated_needs_and_name_what_empties_the_list(demo):
    rec = demo["recommender"]
    first = rec.recommend("waterproof jacket in size M")
    assert first["items"] and all(demo["products"][i["id"]]["attributes"]["waterproof"] for i in first["items"])
    cheaper = rec.recommend("anything cheaper?", state=first["state"])
    # no waterproof adult jacket in M costs less than what was shown: nothing is dropped silently
    assert cheaper["items"] == [] and cheaper["relaxed"] == []
    assert "need:waterproof" in cheaper["blocked_by"] and "cheaper" in cheaper["blocked_by"]
    assert cheaper["message"].startswith("Nothing waterproof") and "cheaper than $" in cheaper["message"]
    offered = {o["drop"]: o["title"] for o in cheaper["offers"]}
    assert offered["need:waterproof"] == "Include non-waterproof ones" and offered["cheaper"] == "Any price"
    state = json.loads(json.dumps(cheaper["state"]))
    assert state["needs"] and state["below"]  # every constraint travels on
    dropped = rec.recommend("/product_recommendation", state={**state, "drop": ["need:waterproof"]})
    assert dropped["items"] and "waterproof" not in dropped["state"]["needs"]
    for item in dropped["items"]:
        p = demo["products"][item["id"]]
        assert p["category"] == "jackets" and p["price"] < state["below"] and available(p, size="M")


def test_a_chinese_empty_list_names_the_constraint_in_chinese(demo):
    rec = demo["recommender"]
    first = rec.recommend("防水外套，M码")
    cheaper = rec.recommend("便宜点", state=first["state"])
    assert cheaper["items"] == [] and "防水" in cheaper["message"] and "便宜" in cheaper["message"]
    assert {"drop": "need:waterproof", "title": "也看非防水款"} in cheaper["offers"]


def test_an_empty_list_with_one_way_out_offers_only_that(demo):
    res = demo["recommender"].recommend("kids jacket in XXL under $20")
    assert res["blocked_by"] == [] and res["offers"] == []  # no single constraint would help: say why, offer nothing


def test_unknown_drops_are_ignored(demo):
    first = demo["recommender"].recommend("a jacket in size M")
    again = demo["recommender"].recommend("x", state={**first["state"], "drop": ["need:flying", "category"]})
    assert again["state"]["size"] == "M" and again["state"]["category"] == "jackets"
