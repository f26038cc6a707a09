"""The recommender: one request through parsing, filters, ranking and reasons (the contract is in the README)."""
from __future__ import annotations

import re

from shop.currency import Currencies, store_currencies
from shop.language import document_language
from shop.store.config import STORE_DATA_DIR

from ..index import Index
from .catalog import Catalog, Product
from .filters import apply_hard, apply_profile, blockers, request_filters
from .ranking import rank
from .reasons import list_message, nothing_fits, offers, reason
from .request import clean_state, conversion, merge, parse, set_aside


# Below this cosine (e5) between a fresh request and the closest product, the store does not carry what was asked
# for. Measured on the demo catalogue: requests for things it sells scored >= 0.834 (en) / 0.873 (zh), requests for
# unsold goods (standing desks, headphones, 婴儿推车, 口红) <= 0.822 / 0.863.
NOT_CARRIED_BELOW = {"en": 0.828, "zh": 0.868}
# Request words around the thing itself, left out when the reply names it ("do you sell X?" -> "X").
ASKING = re.compile(r"(?i)^\s*(?:(?:hi|hello|hey)[,!. ]+)?(?:(?:do|does)\s+(?:you|ya|u)(?:\s+guys)?\s+"
                    r"(?:have|sell|carry|stock)|got|any|i(?:'m| am)? (?:need|want|looking for)|looking for)?\s*"
                    r"(?:any|some|an?)?\s*|^(?:你们|请问)?(?:有没有|有卖|卖不卖|有)?|[?？吗呢嘛。.!！\s]+$")


def asked_for(text: str) -> str:
    """The thing a request names, without the asking around it: "do you sell standing desks?" -> "standing desks"."""
    return ASKING.sub("", text).strip() or text.strip()


class UnknownProduct(ValueError):
    """A product_id that is not in the catalogue."""


class Recommender:
    """Product suggestions from the index's products (products.json); its view of the catalogue is rebuilt after
    every ingest. Never suggests a product that breaks a hard constraint or is out of stock."""

    def __init__(self, index: Index, currencies: Currencies | None = None):
        self.index = index
        # the currencies a budget may be said in, with the operator's rates (store.yml)
        self.currencies = currencies or store_currencies(STORE_DATA_DIR / "store.yml")
        self._catalog: Catalog | None = None
        self._version = -1

    @property
    def catalog(self) -> Catalog:
        """The catalogue as of the index's latest ingest."""
        if self._catalog is None or self._version != self.index.version:  # rebuilt after an ingest
            self._catalog, self._version = Catalog(self.index.products), self.index.version
        return self._catalog

    def similar(self, product_id: str, **kwargs) -> dict:
        """Alternatives to one product: `recommend` in mode similar."""
        return self.recommend(mode="similar", product_id=product_id, **kwargs)

    def complements(self, product_id: str, **kwargs) -> dict:
        """Products that go with one product: `recommend` in mode complements."""
        return self.recommend(mode="complements", product_id=product_id, **kwargs)

    def recommend(self, message: str = "", lang: str | None = None, state: dict | None = None,
                  hints: dict | None = None, profile: dict | None = None, mode: str = "search",
                  product_id: str | None = None, limit: int = 3) -> dict:
        """Suggestions, the state to send back next turn, and why the list is short or empty (see the README).
        Raises UnknownProduct for a product_id (given or kept in the state) that is not in the catalogue."""
        cat = self.catalog
        message = message or ""
        lang = lang or document_language(message or "x")
        old = clean_state(state)
        if old.get("drop"):  # the shopper chose to set constraints aside (a button): nothing else changes
            old, message, hints = set_aside(old, old.pop("drop"), cat), "", {}
        said = parse(message, cat, self.currencies)
        last = [cat.products[i].price for i in old.get("last", []) if i in cat.products]
        st, refined = merge(old, said, hints or {}, cat, [x for x in last if x is not None], self.currencies)
        profile = profile if isinstance(profile, dict) else {}
        # the product the shopper is looking at: given, named by SKU, or kept from the turn this one refines
        code = next((c.upper() for c in re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", message)
                     if c.upper() in cat.products), None)
        anchor_id = product_id or code or (old.get("product_id") if refined and mode == "search" else None)
        if anchor_id and anchor_id not in cat.products:
            raise UnknownProduct(anchor_id)
        if anchor_id and mode == "search":  # asking about one product: alternatives to it
            mode = old.get("mode", "similar") if anchor_id == old.get("product_id") else "similar"
        st.update(lang=lang, mode=mode if anchor_id else "search")
        anchor = cat.products.get(anchor_id) if anchor_id else None
        checks = request_filters(st, anchor, cat)
        if anchor is not None:
            st["product_id"] = anchor.id
        else:
            st.pop("product_id", None)
        candidates = [p for p in cat.products.values() if p is not anchor]
        passing, empty_because = apply_hard(candidates, checks)
        blocked_by = blockers(candidates, checks) if empty_because else []
        if blocked_by:  # name what emptied the list: the first of those whose removal alone brings products back
            empty_because = blocked_by[0]
        pool, relaxed = apply_profile(passing, st, profile)
        unknown = said.get("unknown_currency")
        if unknown:  # a budget we cannot read: ask for it, show nothing yet
            empty_because, blocked_by, relaxed = None, [], []
        chosen = [] if unknown else rank(self.index, pool, st, profile, anchor, lang)[:max(1, limit)]
        not_carried = None
        # only a request made of nothing but free words: a category, brand, need, size or budget we understood means
        # we sell that kind of thing
        if anchor is None and not refined and not unknown and said.get("use") and set(said) <= {"use", "has_use"}:
            thing = asked_for(said["use"])
            closest = max((h.score for h in self.index.dense(thing, 3, products=list(cat.products))), default=0)
            if closest < NOT_CARRIED_BELOW.get(lang, NOT_CARRIED_BELOW["en"]):
                not_carried = asked_for(message)
        st["last"] = [p.id for p in chosen]
        st["shown"] = st.get("shown", []) + [i for i in st["last"] if i not in st.get("shown", [])]
        return {
            "items": [self.item(p, st, lang) for p in chosen],
            "state": st,
            "relaxed": relaxed,
            "empty_because": empty_because,
            "blocked_by": blocked_by,
            "offers": offers(blocked_by, st, lang),
            "message": nothing_fits(blocked_by, st, lang, cat.currency) if blocked_by
            else list_message(empty_because, relaxed, st, lang, cat.currency),
            "not_carried": not_carried,
            "converted": None if unknown else conversion(said, self.currencies, lang),
            "unknown_currency": unknown and {**unknown, "listed": self.currencies.listed},
            "anchor": None if anchor is None else {
                "id": anchor.id, "name": anchor.name(lang), "size": st.get("size"), "color": st.get("color"),
                "in_stock": anchor.variant(st.get("color"), st.get("size"), st.get("exclude_colors", [])) is not None},
        }

    @staticmethod
    def item(p: Product, st: dict, lang: str) -> dict:
        """One suggestion as the reply lists it."""
        return {"id": p.id, "name": p.name(lang), "price": p.price, "currency": p.currency,
                "url": p.data.get("url") or "", "image": p.data.get("image") or "", "reason": reason(p, st, lang),
                "in_stock": True}
