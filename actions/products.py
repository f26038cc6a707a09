"""Product suggestions filtered by what the shopper asked for (category, colour, size, brand, budget).

Filters come from NLU entities kept in slots, so a follow-up such as "in blue" refines the last request.
Prices and stock are read from the store, never written by a model.
"""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.store import Product, ProductQuery, format_money
from actions.backend import store
from actions.order_forms import language
from actions.promotions import promotion_fields


def parse_budget_cents(text: Optional[str]) -> Optional[int]:
    """'$100', 'under 80 dollars', '100块' -> cents; None when there is no number."""
    match = re.search(r"\d+(?:\.\d+)?", (text or "").replace(",", ""))
    return int(round(float(match.group(0)) * 100)) if match else None


def reason(product: Product, query: ProductQuery, lang: str) -> str:
    """One sentence built only from the product's own data and the shopper's filters."""
    facts = []
    if query.color:
        facts.append(("有" if lang == "zh" else "in ") + query.color)
    if query.size:
        facts.append(("尺码 " if lang == "zh" else "size ") + query.size + (" 有货" if lang == "zh" else " in stock"))
    if query.max_price_cents is not None:
        budget = format_money(query.max_price_cents, product.currency)
        facts.append(f"在 {budget} 预算内" if lang == "zh" else f"within your {budget} budget")
    rating = f"{product.rating:.1f}★"
    if lang == "zh":
        return f"{product.brand}，评分 {rating}" + ("，" + "，".join(facts) if facts else "") + "。"
    return f"{product.brand}, rated {rating}" + (", " + ", ".join(facts) if facts else "") + "."


def product_item(product: Product, query: ProductQuery, lang: str) -> Dict[str, Any]:
    return {
        "id": product.id,
        "name": product.display_name(lang),
        "price": product.price_cents / 100,
        "currency": product.currency,
        "url": product.url,
        "image": product.image,
        "reason": reason(product, query, lang),
        **promotion_fields(product, lang),
    }


class ActionRecommendProducts(Action):
    def name(self) -> Text:
        return "action_recommend_products"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        query = ProductQuery(
            category=tracker.get_slot("product_category"),
            color=tracker.get_slot("color"),
            size=tracker.get_slot("size"),
            brand=tracker.get_slot("brand"),
            max_price_cents=parse_budget_cents(tracker.get_slot("price")),
            limit=3,
        )
        products = store().search_products(query)
        if not products:
            dispatcher.utter_message(response="utter_no_recommendations")
            return []
        lang = language(tracker)
        dispatcher.utter_message(
            response="utter_recommendations",
            json_message={"type": "products", "items": [product_item(p, query, lang) for p in products]},
        )
        return []
