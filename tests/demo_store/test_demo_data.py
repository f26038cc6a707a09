"""Checks over the Tidepool Outfitters demo store data (data/store/): store facts, catalogue, customers, orders.

Standard library + PyYAML only. Run: .venv/bin/python -m pytest -q tests/demo_store
"""
from __future__ import annotations

import re
from collections import Counter


from tests.demo_store.demo import (BRANDS, CATEGORIES, CJK, COLOURS, LANGS, SIZES, STATUSES,
                                   cents)


# ---------------------------------------------------------------------------------------------- store.yml
def test_store_facts(store):
    assert store["name"] == "Tidepool Outfitters"
    assert store["name_zh"] == "潮汐户外"
    assert store["currency"] == "USD"
    assert store["base_url"] == "https://tidepool.example"
    c = store["contact"]
    assert c["email"] == "support@tidepool.example"
    assert c["contact_page"] == "https://tidepool.example/contact"
    assert re.fullmatch(r"\+1-\d{3}-555-\d{4}", c["phone"])
    assert c["hours"]["en"] and CJK.search(c["hours"]["zh"])
    r = store["returns"]
    assert r["window_days"] == 30
    assert r["final_sale_flag"] == "final_sale"
    assert 0 < r["refund_days"]["min"] < r["refund_days"]["max"]
    s = store["shipping"]
    assert s["free_threshold"] > 0
    ids = [m["id"] for m in s["methods"]]
    assert len(ids) == len(set(ids)) and "standard" in ids
    for m in s["methods"]:
        assert m["name"] and CJK.search(m["name_zh"])
        assert m["price"] > 0 and 1 <= m["business_days"]["min"] <= m["business_days"]["max"]
        assert set(m["carriers"]) <= set(s["carriers"])
    std = next(m for m in s["methods"] if m["id"] == s["free_method"])
    assert std["free_over"] == s["free_threshold"]
    assert store["payment"]["instalments"] is False
    assert {"alipay", "wechat_pay", "visa", "paypal"} <= {m["id"] for m in store["payment"]["methods"]}
    assert set(store["membership"]["tiers"]) == {"none", "silver", "gold"}


# ---------------------------------------------------------------------------------------------- catalogue
def test_catalog_counts(catalog):
    assert len(catalog) >= 150
    per_cat = Counter(p["category"] for p in catalog)
    assert set(per_cat) == set(CATEGORIES), per_cat
    assert min(per_cat.values()) >= 8, per_cat
    assert {p["brand"] for p in catalog} == BRANDS


def test_catalog_ids_and_urls(catalog):
    ids = [p["id"] for p in catalog]
    assert len(ids) == len(set(ids))
    slugs = set()
    for p in catalog:
        m = re.fullmatch(r"TP-([A-Z]{3})-(\d{3})", p["id"])
        assert m, p["id"]
        assert m.group(1) == CATEGORIES[p["category"]], p["id"]
        um = re.fullmatch(r"https://tidepool\.example/products/([a-z0-9]+(?:-[a-z0-9]+)*)", p["url"])
        assert um, p["url"]
        slug = um.group(1)
        assert p["image"] == f"https://tidepool.example/img/{slug}.jpg"
        assert slug not in slugs
        slugs.add(slug)


def test_catalog_fields(catalog):
    for p in catalog:
        pid = p["id"]
        assert p["name"].strip() and p["description"].strip(), pid
        assert p["brand"] in BRANDS, pid
        assert p["currency"] == "USD", pid
        assert isinstance(p["price"], (int, float)) and 5 <= p["price"] <= 700, pid
        assert 1 <= p["rating"] <= 5, pid
        assert isinstance(p["popularity"], int) and p["popularity"] >= 0, pid
        sentences = len(re.findall(r"[.!?](?:\s|$)", p["description"]))
        assert 2 <= sentences <= 4, (pid, sentences)
        a = p["attributes"]
        assert a["colors"] and set(a["colors"]) <= COLOURS, pid
        assert a["sizes"] and set(a["sizes"]) <= SIZES, pid
        assert isinstance(a["material"], str) and a["material"], pid
        assert isinstance(a["weight_g"], int) and a["weight_g"] > 0, pid
        if p["category"] in ("backpacks",):
            assert a["capacity_l"] > 0, pid
        if p["category"] == "lighting":
            assert a["lumens"] > 0, pid
        if p["category"] == "tents":
            assert a["persons"] >= 1, pid
        if p["category"] == "sleeping" and p["name"].endswith("Sleeping Bag"):
            assert isinstance(a["temp_rating_c"], int), pid
        if p["category"] == "footwear" and a["sizes"] != ["S", "M", "L", "XL"]:
            assert all(s.isdigit() for s in a["sizes"]), pid


def test_catalog_price_range(catalog):
    prices = [p["price"] for p in catalog]
    assert min(prices) <= 10 and max(prices) >= 600


def test_catalog_chinese(catalog):
    with_zh = [p for p in catalog if p.get("name_zh")]
    assert len(with_zh) / len(catalog) >= 0.6
    for p in catalog:
        assert bool(p.get("name_zh")) == bool(p.get("description_zh")), p["id"]
        if p.get("name_zh"):
            assert CJK.search(p["name_zh"]) and CJK.search(p["description_zh"]), p["id"]


def test_catalog_variants(catalog):
    fully_out = 0
    some_zero = 0
    for p in catalog:
        a = p["attributes"]
        pairs = [(v["color"], v["size"]) for v in p["variants"]]
        assert len(pairs) == len(set(pairs)), p["id"]
        assert set(pairs) == {(c, s) for c in a["colors"] for s in a["sizes"]}, p["id"]
        for v in p["variants"]:
            assert isinstance(v["stock"], int) and v["stock"] >= 0, p["id"]
        if all(v["stock"] == 0 for v in p["variants"]):
            fully_out += 1
        elif any(v["stock"] == 0 for v in p["variants"]):
            some_zero += 1
    assert 3 <= fully_out <= 15
    assert some_zero >= 20


def test_catalog_final_sale(catalog):
    final = [p for p in catalog if p["attributes"].get("final_sale")]
    assert 3 <= len(final) <= 12
    for p in final:
        assert p["attributes"]["final_sale"] is True
        assert "final sale" in p["description"].lower(), p["id"]


# ---------------------------------------------------------------------------------------------- customers
def test_customers(customers):
    assert len(customers) >= 25
    ids = [c["id"] for c in customers]
    emails = [c["email"] for c in customers]
    assert len(set(ids)) == len(ids) and len(set(emails)) == len(emails)
    for c in customers:
        assert re.fullmatch(r"C\d{3}", c["id"])
        assert re.fullmatch(r"[a-z0-9._]+@example\.(com|cn)", c["email"]), c["email"]
        assert c["phone"].startswith("+")
        assert c["language"] in LANGS
        assert c["membership_tier"] in ("none", "silver", "gold")
        assert set(c["address"]) == {"line1", "city", "region", "postal_code", "country"}
        if c["address"]["country"] == "CN":
            assert c["language"] == "zh" and CJK.search(c["address"]["city"])
    langs = Counter(c["language"] for c in customers)
    tiers = Counter(c["membership_tier"] for c in customers)
    assert langs["zh"] >= 5 and langs["en"] >= 5
    assert all(tiers[t] >= 3 for t in ("none", "silver", "gold"))


# ---------------------------------------------------------------------------------------------- orders
def test_order_counts_and_ids(orders):
    assert len(orders) >= 60
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"TP\d{5}", i) for i in ids)
    assert ids[0] == "TP10001"
    per_status = Counter(o["status"] for o in orders)
    assert set(per_status) == set(STATUSES)
    assert all(n >= 6 for n in per_status.values()), per_status


def test_order_customers(orders, customers):
    by_id = {c["id"]: c for c in customers}
    for o in orders:
        c = by_id[o["customer_id"]]
        assert o["email"] == c["email"], o["id"]
        assert o["shipping_address"] == c["address"], o["id"]


def test_order_items_reference_catalog(orders, products):
    for o in orders:
        assert o["items"], o["id"]
        for it in o["items"]:
            p = products[it["product_id"]]
            assert it["name"] == p["name"], o["id"]
            assert any(v["color"] == it["color"] and v["size"] == it["size"] for v in p["variants"]), \
                (o["id"], it)
            assert it["unit_price"] == p["price"], o["id"]
            assert isinstance(it["quantity"], int) and it["quantity"] >= 1, o["id"]


def test_order_money(orders, store):
    methods = {m["id"]: m for m in store["shipping"]["methods"]}
    for o in orders:
        subtotal = sum(cents(it["unit_price"]) * it["quantity"] for it in o["items"])
        m = methods[o["shipping_method"]]
        free = "free_over" in m and subtotal >= cents(m["free_over"])
        assert cents(o["shipping_cost"]) == (0 if free else cents(m["price"])), o["id"]
        assert cents(o["subtotal"]) == subtotal, o["id"]
        assert cents(o["total"]) == subtotal + cents(o["shipping_cost"]), o["id"]
        assert round(o["total"], 2) == o["total"]
        assert o["payment_method"] in {pm["id"] for pm in store["payment"]["methods"]}, o["id"]


def test_order_shipping_rules(orders, store, products):
    methods = {m["id"]: m for m in store["shipping"]["methods"]}
    for o in orders:
        country = o["shipping_address"]["country"]
        m = methods[o["shipping_method"]]
        assert (o["shipping_method"] == "international") == (country != "US"), o["id"]
        if o["carrier"] is not None:
            assert o["carrier"] in m["carriers"], o["id"]
        if any(products[it["product_id"]]["attributes"].get("hazmat") for it in o["items"]):
            assert o["shipping_method"] == "standard", o["id"]


def test_order_dates_consistent_with_status(orders, store):
    window = store["returns"]["window_days"]
    timeout_days = store["orders"]["pending_payment_timeout_hours"] // 24
    for o in orders:
        st, oid = o["status"], o["id"]
        placed, shipped, delivered = o["placed_days_ago"], o["shipped_days_ago"], o["delivered_days_ago"]
        returned = o.get("returned_days_ago")
        assert isinstance(placed, int) and placed >= 0, oid
        shipped_states = ("shipped", "delivered", "returned")
        if st in shipped_states:
            assert isinstance(shipped, int) and 0 <= shipped <= placed, oid
            assert o["carrier"] and o["tracking_number"], oid
        else:
            assert shipped is None and o["carrier"] is None and o["tracking_number"] is None, oid
        if st in ("delivered", "returned"):
            assert isinstance(delivered, int) and 0 <= delivered <= shipped, oid
        else:
            assert delivered is None, oid
        if st == "shipped":
            assert isinstance(o["eta_days"], int) and o["eta_days"] >= 0, oid
        else:
            assert o["eta_days"] is None, oid
        if st == "returned":
            assert isinstance(returned, int) and 0 <= returned <= delivered, oid
            assert delivered - returned <= window, oid
        else:
            assert returned is None, oid
        if st == "pending":
            assert placed < max(timeout_days, 1), oid


def test_tracking_formats(orders):
    patterns = {"UPS": r"1Z[0-9A-Z]{16}", "USPS": r"9400\d{18}", "FedEx": r"\d{12}", "DHL": r"\d{10}"}
    numbers = [o["tracking_number"] for o in orders if o["tracking_number"]]
    assert len(numbers) == len(set(numbers))
    for o in orders:
        if o["tracking_number"]:
            assert re.fullmatch(patterns[o["carrier"]], o["tracking_number"]), o["id"]


def test_returned_orders_have_no_final_sale(orders, products):
    for o in orders:
        if o["status"] == "returned":
            assert not any(products[it["product_id"]]["attributes"].get("final_sale") for it in o["items"]), o["id"]


def test_order_scenarios(orders, products, customers, store):
    window = store["returns"]["window_days"]
    delivered = [o for o in orders if o["status"] == "delivered"]
    assert any(o["delivered_days_ago"] <= window for o in delivered)
    assert any(o["delivered_days_ago"] > window for o in delivered)
    assert any(o["delivered_days_ago"] == window - 1 for o in delivered)   # last days of the window
    assert any(o["delivered_days_ago"] == window + 1 for o in delivered)   # just missed it

    def final(it):
        return products[it["product_id"]]["attributes"].get("final_sale", False)

    assert any(o["delivered_days_ago"] <= window and any(map(final, o["items"]))
               and not all(map(final, o["items"])) for o in delivered)
    assert sum(len(o["items"]) > 1 for o in orders) >= 10
    assert sum(len(o["items"]) == 1 for o in orders) >= 10
    assert any(it["quantity"] > 1 for o in orders for it in o["items"])
    per_customer = Counter(o["customer_id"] for o in orders)
    assert sum(n >= 2 for n in per_customer.values()) >= 5
    lang = {c["id"]: c["language"] for c in customers}
    cn = [o for o in orders if o["shipping_address"]["country"] == "CN"]
    assert len(cn) >= 8 and all(lang[o["customer_id"]] == "zh" and CJK.search(o["shipping_address"]["city"])
                                for o in cn)
    assert {o["status"] for o in cn} >= {"pending", "shipped", "delivered", "returned"}
    assert {o["payment_method"] for o in cn} >= {"alipay", "wechat_pay"}
