"""Reading and checking everything in data/store/source/: vocabulary, products, customers, orders.

Every problem found is collected and reported together in one SourceError, each line naming the
file and the entry, so an operator can fix a whole batch of edits in one go.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import Problems, check_keys, is_text_list, read_yaml
from .products import Product, read_products
from .vocabulary import Vocabulary, read_vocabulary

CUSTOMER_KEYS = ("id", "name", "email", "phone", "language", "membership_tier", "address")
ADDRESS_KEYS = ("line1", "city", "region", "postal_code", "country")
PINNED_KEYS = ("key", "customer", "status", "placed_days_ago", "shipped_days_ago", "delivered_days_ago",
               "returned_days_ago", "shipping_method", "payment_method", "items")
ITEM_KEYS = ("product", "color", "size", "quantity")
PLAN_KEYS = ("random_orders", "pinned")
RANDOM_KEYS = ("per_status", "payment_mix", "pending_payment")
REGIONS = ("CN", "other")  # payment mixes: customers in China, everyone else


@dataclass(frozen=True)
class OrderPlan:
    """How orders.json is made: the pinned orders plus the mix the random ones are drawn from."""

    per_status: dict[str, int]
    payment_mix: dict[str, dict[str, int]]
    pending_payment: dict[str, list[str]]
    pinned: list[dict]


@dataclass(frozen=True)
class Source:
    """Everything read from data/store/source/, already checked."""

    vocabulary: Vocabulary
    products: list[Product]
    customers: list[dict]
    orders: OrderPlan


def read_customers(path: Path, problems: Problems) -> list[dict]:
    """The customers in `path` as customers.json records (fixed key order); problems go to `problems`."""
    data = read_yaml(path, path.name)
    if not isinstance(data, list):
        problems.add(path.name, "expected a list of customers")
        return []
    customers: list[dict] = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("address"), dict):
            problems.add(f"{path.name} #{n}", "expected a mapping with " + ", ".join(CUSTOMER_KEYS)
                         + "; address a mapping with " + ", ".join(ADDRESS_KEYS))
            continue
        where = f"{path.name} #{n} ({entry.get('id')})"
        address = entry["address"]
        check_keys(entry, CUSTOMER_KEYS, CUSTOMER_KEYS, where, problems)
        check_keys(address, ADDRESS_KEYS, ADDRESS_KEYS, f"{where} address", problems)
        for key, value in [*entry.items(), *address.items()]:
            if key in CUSTOMER_KEYS + ADDRESS_KEYS and key != "address" and not isinstance(value, str):
                problems.add(where, f"{key} must be text (quote it, e.g. '05401'), not {value!r}")
        if any(c["id"] == entry.get("id") for c in customers):
            problems.add(where, "another customer has the same id")
        customers.append({**{k: entry.get(k) for k in CUSTOMER_KEYS if k != "address"},
                          "address": {k: address.get(k) for k in ADDRESS_KEYS}})
    return customers


def _is_weights(value: Any) -> bool:
    return (isinstance(value, dict) and bool(value)
            and all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in value.values()))


def read_order_plan(path: Path, products: list[Product], customers: list[dict], methods: list[str],
                    problems: Problems, rejected: set = frozenset()) -> OrderPlan:
    """The order plan in `path`, checked against the products, customers and shipping `methods`."""
    # items naming a `rejected` product (one already reported as broken) are not reported again
    data = read_yaml(path, path.name)
    if not isinstance(data, dict) or not isinstance(data.get("random_orders"), dict):
        problems.add(path.name, "expected a mapping with random_orders and pinned")
        return OrderPlan({}, {}, {}, [])
    check_keys(data, PLAN_KEYS, PLAN_KEYS, path.name, problems)
    rand = data["random_orders"]
    check_keys(rand, RANDOM_KEYS, RANDOM_KEYS, f"{path.name} random_orders", problems)
    per_status = rand.get("per_status")
    if not _is_weights(per_status):
        problems.add(path.name, "random_orders.per_status must map each status to its number of orders")
        per_status = {}
    for name, ok, what in (("payment_mix", _is_weights, "a mapping of payment method to weight"),
                           ("pending_payment", is_text_list, "a list of payment methods")):
        value = rand.get(name)
        if not (isinstance(value, dict) and tuple(value) == REGIONS and all(map(ok, value.values()))):
            problems.add(path.name, f"random_orders.{name} needs {' and '.join(REGIONS)} (in that order), "
                         f"each {what}")
    pinned = _read_pinned(data.get("pinned"), path.name, per_status, products, customers, methods, problems,
                          rejected)
    return OrderPlan(per_status=dict(per_status), payment_mix=rand.get("payment_mix"),
                     pending_payment=rand.get("pending_payment"), pinned=pinned)


def _read_items(items: Any, where: str, by_name: dict[str, Product], problems: Problems,
                rejected: set) -> list[dict]:
    if not isinstance(items, list) or not items or not all(isinstance(it, dict) for it in items):
        problems.add(where, "items must be a list of {product: ..., color: ..., size: ..., quantity: ...}")
        return []
    for item in items:
        check_keys(item, ITEM_KEYS, ITEM_KEYS, f"{where} item {item.get('product')!r}", problems)
        product = by_name.get(item.get("product"))
        if product is None:
            if item.get("product") not in rejected:
                problems.add(where, f"unknown product {item.get('product')!r}")
        elif item.get("color") not in product.colors or str(item.get("size")) not in product.sizes:
            problems.add(where, f"{product.name} comes in colors {product.colors} and sizes {product.sizes}, "
                         f"not {item.get('color')!r} / {item.get('size')!r}")
        quantity = item.get("quantity")
        if not (isinstance(quantity, int) and not isinstance(quantity, bool) and quantity >= 1):
            problems.add(where, f"quantity must be a whole number of at least 1, not {quantity!r}")
    return [{**item, "size": str(item.get("size"))} for item in items]


def _read_pinned(data: Any, label: str, per_status: dict[str, int], products: list[Product],
                 customers: list[dict], methods: list[str], problems: Problems, rejected: set) -> list[dict]:
    if not isinstance(data, list):
        problems.add(label, "pinned must be a list of orders")
        return []
    by_name = {p.name: p for p in products}
    customer_ids = {c["id"] for c in customers}
    pinned: list[dict] = []
    for n, spec in enumerate(data, 1):
        if not isinstance(spec, dict):
            problems.add(f"{label} pinned #{n}", "expected a mapping with " + ", ".join(PINNED_KEYS))
            continue
        where = f"{label} pinned #{n} ({spec.get('key')})"
        check_keys(spec, PINNED_KEYS, ("key", "customer", "status", "items"), where, problems)
        if any(p["key"] == spec.get("key") for p in pinned):
            problems.add(where, "another pinned order has the same key")
        if spec.get("customer") not in customer_ids:
            problems.add(where, f"unknown customer {spec.get('customer')!r}")
        if spec.get("status") not in per_status:
            problems.add(where, f"unknown status {spec.get('status')!r}; known: {', '.join(per_status)}")
        if "shipping_method" in spec and spec["shipping_method"] not in methods:
            problems.add(where, f"unknown shipping_method {spec['shipping_method']!r}; known: {', '.join(methods)}")
        for key in PINNED_KEYS:
            if key.endswith("_days_ago") and key in spec and not (type(spec[key]) is int and spec[key] >= 0):
                problems.add(where, f"{key} must be a whole number of days, not {spec[key]!r}")
        pinned.append({**spec, "items": _read_items(spec.get("items"), where, by_name, problems, rejected)})
    for status, want in per_status.items():
        have = sum(1 for spec in pinned if spec.get("status") == status)
        if have > want:
            problems.add(label, f"{have} pinned {status} orders but random_orders.per_status allows {want}")
    return pinned


def load_source(source_dir: Path, shipping_methods: list[str]) -> Source:
    """Everything in `source_dir`, checked; raises SourceError listing every problem found."""
    vocabulary = read_vocabulary(source_dir / "vocabulary.yml")
    problems = Problems()
    products, rejected = read_products(source_dir / "products", vocabulary, problems)
    customers = read_customers(source_dir / "customers.yml", problems)
    plan = read_order_plan(source_dir / "orders.yml", products, customers, shipping_methods, problems,
                           rejected)
    problems.raise_if_any()
    return Source(vocabulary=vocabulary, products=products, customers=customers, orders=plan)
