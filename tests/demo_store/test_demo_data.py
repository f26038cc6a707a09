"""Checks over the Tidepool Outfitters demo store data (data/store/) and its builder (scripts/demo_store).

Standard library + PyYAML only. Run: .venv/bin/python -m pytest -q tests/demo_store
"""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from scripts.demo_store import FILES, SourceError, generate
from scripts.demo_store.__main__ import main as build_main
from scripts.demo_store.orders import FREE_OVER, SHIPPING

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "data" / "store"
SOURCE = STORE / "source"
POLICY_NAMES = ["shipping", "returns", "payment", "warranty", "membership", "privacy"]
LANGS = ["en", "zh"]

VOCABULARY = yaml.safe_load((SOURCE / "vocabulary.yml").read_text(encoding="utf-8"))
CATEGORIES = VOCABULARY["categories"]
COLOURS = set(VOCABULARY["colors"])
SIZES = (set(VOCABULARY["apparel_sizes"]) | {"one size"}
         | {str(n) for n in range(VOCABULARY["shoe_sizes"]["min"], VOCABULARY["shoe_sizes"]["max"] + 1)})
BRANDS = set(VOCABULARY["brands"])
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def store():
    return yaml.safe_load((STORE / "store.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    lines = (STORE / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def products(catalog):
    return {p["id"]: p for p in catalog}


@pytest.fixture(scope="module")
def customers():
    return json.loads((STORE / "customers.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def orders():
    return json.loads((STORE / "orders.json").read_text(encoding="utf-8"))


def policy(lang: str, name: str) -> str:
    return (STORE / "policies" / lang / f"{name}.md").read_text(encoding="utf-8")


def money(x: float) -> str:
    """75 -> '75', 5.95 -> '5.95'."""
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}"


def cents(x: float) -> int:
    return int(round(x * 100))


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


# ---------------------------------------------------------------------------------------------- policies
def test_policy_files_exist():
    for lang in LANGS:
        for name in POLICY_NAMES + ["faq"]:
            text = policy(lang, name)
            assert text.startswith("# "), (lang, name)
            assert "|---" in text or name == "faq" or "| ---" in text, (lang, name)
            if lang == "zh":
                assert len(CJK.findall(text)) > 300, name


def test_policy_lengths():
    for name in POLICY_NAMES:
        words = len(policy("en", name).split())
        assert 400 <= words <= 1200, (name, words)


def test_faq_count():
    for lang in LANGS:
        questions = [ln for ln in policy(lang, "faq").splitlines()
                     if ln.startswith("### ") and ln.rstrip().endswith(("?", "？"))]
        assert len(questions) >= 15, lang


def test_return_policy_numbers(store):
    r = store["returns"]
    en, zh = policy("en", "returns"), policy("zh", "returns")
    assert f"{r['window_days']} days from the day your order is delivered" in en
    assert f"{r['window_days']} 天" in zh and "签收" in zh
    lo, hi = r["refund_days"]["min"], r["refund_days"]["max"]
    assert f"{lo}–{hi} business days" in en
    assert f"{lo}–{hi} 个工作日" in zh
    # the return pages and the FAQ mention no other return window
    for lang in LANGS:
        for name in ["returns", "faq"]:
            text = policy(lang, name)
            other = re.findall(r"(\d+) days? (?:from|of|after) (?:the day your order is )?deliver|签收(?:之日起|后) ?(\d+) 天内", text)
            other = [int(a or b) for a, b in other]
            assert other, (lang, name)
            assert all(n == r["window_days"] for n in other), (lang, name, other)


def test_shipping_policy_numbers(store):
    s = store["shipping"]
    en, zh = policy("en", "shipping"), policy("zh", "shipping")
    thr = money(s["free_threshold"])
    assert f"${thr}" in en and f"{thr} 美元" in zh
    for m in s["methods"]:
        price = money(m["price"])
        assert f"${price}" in en and f"{price} 美元" in zh, m["id"]
        assert m["name"] in en and m["name_zh"] in zh, m["id"]
        bd = m["business_days"]
        days_en = f"{bd['min']}–{bd['max']} business days" if bd["min"] != bd["max"] else f"{bd['min']} business day"
        days_zh = f"{bd['min']}–{bd['max']} 个工作日" if bd["min"] != bd["max"] else f"{bd['min']} 个工作日"
        assert days_en in en and days_zh in zh, m["id"]
        if "free_over" in m:
            assert f"${money(m['free_over'])}" in en and f"{money(m['free_over'])} 美元免运费" in zh
    assert "1:00 pm" in en and "13:00" in zh
    hours = store["orders"]["pending_payment_timeout_hours"]
    assert f"{hours} hours" in en and f"{hours} 小时" in zh
    # the FAQ quotes the same prices
    for lang, fmt in (("en", "${}"), ("zh", "{} 美元")):
        faq = policy(lang, "faq")
        assert fmt.format(thr) in faq
        for m in s["methods"]:
            assert fmt.format(money(m["price"])) in faq, (lang, m["id"])


def test_payment_policy(store):
    en, zh = policy("en", "payment"), policy("zh", "payment")
    for m in store["payment"]["methods"]:
        assert m["name"].split()[0] in en, m["id"]
        assert m["name_zh"].split()[0] in zh, m["id"]
    assert store["payment"]["instalments"] is False
    assert "don't offer instalment" in en and "花呗分期" in en
    assert "不提供任何形式的分期付款" in zh and "花呗分期" in zh
    for amount in store["payment"]["gift_cards"]["amounts"]:
        assert f"${amount}" in en and str(amount) in zh
    days = store["promotions"]["price_adjustment_days"]
    assert f"{days} days" in en and f"{days} 天" in zh


def test_warranty_and_membership_numbers(store):
    w = store["warranty"]
    for lang, unit in (("en", " year"), ("zh", " 年")):
        text = policy(lang, "warranty")
        assert f"{w['house_brand_years']}{unit}" in text
        assert f"{w['other_brands_years']}{unit}" in text
    assert f"${w['paid_repairs_from']}" in policy("en", "warranty")
    m = store["membership"]
    gold = m["tiers"]["gold"]
    en, zh = policy("en", "membership"), policy("zh", "membership")
    assert f"${gold['qualify_spend_usd']}" in en and f"{gold['qualify_spend_usd']} 美元" in zh
    assert f"{m['points_value']['points']} points = ${m['points_value']['usd']}" in en
    assert f"{m['points_value']['points']} 积分 = {m['points_value']['usd']} 美元" in zh
    assert f"{m['points_expire_months']} months" in en and f"{m['points_expire_months']} 个月" in zh
    days = store["privacy"]["chat_log_retention_days"]
    assert f"{days} days" in policy("en", "privacy") and f"{days} 天" in policy("zh", "privacy")


def test_contact_details_in_policies(store):
    c = store["contact"]
    for lang in LANGS:
        for name in ["shipping", "returns", "payment", "warranty", "membership", "faq"]:
            text = policy(lang, name)
            assert c["email"] in text, (lang, name)
            assert c["phone_display"] in text, (lang, name)


# ---------------------------------------------------------------------------------------------- generator
def test_generated_files_match_source():
    """data/store/{catalog.jsonl,customers.json,orders.json} are exactly what scripts/demo_store builds."""
    files = generate(SOURCE).files()
    assert list(files) == list(FILES)
    for name, text in files.items():
        assert (STORE / name).read_text(encoding="utf-8") == text, name


def test_command_line_writes_identical_files(tmp_path, capsys):
    assert build_main(["--out", str(tmp_path)]) == 0
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (STORE / name).read_bytes(), name
    assert f"{len(generate(SOURCE).catalog)} products" in capsys.readouterr().out


def test_builder_shipping_rules_match_store(store):
    """The prices, carriers and free-shipping thresholds the builder uses are the ones in store.yml."""
    methods = {m["id"]: m for m in store["shipping"]["methods"]}
    assert set(SHIPPING) == set(methods)
    for method, (price, carriers, _transit) in SHIPPING.items():
        m = methods[method]
        assert price == m["price"] and set(carriers) == set(m["carriers"]), method
        assert FREE_OVER.get(method) == m.get("free_over"), method


def test_source_products_files_match_vocabulary():
    files = {p.stem for p in (SOURCE / "products").glob("*.yml")}
    assert files == set(CATEGORIES)


# ---------------------------------------------------------------------------------------------- source checks
@pytest.fixture
def source_copy(tmp_path):
    """A scratch copy of data/store/source/ the test may break."""
    copy = tmp_path / "source"
    shutil.copytree(SOURCE, copy)
    return copy


def _edit_first_jacket(source: Path, **changes) -> str:
    path = source / "products" / "jackets.yml"
    products = yaml.safe_load(path.read_text(encoding="utf-8"))
    products[0].update(changes)
    path.write_text(yaml.safe_dump(products, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return products[0]["name"]


def test_source_rejects_unknown_brand(source_copy):
    name = _edit_first_jacket(source_copy, brand="Tidalwave")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert f"products/jackets.yml #1 ({name}): unknown brand 'Tidalwave'" in message
    assert "known brands: " + ", ".join(VOCABULARY["brands"]) in message


def test_source_rejects_unknown_colour(source_copy):
    name = _edit_first_jacket(source_copy, colors=["navy", "teal"])
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert f"products/jackets.yml #1 ({name}): unknown color(s) ['teal']" in message
    assert "known colors: " + ", ".join(VOCABULARY["colors"]) in message


def test_source_rejects_unknown_category(source_copy):
    shutil.copy(source_copy / "products" / "jackets.yml", source_copy / "products" / "skis.yml")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    message = str(err.value)
    assert "products/skis.yml: unknown category 'skis'" in message
    assert "known categories: " + ", ".join(CATEGORIES) in message


def test_source_lists_every_problem(source_copy):
    """Several mistakes are reported together, one line each, and nothing else is reported."""
    _edit_first_jacket(source_copy, brand="Tidalwave", colors=["teal"], sizes="XS-XXXL", price="cheap")
    with pytest.raises(SourceError) as err:
        generate(source_copy)
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 4, lines
    assert all(line.strip().startswith("products/jackets.yml #1 ") for line in lines)
    for word in ("Tidalwave", "teal", "XS-XXXL", "price"):
        assert any(word in line for line in lines), word


def test_source_rejects_pinned_order_for_missing_variant(source_copy):
    path = source_copy / "orders.yml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    plan["pinned"][0]["items"][0]["color"] = "purple"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"orders.yml pinned #1 \(final_sale_mix\): Recovery Slide comes in colors"):
        generate(source_copy)


def test_source_rejects_unquoted_postal_code(source_copy):
    path = source_copy / "customers.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("postal_code: '05401'", "postal_code: 05401"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"customers.yml #8 \(C008\): postal_code must be text"):
        generate(source_copy)
