"""The catalogue as the recommender sees it: the index's normalised products (products.json) with in-stock
(colour, size) pairs, audience, searchable text and rating, plus the catalogue-wide vocabulary the parser matches."""
from __future__ import annotations

import json
from collections import Counter
import re

from ..config import STORE
from .vocabulary import CATEGORY_WORDS, COLOR_ZH


def split_values(value) -> list[str]:
    """A list, or a "a, b; c" string, as its non-empty values."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in re.split(r"[,;/|]", str(value or "")) if v.strip()]


def norm_size(size) -> str:
    """One spelling per size: upper case, no "EU" prefix, 2XL as XXL."""
    return re.sub(r"^EU\s*", "", str(size).strip().upper()).replace("2XL", "XXL")


def truthy(value) -> bool:
    """A catalogue flag read as yes/no ("no", "0", "sold out" and empty are no)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "no", "false", "n", "out of stock", "sold out", "unavailable")
    return bool(value)


class Product:
    """A normalised product plus what filtering needs: in-stock (colour, size) pairs, audience, text, rating."""

    def __init__(self, p: dict):
        self.data, self.id, self.attrs = p, p["id"], p.get("attributes") or {}
        self.price = p.get("price")
        self.currency = p.get("currency") or STORE.currency
        self.category = str(p.get("category") or "").strip().lower()
        self.brand = str(p.get("brand") or "").strip()
        variants = p.get("variants")
        if isinstance(variants, str):  # a CSV column holding JSON
            try:
                variants = json.loads(variants)
            except ValueError:
                variants = None
        colors = {c.lower() for k, v in self.attrs.items() if re.fullmatch(r"colou?rs?|colou?rway", k.lower())
                  for c in split_values(v)}
        sizes = {norm_size(s) for k, v in self.attrs.items() if re.fullmatch(r"sizes?", k.lower())
                 for s in split_values(v)}
        if isinstance(variants, list) and variants:  # (colour, size) -> in stock, from the catalogue only
            self.stock = {(str(v.get("color") or "").lower(), norm_size(v.get("size") or "")):
                          truthy(v.get("stock", v.get("in_stock", True))) for v in variants if isinstance(v, dict)}
        else:  # no variants: every listed colour and size is in stock, unless an in_stock/stock field says not
            flag = next((self.attrs[k] for k in ("in_stock", "stock", "available", "availability", "inventory")
                         if k in self.attrs), True)
            self.stock = {(c, s): truthy(flag) for c in colors or {""} for s in sizes or {""}}
        self.available = sorted(pair for pair, ok in self.stock.items() if ok)
        self.colors = sorted({c for c, _ in self.stock if c} | colors)
        self.sizes = sorted({s for _, s in self.stock if s} | sizes)
        who = " ".join(str(self.attrs.get(k, "")) for k in ("gender", "age", "audience", "age_group"))
        who = f"{who} {p.get('name', '')}".lower()
        self.audience = ("kids" if re.search(r"\b(kids?|child|children|youth|junior|boys|girls)\b", who)
                         else "women" if re.search(r"\bwom[ae]n'?s?\b|\bfemale\b", who)
                         else "men" if re.search(r"\bm[ae]n'?s?\b|\bmale\b", who) else "")
        self.text = " ".join(str(p.get(k) or "") for k in ("name", "name_zh", "description", "description_zh")).lower()
        try:
            self.rating = float(p.get("rating") if p.get("rating") is not None else self.attrs.get("rating", 0))
        except (TypeError, ValueError):
            self.rating = 0.0

    def name(self, lang: str) -> str:
        """The Chinese name for lang zh when there is one, else the name."""
        return (self.data.get("name_zh") if lang == "zh" else None) or self.data["name"]

    def variant(self, color: str | None = None, size: str | None = None, excluded=()) -> tuple[str, str] | None:
        """An in-stock (colour, size) that meets the request, or None."""
        for c, s in self.available:
            if (not color or c == color) and (not size or s == size) and (not c or c not in excluded):
                return c, s
        return None


class Catalog:
    """Every product, and the categories, brands, colours, sizes and category words the parser matches."""

    def __init__(self, products: dict[str, dict]):
        self.products = {pid: Product(p) for pid, p in products.items()}
        items = list(self.products.values())
        # the catalogue's own currency (budgets in messages are read in it); the store's when it has no products
        currencies = Counter(p.currency for p in items)
        self.currency = currencies.most_common(1)[0][0] if currencies else STORE.currency
        self.categories = sorted({p.category for p in items if p.category})
        self.brands = sorted({p.brand for p in items if p.brand}, key=len, reverse=True)
        self.colors = {c for p in items for c in p.colors} | set(COLOR_ZH)
        self.sizes = {s for p in items for s in p.sizes}
        self.bool_attrs = {k for p in items for k, v in p.attrs.items() if isinstance(v, bool)}
        # which categories describe a need at all: a tent that never mentions "insulated" is not "not insulated"
        self.attr_categories = {k: {p.category for p in items if k in p.attrs} for k in self.bool_attrs}
        words: list[tuple[str, str, bool]] = []
        for cat in self.categories:
            strong, _, weak = CATEGORY_WORDS.get(cat, cat.rstrip("s")).partition("|")
            own = {cat, cat.replace("_", " ")}
            words += [(w, cat, True) for w in own | set(strong.split())] + [(w, cat, False) for w in weak.split()]
        self.category_words = words
