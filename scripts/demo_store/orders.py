"""Building orders.json: the pinned orders from orders.yml plus random ones up to the per-status counts.

The random draws happen in a fixed order, so the same source files always give the same orders.
"""
from __future__ import annotations

import random

from .source import OrderPlan

# Store rules used to price orders; they must match data/store/store.yml (the demo data tests check both).
# method: (price, carriers, calendar transit days min..max)
SHIPPING = {
    "standard": (5.95, ["USPS", "UPS"], (4, 8)),
    "express": (14.95, ["UPS"], (2, 4)),
    "next_day": (29.95, ["FedEx"], (1, 1)),
    "international": (24.95, ["DHL"], (8, 16)),
}
FREE_OVER = {"standard": 75.0, "international": 200.0}
# days since delivery handed to the random delivered orders, shuffled once
DELIVERED_DAYS = [1, 2, 3, 4, 6, 9, 11, 14, 16, 18, 22, 25, 27, 33, 38, 52, 70, 88, 110, 150]


def _cents(x: float) -> int:
    return int(round(x * 100))


def _tracking(rng: random.Random, carrier: str) -> str:
    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6)) + digits(10)
    if carrier == "USPS":
        return "9400" + digits(18)
    if carrier == "FedEx":
        return digits(12)
    return digits(10)  # DHL


def _specs(rng: random.Random, customers: list[dict], plan: OrderPlan) -> list[dict]:
    """The pinned specs, then one random spec per missing order of each status."""
    specs = [dict(s) for s in plan.pinned]
    have = {st: sum(1 for s in specs if s["status"] == st) for st in plan.per_status}
    cust_ids = [c["id"] for c in customers]
    cust_weights = [3 if c["address"]["country"] == "CN" else 2 for c in customers]
    delivered_pool = list(DELIVERED_DAYS)
    rng.shuffle(delivered_pool)
    for status, want in plan.per_status.items():
        for _ in range(want - have[status]):
            spec = {"key": None, "customer": rng.choices(cust_ids, cust_weights)[0], "status": status, "items": None}
            if status == "delivered":
                spec["delivered_days_ago"] = delivered_pool.pop()
            specs.append(spec)
    return specs


def _random_items(rng: random.Random, catalog: list[dict], status: str, domestic: bool) -> list[tuple]:
    n = rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]
    pool = [p for p in catalog
            if not (p["attributes"].get("hazmat") and not domestic)
            and not (status == "returned" and p["attributes"].get("final_sale"))]
    weights = [p["popularity"] ** 0.5 for p in pool]
    items, used = [], set()
    while len(items) < n:
        prod = rng.choices(pool, weights)[0]
        if prod["id"] in used:
            continue
        variants = prod["variants"]
        if status in ("pending", "paid"):
            variants = [v for v in variants if v["stock"] > 0]
            if not variants:
                continue
        used.add(prod["id"])
        v = rng.choice(variants)
        qty = rng.choice([2, 3]) if prod["price"] < 30 and rng.random() < 0.25 else 1
        items.append((prod, v["color"], v["size"], qty))
    return items


def _dates(rng: random.Random, spec: dict, status: str, transit: int) -> tuple:
    """(placed, shipped, delivered, returned, eta) in days ago; pinned values win over the draws.

    The draws for a pinned value are still made (dict.get's default is evaluated first), which keeps
    every later draw where it was.
    """
    placed = shipped = delivered = returned = eta = None
    if status == "pending":
        placed = 0
    elif status == "paid":
        placed = spec.get("placed_days_ago", rng.randint(0, 2))
    elif status == "cancelled":
        placed = spec.get("placed_days_ago", rng.randint(1, 60))
    elif status == "shipped":
        shipped = spec.get("shipped_days_ago", rng.randint(0, max(0, transit - 1)))
        eta = max(transit - shipped, 0)
        placed = shipped + rng.randint(0, 1)
    else:  # delivered / returned
        delivered = spec.get("delivered_days_ago", rng.randint(8, 70))
        if status == "returned":
            returned = spec.get("returned_days_ago", max(0, delivered - rng.randint(5, 28)))
            assert delivered - returned <= 30, spec
        shipped = delivered + transit
        placed = shipped + rng.randint(0, 1)
    return placed, shipped, delivered, returned, eta


def build_orders(rng: random.Random, catalog: list[dict], customers: list[dict], plan: OrderPlan) -> list[dict]:
    """All orders, newest first, numbered TP10001 upwards; pinned ones as written, the rest drawn from `rng`."""
    by_name = {p["name"]: p for p in catalog}
    by_id = {c["id"]: c for c in customers}
    orders = []
    for seq, spec in enumerate(_specs(rng, customers, plan)):
        customer = by_id[spec["customer"]]
        addr = customer["address"]
        country = addr["country"]
        status = spec["status"]
        domestic = country == "US"
        if spec["items"]:
            items = [(by_name[it["product"]], it["color"], it["size"], it["quantity"]) for it in spec["items"]]
        else:
            items = _random_items(rng, catalog, status, domestic)
        has_hazmat = any(p["attributes"].get("hazmat") for p, *_ in items)
        # ---- shipping
        method = spec.get("shipping_method")
        if method is None:
            if not domestic:
                method = "international"
            elif has_hazmat:
                method = "standard"
            else:
                options = ["standard", "express"] + ([] if addr["region"] in ("AK", "HI") else ["next_day"])
                method = rng.choices(options, [65, 25, 10][:len(options)])[0]
        price, carriers, (tmin, tmax) = SHIPPING[method]
        subtotal_c = sum(_cents(p["price"]) * q for p, _, _, q in items)
        ship_c = 0 if method in FREE_OVER and subtotal_c >= _cents(FREE_OVER[method]) else _cents(price)
        # ---- dates (days ago, 0 = today)
        transit = rng.randint(tmin, tmax)
        placed, shipped, delivered, returned, eta = _dates(rng, spec, status, transit)
        carrier = tracking = None
        if shipped is not None:
            carrier = rng.choice(carriers)
            tracking = _tracking(rng, carrier)
        # ---- payment
        region = "CN" if country == "CN" else "other"
        payment = spec.get("payment_method")
        if payment is None:
            if status == "pending":
                payment = rng.choice(plan.pending_payment[region])
            else:
                mix = plan.payment_mix[region]
                payment = rng.choices(list(mix), list(mix.values()))[0]
        orders.append({
            "_sort": (-placed, seq),
            "customer_id": customer["id"], "email": customer["email"], "status": status,
            "placed_days_ago": placed, "shipped_days_ago": shipped, "delivered_days_ago": delivered,
            "returned_days_ago": returned,
            "carrier": carrier, "tracking_number": tracking, "eta_days": eta,
            "shipping_method": method, "shipping_address": dict(addr),
            "items": [{"product_id": p["id"], "name": p["name"], "color": c, "size": s, "quantity": q,
                       "unit_price": p["price"]} for p, c, s, q in items],
            "subtotal": subtotal_c / 100, "shipping_cost": ship_c / 100,
            "total": (subtotal_c + ship_c) / 100, "currency": "USD", "payment_method": payment,
        })
    orders.sort(key=lambda o: o.pop("_sort"))
    return [{"id": f"TP{10001 + i}", **o} for i, o in enumerate(orders)]


def pinned_ids(orders: list[dict], plan: OrderPlan) -> dict[str, str]:
    """Map of each pinned order's key to the order id it received (printed for the docs)."""
    res = {}
    for spec in plan.pinned:
        wanted = [(it["product"], it["color"], it["size"], it["quantity"]) for it in spec["items"]]
        for o in orders:
            names = [(it["name"], it["color"], it["size"], it["quantity"]) for it in o["items"]]
            if o["customer_id"] == spec["customer"] and o["status"] == spec["status"] and names == wanted:
                res[spec["key"]] = o["id"]
    return res
