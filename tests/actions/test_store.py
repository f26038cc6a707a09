"""The SQLite store backend over the demo data: order rules, returns, tickets and product search."""

from datetime import date

import pytest

from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore
from shop.store.backend import ProductQuery, StoreError
from tests.conftest import demo_orders
from scripts.stack import STORE_DIR

TODAY = date.today()


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "store.db"
    counts = load_store(STORE_DIR, db, today=TODAY)
    assert counts["products"] >= 150 and counts["orders"] >= 60
    return SqliteStore(db, STORE_DIR)


def pick(status, where=lambda o: True):
    return next(o for o in demo_orders() if o["status"] == status and where(o))


def test_an_order_opens_only_with_its_own_email(store):
    order = pick("shipped")
    assert store.find_order(order["id"], order["email"].upper()).id == order["id"]
    assert store.find_order(order["id"], "intruder@example.com") is None
    assert store.find_order("TP99999", order["email"]) is None


def test_dates_are_materialised_from_day_offsets(store):
    order = pick("delivered")
    found = store.find_order(order["id"], order["email"])
    assert (TODAY - found.delivered_on).days == order["delivered_days_ago"]
    assert (TODAY - found.placed_on).days == order["placed_days_ago"]


def test_only_open_orders_can_be_cancelled(store):
    paid, shipped = pick("paid"), pick("shipped")
    assert store.cancel_order(paid["id"]).status == "cancelled"
    with pytest.raises(StoreError):
        store.cancel_order(shipped["id"])
    with pytest.raises(StoreError):
        store.cancel_order(paid["id"])  # already cancelled now


def test_quantity_change_recomputes_the_total(store):
    order = pick("pending")
    before = store.find_order(order["id"], order["email"])
    line = before.items[0]
    after = store.change_quantity(order["id"], line.product_id, line.quantity + 1)
    assert after.total_cents == before.total_cents + line.unit_price_cents
    with pytest.raises(StoreError):
        store.change_quantity(order["id"], line.product_id, 0)


def test_address_change_is_refused_after_shipping(store):
    order = pick("shipped")
    with pytest.raises(StoreError):
        store.change_address(order["id"], "1 New Street, Portland, OR 97201")


def test_returns_respect_window_and_final_sale(store):
    window = store.store_info()["returns"]["window_days"]
    recent = pick("delivered", lambda o: o["delivered_days_ago"] <= window - 2)
    old = pick("delivered", lambda o: o["delivered_days_ago"] > window)

    order = store.find_order(recent["id"], recent["email"])
    eligible = order.returnable_items(window, TODAY)
    assert eligible and all(not item.final_sale for item in eligible)
    created = store.create_return(order.id, [eligible[0].product_id], "wrong size")
    assert created.id.startswith("R") and created.items[0].product_id == eligible[0].product_id
    # The same item cannot be returned twice.
    with pytest.raises(StoreError):
        store.create_return(order.id, [eligible[0].product_id], "again")

    old_order = store.find_order(old["id"], old["email"])
    assert old_order.returnable_items(window, TODAY) == []
    with pytest.raises(StoreError):
        store.create_return(old_order.id, [old_order.items[0].product_id], "late")


def test_final_sale_items_are_never_returnable(store):
    window = store.store_info()["returns"]["window_days"]
    for raw in demo_orders():
        order = store.find_order(raw["id"], raw["email"])
        assert not any(item.final_sale for item in order.returnable_items(window, TODAY))


def test_tickets_are_recorded(store):
    complaint = store.create_ticket("complaint", "conv-1", "box was crushed", order_id="TP10001")
    handoff = store.create_ticket("handoff", "conv-1", "agent please")
    assert complaint.startswith("C") and handoff.startswith("H") and complaint != handoff


def test_product_search_applies_every_filter(store):
    results = store.search_products(ProductQuery(category="jackets", max_price_cents=20000, limit=10))
    assert results
    assert all(p.category == "jackets" and p.price_cents <= 20000 and p.in_stock for p in results)
    popularity = [p.popularity for p in results]
    assert popularity == sorted(popularity, reverse=True)

    some = results[0]
    size = some.sizes_in_stock[0]
    sized = store.search_products(ProductQuery(category="jackets", size=size, limit=50))
    assert all(size in p.sizes_in_stock for p in sized)

    assert store.search_products(ProductQuery(category="jackets", max_price_cents=1)) == []


def test_a_profile_is_saved_survives_a_store_reload_and_is_forgotten(store, tmp_path):
    assert store.profile("shopper-1") == {}
    store.save_profile("shopper-1", {"sizes": ["M"], "budget_max": 150})
    store.save_profile("shopper-2", {"colors": ["blue"]})
    load_store(STORE_DIR, store.db_path, today=TODAY)  # the operator reloads the catalogue
    assert store.profile("shopper-1") == {"sizes": ["M"], "budget_max": 150}
    assert store.forget_profile("shopper-1") is True
    assert store.profile("shopper-1") == {} and store.forget_profile("shopper-1") is False
    assert store.profile("shopper-2") == {"colors": ["blue"]}  # only that shopper is forgotten


def test_a_customers_purchases_come_from_their_orders(store):
    order = pick("delivered")
    bought = store.purchases(order["email"].upper())
    assert {i["product_id"] for i in order["items"]} <= {b["product_id"] for b in bought}
    assert all(b["category"] for b in bought)
    assert store.purchases("nobody@example.com") == []


def test_one_product_with_its_stock(store):
    product = store.product("TP-JKT-001")
    assert product.price_cents == 14900 and product.in_stock and "M" in product.sizes_in_stock
    assert store.product("TP-TNT-004").in_stock is False
    assert store.product("NOPE") is None
