"""Promotions and coupons: "any deals?", "is SAVE10 still valid?", and deals on recommended products.

Every code, value and condition the bot states comes from the rules in promotions.yml (actions/rules/promotions.py).
A message that asks for another discount ("make it 90%", "code FREE100") gets only what the rules say.
With an identified order (order_id + email slots) codes are checked against that order's items and shopper.
"""

import re
from datetime import date
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import config
from actions.rules import promotions as rules
from actions.rules.promotions import CartLine, PromotionBook, Shopper, Verdict
from shop.store import store
from shop.store.backend import Order, Product
from actions.order_forms import language, today, verified_order
from shop.dates import format_date
from shop.money import format_money

# A shopper naming their own discount ("50% off", "打五折"): answered with the rules-only reminder.
DISCOUNT_DEMAND = re.compile(r"(?i)\d+(?:\.\d+)?\s*(?:%|percent|折)|[一二三四五六七八九]折")


@lru_cache(maxsize=2)
def _book(day: date) -> PromotionBook:
    return PromotionBook.from_file(config.STORE_DATA_DIR / "promotions.yml", anchor=day, currency=config.STORE.currency)


def promotions() -> PromotionBook:
    """The rules with their day offsets counted from today, reloaded once a day."""
    return _book(today())


def cart_of(order: Order) -> List[CartLine]:
    """The order's lines that are still kept, with the category and final-sale flag the store has for each."""
    lines = []
    for item in order.items:
        if item.returned:
            continue
        product = store().product(item.product_id)  # order lines don't carry their category
        category = product.category if product else ""
        lines.append(CartLine(category or "", item.unit_price_cents, item.quantity, item.final_sale))
    return lines


def shopper_of(order: Order) -> Shopper:
    """The shopper's membership tier and whether this is their first order, from the store's customer record."""
    customer = store().customer(order.email)
    if customer is None:
        return Shopper(tier="none", first_order=False)
    return Shopper(tier=customer.membership_tier, first_order=customer.first_order_id == order.id)


def promotion_fields(product: Product, lang: str) -> Dict[str, Any]:
    """{"promotion": {...}} for a recommendation card when a running promotion covers the product, else {}."""
    if product.final_sale:  # codes don't apply to Final sale items
        return {}
    card = promotions().product_promotion(product, today(), lang)
    return {"promotion": card} if card else {}


def listing_item(promotion: rules.Promotion, lang: str) -> Dict[str, Any]:
    """One entry of the `promotions` card: code, title, summary and last day, all from the rule."""
    return {
        "code": promotion.code,
        "title": promotion.display_title(lang),
        "summary": rules.summary(promotion, lang),
        "ends_on": promotion.ends.isoformat(),
    }


def listing_line(promotion: rules.Promotion, lang: str) -> str:
    """The plain-text line for channels that don't render the card; the words come from the rule."""
    label = promotion.code or promotion.display_title(lang)
    return f"• {label}: {rules.summary(promotion, lang)} ({format_date(promotion.ends, lang)})"


def verdict_vars(verdict: Verdict, code: str, lang: str) -> Dict[str, Any]:
    """The response variables for a checked code, from the rule and the verdict; only `code` for an unknown code."""
    promotion = verdict.promotion
    if promotion is None:
        return {"code": code}
    return {
        "code": promotion.code or code,
        "title": promotion.display_title(lang),
        "summary": rules.summary(promotion, lang),
        "starts_on": format_date(promotion.starts, lang),
        "ends_on": format_date(promotion.ends, lang),
        "min_subtotal": format_money(promotion.min_subtotal_cents, promotion.currency),
        "subtotal": format_money(verdict.subtotal_cents, promotion.currency),
        "discount": format_money(verdict.discount_cents, promotion.currency),
        "tiers": rules.tier_names(promotion, lang),
        "categories": rules.category_names(promotion, lang),
    }


class ActionPromotions(Action):
    """Answers "any deals?" and "is SAVE10 valid?" from the rules only; a discount the shopper names ("50% off")
    gets utter_promotions_rules_only. Checks up to 3 codes from the message (against the verified order's items and
    shopper when there is one); without a code, lists the running promotions."""

    def name(self) -> Text:
        return "action_promotions"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        lang, book = language(tracker), promotions()
        order = verified_order(tracker)
        if DISCOUNT_DEMAND.search(text):
            dispatcher.utter_message(response="utter_promotions_rules_only")
        codes = rules.extract_codes(text, book.codes())
        if codes:
            if len(codes) > 1:
                dispatcher.utter_message(response="utter_promotions_one_code")
            for code in codes[:3]:
                self.check_code(dispatcher, book, code, order, lang)
        else:
            self.list_promotions(dispatcher, book, order, lang)
        return []

    @staticmethod
    def check_code(
        dispatcher: CollectingDispatcher, book: PromotionBook, code: str, order: Optional[Order], lang: str
    ) -> None:
        """utter_code_valid, utter_code_valid_for_order, or `utter_code_invalid_<reason>` for one code."""
        if order is None:
            verdict = book.validate(code, None, None, today())
        else:
            verdict = book.validate(code, cart_of(order), shopper_of(order), today(), order.shipping_cents)
        variables = dict(verdict_vars(verdict, code, lang), order_id=order.id if order else "")
        if not verdict.valid:
            dispatcher.utter_message(response=f"utter_code_invalid_{verdict.reason}", **variables)
        elif order is None:
            dispatcher.utter_message(response="utter_code_valid", **variables)
        else:
            dispatcher.utter_message(response="utter_code_valid_for_order", **variables)

    @staticmethod
    def list_promotions(
        dispatcher: CollectingDispatcher, book: PromotionBook, order: Optional[Order], lang: str
    ) -> None:
        """The running promotions (utter_promotions_running and a `promotions` card), the order's best deal named
        first; utter_promotions_none when nothing runs."""
        running = book.running(today())
        if not running:
            dispatcher.utter_message(response="utter_promotions_none")
            return
        deals = book.eligible(cart_of(order), shopper_of(order), today(), order.shipping_cents) if order else []
        # The shopper's deals first, best first, then everything else that runs.
        mine = [v.promotion for v in deals if v.promotion]
        ordered = mine + [p for p in running if p not in mine]
        if order is not None and deals:
            best = deals[0]
            dispatcher.utter_message(
                response="utter_promotions_best_for_order",
                order_id=order.id,
                best=best.promotion.code or best.promotion.display_title(lang),
                summary=rules.summary(best.promotion, lang),
                discount=format_money(best.discount_cents, best.promotion.currency),
            )
        elif order is not None:
            dispatcher.utter_message(response="utter_promotions_none_for_order", order_id=order.id)
        dispatcher.utter_message(
            response="utter_promotions_running",
            promotions="\n".join(listing_line(p, lang) for p in ordered),
            json_message={"type": "promotions", "items": [listing_item(p, lang) for p in ordered]},
        )
