"""Which products may be suggested. Every constraint the shopper stated (and "not a kids' product" unless they
asked for kids) is kept: when together they leave nothing, the ones whose removal alone would bring products back
are named, so the reply can offer to set one aside and the shopper chooses. Only the saved profile, which the
shopper did not state this time, is set aside on its own (and said so).

Constraint names: category, brand, audience, in_stock, color, exclude_color, size, max_price, min_price, cheaper,
shown, need:<attribute>, persons, adults."""
from __future__ import annotations

from typing import Callable, Iterable

from .catalog import Catalog, Product, norm_size, truthy
from .vocabulary import COMPLEMENTS

Check = tuple[str, Callable[[Product], bool]]
# Never offered for dropping: the kind of thing asked for, stock, and "not shown before" ("that's everything").
KEPT = {"category", "in_stock", "shown"}


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


def stated_needs(st: dict, cat: Catalog) -> list[Check]:
    """Each yes/no need ("waterproof") fails only where the product's category states it and the product says no;
    "for 2 people" only where the product states how many it fits; kids' products only when kids were asked for
    (or the shopper chose to see them)."""
    checks: list[Check] = [
        (f"need:{n}", lambda p, n=n: p.category not in cat.attr_categories[n] or truthy(p.attrs.get(n)))
        for n in st.get("needs", []) if n in cat.bool_attrs]
    if st.get("persons"):
        checks.append(("persons", lambda p: not isinstance(p.attrs.get("persons"), (int, float))
                       or p.attrs["persons"] >= st["persons"]))
    if not st.get("audience") and "adults" not in st.get("set_aside", []):
        checks.append(("adults", lambda p: p.audience != "kids"))
    return checks


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
    """The constraints of this request. Around an anchor product, `similar` keeps to its category; otherwise
    (complements) other categories are wanted and the request's category, colour and size do not carry over."""
    checks = hard_filters(st) + stated_needs(st, cat)
    if anchor is None:
        return checks
    if st["mode"] == "similar":
        checks[0] = ("category", lambda p: p.category == anchor.category)
        return checks
    wanted = [c for c in COMPLEMENTS.get(anchor.category, []) if c in cat.categories] or \
        [c for c in cat.categories if c != anchor.category]
    rest = {k: v for k, v in st.items() if k not in ("category", "color", "size")}
    return [("category", lambda p: p.category in wanted)] + hard_filters(rest)[1:] + stated_needs(rest, cat)


def apply_hard(candidates: Iterable[Product], checks: list[Check]) -> tuple[list[Product], str | None]:
    """The candidates that pass every check, and the name of the check that left none (None while some pass)."""
    passing = list(candidates)
    for name, check in checks:
        passing = [p for p in passing if check(p)]
        if not passing:
            return passing, name
    return passing, None


def blockers(candidates: Iterable[Product], checks: list[Check]) -> list[str]:
    """When nothing passes every check: the constraints the shopper could drop, each of which alone left nothing
    (every other check together still lets some product through), in the order of `checks`."""
    pool = list(candidates)
    out = []
    for name, _ in checks:
        if name not in KEPT and any(all(check(p) for other, check in checks if other != name) for p in pool):
            out.append(name)
    return out


def apply_profile(passing: list[Product], st: dict, profile: dict) -> tuple[list[Product], list[str]]:
    """The saved profile narrows the list; if it would leave nothing it is set aside (and reported in `relaxed`)."""
    pool = [p for p in passing if profile_ok(p, st, profile)]
    return (pool, []) if pool or not passing else (passing, ["profile"])
