"""The promotions engine: which promotions run, who and what they apply to, and whether a code is valid.

Pure Python over the operator's `promotions.yml`, a cart and what we know about the shopper. Codes and
discounts come only from the rules: a code the rules don't list is `unknown_code`, whatever the shopper says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from shop.store.backend import Product
from shop.money import format_money
from shop.settings import DEFAULT_CURRENCY

# Why a code can't be used; the action picks the response from this.
EXPIRED = "expired"
NOT_STARTED = "not_started"
UNKNOWN_CODE = "unknown_code"
EXHAUSTED = "exhausted"
FIRST_ORDER_ONLY = "first_order_only"
TIER = "tier"
CATEGORY = "category"
FINAL_SALE = "final_sale"
MIN_SUBTOTAL = "min_subtotal"
OK = "ok"

CATEGORY_NAMES = {
    "jackets": ("jackets", "夹克外套"),
    "tops": ("tops", "上衣"),
    "pants": ("pants", "裤装"),
    "footwear": ("footwear", "鞋靴"),
    "backpacks": ("backpacks", "背包"),
    "tents": ("tents", "帐篷"),
    "sleeping": ("sleeping gear", "睡袋睡垫"),
    "camp_kitchen": ("camp kitchen", "野营炊具"),
    "accessories": ("accessories", "配件"),
    "lighting": ("lighting", "照明"),
    "hydration": ("hydration", "饮水装备"),
}
TIER_NAMES = {"silver": ("Silver", "银卡"), "gold": ("Gold", "金卡")}

# A word that could be a code: letters and digits, not glued to other letters or digits (works inside Chinese).
WORD = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]{2,19})(?![A-Za-z0-9])")
LETTERS_THEN_DIGITS = re.compile(r"[A-Za-z]{3,}\d+[A-Za-z0-9]*")
CODE_KEYWORD = re.compile(r"(?i)(?:code|coupon|promo|voucher|码|券)\s*[:：#]?\s*$")
KEYWORDS = {"CODE", "CODES", "COUPON", "COUPONS", "PROMO", "PROMOS", "VOUCHER"}


@dataclass(frozen=True)
class CartLine:
    """One line of a cart as the rules see it: its category, unit price, quantity and final-sale flag."""

    category: str
    price_cents: int
    quantity: int = 1
    final_sale: bool = False


@dataclass(frozen=True)
class Shopper:
    """What we know about the shopper; None means unknown, and the rule is then not judged."""

    tier: Optional[str] = None  # none | silver | gold
    first_order: Optional[bool] = None


@dataclass(frozen=True)
class Promotion:
    """One rule of promotions.yml with its dates resolved; amounts are in cents of `currency`."""

    code: Optional[str]  # None for an automatic sale
    title: str
    title_zh: str
    kind: str  # percent | amount | free_shipping
    percent: int
    amount_cents: int  # amount off, or the most a free_shipping promotion waives
    min_subtotal_cents: int
    categories: Tuple[str, ...]  # empty: the whole store
    first_order_only: bool
    membership_tiers: Tuple[str, ...]  # empty: everyone
    starts: date
    ends: date  # last day it runs
    usage_limit: Optional[int]
    used: int
    stackable: bool
    currency: str = DEFAULT_CURRENCY  # the store's: amounts in the rules are in it

    def display_title(self, lang: str) -> str:
        """The Chinese title for "zh" when there is one, else the English title."""
        return self.title_zh if lang == "zh" and self.title_zh else self.title

    def covers(self, category: str) -> bool:
        """True when the promotion applies to this category (a promotion without categories covers the store)."""
        return not self.categories or category in self.categories

    @property
    def exhausted(self) -> bool:
        """Its usage limit, if it has one, is used up."""
        return self.usage_limit is not None and self.used >= self.usage_limit

    def is_running(self, today: date) -> bool:
        """Between its first and last day (both included) and not exhausted."""
        return self.starts <= today <= self.ends and not self.exhausted


@dataclass(frozen=True)
class Verdict:
    """Whether a promotion can be used and, if not, why (`reason`: one of the constants above); `discount_cents` is
    the saving, 0 when invalid or judged without a cart."""

    valid: bool
    reason: str
    discount_cents: int = 0
    promotion: Optional[Promotion] = None
    subtotal_cents: int = 0  # what the promotion's conditions were measured on


def _day(rule: Dict[str, Any], name: str, anchor: date) -> date:
    if rule.get(name) is not None:  # a real date written by the operator
        value = rule[name]
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    return anchor + timedelta(days=int(rule[f"{name}_days"]))


def _cents(amount: Any) -> int:
    return int(round(float(amount or 0) * 100))


def parse_promotion(rule: Dict[str, Any], anchor: date, currency: str = DEFAULT_CURRENCY) -> Promotion:
    """One rule of promotions.yml; raises ValueError (or KeyError) for a rule the engine cannot apply."""
    kind = rule["kind"]
    if kind not in ("percent", "amount", "free_shipping"):
        raise ValueError(f"unknown promotion kind {kind!r}")
    return Promotion(
        code=str(rule["code"]).strip().upper() if rule.get("code") else None,
        title=rule["title"],
        title_zh=rule.get("title_zh") or rule["title"],
        kind=kind,
        percent=int(rule["value"]) if kind == "percent" else 0,
        amount_cents=_cents(rule["value"]) if kind != "percent" else 0,
        min_subtotal_cents=_cents(rule.get("min_subtotal")),
        categories=tuple(rule.get("categories") or ()),
        first_order_only=bool(rule.get("first_order_only")),
        membership_tiers=tuple(t.lower() for t in rule.get("membership_tiers") or ()),
        starts=_day(rule, "starts", anchor),
        ends=_day(rule, "ends", anchor),
        usage_limit=rule.get("usage_limit"),
        used=int(rule.get("used") or 0),
        stackable=bool(rule.get("stackable", False)),
        currency=currency,
    )


class PromotionBook:
    """The store's promotions, loaded once; every answer about a code or a discount comes from here."""

    def __init__(self, promotions: Sequence[Promotion]) -> None:
        self.promotions = list(promotions)
        self._by_code = {p.code: p for p in self.promotions if p.code}

    @classmethod
    def from_file(cls, path: Path, anchor: date, currency: str = DEFAULT_CURRENCY) -> "PromotionBook":
        """Day offsets in the file are counted from `anchor` (the day the rules are loaded); amounts are in
        `currency`, the store's."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls([parse_promotion(rule, anchor, currency) for rule in data.get("promotions") or []])

    def codes(self) -> List[str]:
        """Every code in the rules, upper-case, running or not; automatic sales have none."""
        return list(self._by_code)

    def find(self, code: str) -> Optional[Promotion]:
        """The promotion with exactly this code (case and surrounding spaces aside), never a "close enough" one."""
        return self._by_code.get((code or "").strip().upper())

    def running(self, today: date) -> List[Promotion]:
        """The promotions running today, in the file's order."""
        return [p for p in self.promotions if p.is_running(today)]

    def validate(
        self,
        code: str,
        cart: Optional[Iterable[CartLine]],
        shopper: Optional[Shopper],
        today: date,
        shipping_cents: int = 0,
    ) -> Verdict:
        """Can `code` be used? Without a cart (or shopper) only the rules that don't need one are judged."""
        promotion = self.find(code)
        if promotion is None:
            return Verdict(False, UNKNOWN_CODE)
        return judge(promotion, cart, shopper, today, shipping_cents)

    def eligible(
        self, cart: Iterable[CartLine], shopper: Optional[Shopper], today: date, shipping_cents: int = 0
    ) -> List[Verdict]:
        """Promotions that would save this shopper money on this cart, biggest saving first."""
        cart = list(cart)
        verdicts = [judge(p, cart, shopper, today, shipping_cents) for p in self.promotions]
        good = [v for v in verdicts if v.valid and v.discount_cents > 0]
        return sorted(good, key=lambda v: -v.discount_cents)

    def best_deal(
        self, cart: Iterable[CartLine], shopper: Optional[Shopper], today: date, shipping_cents: int = 0
    ) -> Optional[Verdict]:
        """The single biggest saving on this cart, or None: nothing stacks (one code per order)."""
        deals = self.eligible(cart, shopper, today, shipping_cents)
        return deals[0] if deals else None

    def applicable_to_product(self, product: Product, today: date) -> List[Promotion]:
        """Running promotions that this product alone qualifies for, biggest saving on it first.

        Only promotions open to every shopper: a recommendation card doesn't know who is browsing.
        """
        line = [CartLine(product.category, product.price_cents)]
        fits = [
            p
            for p in self.running(today)
            if p.kind != "free_shipping"
            and not p.first_order_only
            and not p.membership_tiers
            and judge(p, line, None, today).valid
        ]
        return sorted(fits, key=lambda p: -discount(p, product.price_cents, 0))

    def product_promotion(self, product: Product, today: date, lang: str) -> Optional[Dict[str, Any]]:
        """The `promotion` field of a recommendation card, or None when nothing applies."""
        fits = self.applicable_to_product(product, today)
        if not fits:
            return None
        best = fits[0]
        return {"code": best.code, "title": best.display_title(lang), "summary": summary(best, lang)}


def discount(promotion: Promotion, subtotal_cents: int, shipping_cents: int) -> int:
    """The saving in cents: a percent of the subtotal, an amount up to the subtotal, or shipping up to the amount."""
    if promotion.kind == "percent":
        return round(subtotal_cents * promotion.percent / 100)
    if promotion.kind == "amount":
        return min(promotion.amount_cents, subtotal_cents)
    return min(promotion.amount_cents, shipping_cents)


def judge(
    promotion: Promotion,
    cart: Optional[Iterable[CartLine]],
    shopper: Optional[Shopper],
    today: date,
    shipping_cents: int = 0,
) -> Verdict:
    """Check the rules in the order a shopper can act on least to most: dates, usage, who, what."""

    def no(reason: str, subtotal: int = 0) -> Verdict:
        """An invalid verdict for this promotion, for `reason`."""
        return Verdict(False, reason, 0, promotion, subtotal)

    if today < promotion.starts:
        return no(NOT_STARTED)
    if today > promotion.ends:
        return no(EXPIRED)
    if promotion.exhausted:
        return no(EXHAUSTED)
    if shopper is not None:
        if promotion.first_order_only and shopper.first_order is False:
            return no(FIRST_ORDER_ONLY)
        if promotion.membership_tiers and shopper.tier is not None:
            if shopper.tier.lower() not in promotion.membership_tiers:
                return no(TIER)
    if cart is None:
        return Verdict(True, OK, 0, promotion)
    lines = [line for line in cart if promotion.covers(line.category)]
    if not lines:
        return no(CATEGORY)
    # Policy: codes (and sales) don't apply to Final sale items.
    lines = [line for line in lines if not line.final_sale]
    if not lines:
        return no(FINAL_SALE)
    subtotal = sum(line.price_cents * line.quantity for line in lines)
    if subtotal < promotion.min_subtotal_cents:
        return no(MIN_SUBTOTAL, subtotal)
    return Verdict(True, OK, discount(promotion, subtotal, shipping_cents), promotion, subtotal)


def join_names(names: Sequence[str], lang: str) -> str:
    """'a', 'a and b', 'a, b and c' in English; '、'-joined in Chinese. `names` must not be empty."""
    if lang == "zh":
        return "、".join(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def amount_text(promotion: Promotion, lang: str) -> str:
    """'15% off' / '$10 off' / 'free Standard shipping', from the rule's own value."""
    if promotion.kind == "percent":
        return f"立减 {promotion.percent}%" if lang == "zh" else f"{promotion.percent}% off"
    if promotion.kind == "amount":
        money = format_money(promotion.amount_cents, promotion.currency)
        return f"立减 {money}" if lang == "zh" else f"{money} off"
    return "标准配送免运费" if lang == "zh" else "free Standard shipping"


def category_names(promotion: Promotion, lang: str) -> str:
    """'tents and sleeping gear' / '帐篷、睡袋睡垫'; '' for the whole store."""
    names = [CATEGORY_NAMES.get(c, (c, c))[1 if lang == "zh" else 0] for c in promotion.categories]
    return join_names(names, lang) if names else ""


def tier_names(promotion: Promotion, lang: str) -> str:
    """'Silver and Gold' / '银卡、金卡'; '' when the promotion is open to every tier."""
    names = [TIER_NAMES.get(t, (t, t))[1 if lang == "zh" else 0] for t in promotion.membership_tiers]
    return join_names(names, lang) if names else ""


def conditions(promotion: Promotion, lang: str) -> List[str]:
    """The rule's conditions in words: categories, minimum spend, first order, tiers."""
    zh = lang == "zh"
    parts = []
    if promotion.categories:
        names = category_names(promotion, lang)
        parts.append(f"限{names}" if zh else f"on {names}")
    if promotion.min_subtotal_cents:
        money = format_money(promotion.min_subtotal_cents, promotion.currency)
        parts.append(f"满 {money} 可用" if zh else f"minimum spend {money}")
    if promotion.first_order_only:
        parts.append("仅限首单" if zh else "first order only")
    if promotion.membership_tiers:
        names = tier_names(promotion, lang)
        parts.append(f"仅限{names}会员" if zh else f"Tide Club {names} members only")
    if promotion.code is None:
        parts.append("无需优惠码" if zh else "no code needed")
    return parts


def summary(promotion: Promotion, lang: str) -> str:
    """'15% off; on tents and sleeping gear; minimum spend $150.00'."""
    sep = "；" if lang == "zh" else "; "
    return sep.join([amount_text(promotion, lang)] + conditions(promotion, lang))


def extract_codes(text: str, known_codes: Iterable[str]) -> List[str]:
    """Coupon-like words in a message, upper-cased, in order: known codes, LETTERS+digits, or CAPS after 'code'.

    Order numbers (TP10042: two letters) don't match. Nothing here decides validity; the rules do.
    """
    known = {c.upper() for c in known_codes}
    found: List[str] = []
    for match in WORD.finditer(text or ""):
        word = match.group(1)
        after_keyword = bool(CODE_KEYWORD.search(text[: match.start()]))
        looks_like_code = (
            word.upper() in known
            or LETTERS_THEN_DIGITS.fullmatch(word)
            or (after_keyword and word.isupper() and len(word) >= 4 and word not in KEYWORDS)
        )
        if looks_like_code and word.upper() not in found:
            found.append(word.upper())
    return found
