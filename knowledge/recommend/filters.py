"""Which products may be suggested: hard filters (never relaxed; the first that empties the list is reported) and
soft ones (the saved profile, stated needs, "not a kids' product"), relaxed as little as needed."""
from __future__ import annotations

from itertools import combinations
from typing import Callable, Iterable

from .catalog import Catalog, Product, norm_size, truthy
from .vocabulary import COMPLEMENTS

Check = tuple[str, Callable[[Product], bool]]


def hard_filters(st: dict) -> list[Check]:
    """Every stated constraint, in the order used to tell which one emptied the list."""
    color, size, excluded, audience = st.get("color"), st.get("size"), st.get("exclude_colors", []), st.get("audience")
    return [
        ("category", lambda p: not st.get("category") or p.category == st["category"]),
        ("brand", lambda p: not st.get("brand") or p.brand.lower() == st["brand"].lower()),
        ("audience", lambda p: not audience or (p.audience == "kids") == (audience == "kids")
         and p.audience in ("", audience)),
        ("in_stock", lambda p: p.variant() is not None),
        ("color", lambda p: not color or p.variant(color) is not None),
        ("exclude_color", lambda p: not excluded or p.variant(color, None, excluded) is not None),
        ("size", lambda p: not size or p.variant(color, size, excluded) is not None),
        ("max_price", lambda p: st.get("max_price") is None or p.price is not None and p.price <= st["max_price"]),
        ("min_price", lambda p: st.get("min_price") is None or p.price is not None and p.price >= st["min_price"]),
        ("cheaper", lambda p: st.get("below") is None or p.price is not None and p.price < st["below"]),
        ("shown", lambda p: p.id not in st.get("exclude_ids", [])),
    ]


def needs_ok(p: Product, st: dict, cat: Catalog) -> bool:
    """A yes/no need ("waterproof") fails only where the product's category states it and the product says no;
    "for 2 people" only where the product states how many it fits."""
    persons = p.attrs.get("persons")
    if st.get("persons") and isinstance(persons, (int, float)) and persons < st["persons"]:
        return False
    return all(p.category not in cat.attr_categories[n] or truthy(p.attrs.get(n))
               for n in st.get("needs", []) if n in cat.bool_attrs)


def profile_ok(p: Product, st: dict, profile: dict) -> bool:
    """Saved preferences narrow the list where the shopper did not say otherwise this time."""
    if st.get("max_price") is None and isinstance(profile.get("budget_max"), (int, float)):
        if p.price is None or p.price > profile["budget_max"]:
            return False
    sized = [s for s in p.sizes if s != "ONE SIZE"]
    mine = [norm_size(s) for s in profile.get("sizes", []) if norm_size(s).isdigit() == any(x.isdigit() for x in sized)]
    if not st.get("size") and sized and mine:  # shoe sizes for shoes, letter sizes for clothes
        return any(p.variant(st.get("color"), s, st.get("exclude_colors", [])) for s in mine)
    return True


def request_filters(st: dict, anchor: Product | None, cat: Catalog) -> list[Check]:
    """The hard filters for this request. Around an anchor product, `similar` keeps to its category; otherwise
    (complements) other categories are wanted and the request's category, colour and size do not carry over."""
    checks = hard_filters(st)
    if anchor is None:
        return checks
    if st["mode"] == "similar":
        checks[0] = ("category", lambda p: p.category == anchor.category)
        return checks
    wanted = [c for c in COMPLEMENTS.get(anchor.category, []) if c in cat.categories] or \
        [c for c in cat.categories if c != anchor.category]
    return [("category", lambda p: p.category in wanted)] + hard_filters(
        {k: v for k, v in st.items() if k not in ("category", "color", "size")})[1:]


def apply_hard(candidates: Iterable[Product], checks: list[Check]) -> tuple[list[Product], str | None]:
    """The candidates that pass every check, and the name of the check that left none (None while some pass)."""
    passing = list(candidates)
    for name, check in checks:
        passing = [p for p in passing if check(p)]
        if not passing:
            return passing, name
    return passing, None


def apply_soft(passing: list[Product], st: dict, profile: dict, cat: Catalog) -> tuple[list[Product], list[str]]:
    """Soft preferences filter too. If nothing passes, the fewest are dropped (saved profile first, then the
    described needs, then "not a kids' product" when nobody asked for kids); returns the pool and what was dropped."""
    soft = [("profile", lambda p: profile_ok(p, st, profile)), ("needs", lambda p: needs_ok(p, st, cat)),
            ("audience", lambda p: p.audience != "kids" or st.get("audience") == "kids")]
    relaxed: list[str] = []
    pool: list[Product] = []
    for n in range(len(soft) + 1 if passing else 0):
        for dropped in combinations([name for name, _ in soft], n):
            pool = [p for p in passing if all(f(p) for name, f in soft if name not in dropped)]
            if pool:
                relaxed = list(dropped)
                break
        if pool:
            break
    return pool, relaxed
