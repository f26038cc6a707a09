"""Product suggestions: the knowledge service searches the catalogue (semantic + lexical, hard filters from the
message, re-ranked by the shopper's profile) and gives each product a reason; this action keeps the request
across follow-ups ("cheaper", "in blue", "不要黑色的"), checks price and stock against the store, adds the
promotions that apply and the copy line of the conversation's copy variant, and learns the shopper's profile.

When the knowledge service is down, suggestions come from a plain filtered query of the store instead.
"""

import json
import math
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import config
from actions.clients.knowledge import KnowledgeClient, KnowledgeUnavailable
from actions.card_copy import choose_variant, copy_line, record_of
from shop.store import store
from shop.store.backend import Product, ProductQuery
from actions.order_forms import language
from actions.shopper_profile import for_recommender, identified_email, learn, learn_from_purchases, shopper_id
from actions.promotions import promotion_fields
from shop.currency import store_currencies
from shop.money import format_card_price

SUGGESTIONS = 3
HINT_ENTITIES = ("product_category", "color", "size", "brand", "price")
SIMILAR = re.compile(r"\b(similar|like (this|that|it)|alternatives?|instead of)\b|类似|差不多|相似|替代|同款", re.I)
COMPLEMENTS = re.compile(r"\b(goes? (well )?with|pair|match(es)?|complements?|need with|accessor(y|ies))\b|"
                         r"搭配|配什么|配套|一起买", re.I)
PRODUCT_ID = re.compile(r"\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b")
# A constraint the shopper chose to set aside with a button on an empty list ("need:waterproof", "size").
CONSTRAINT = re.compile(r"[a-z_]{1,30}(?::[a-z0-9_]{1,40})?")


def parse_budget_cents(text: Optional[str]) -> Optional[int]:
    """'$100', 'under 80 dollars' -> cents; '100块' converted from yuan at the store's rate; None when there is no
    number, or the amount is in a currency the store does not convert."""
    money = store_currencies(config.STORE_DATA_DIR / "store.yml")
    mentions = money.find(text or "")
    if mentions:
        last = mentions[-1]
        return None if last.code is None else _cents(money.convert(last.amount, last.code))
    match = re.search(r"\d+(?:\.\d+)?", (text or "").replace(",", ""))
    return _cents(float(match.group(0))) if match else None


def _cents(amount: float) -> Optional[int]:
    """The amount in cents; None for one too large to be a budget (hundreds of digits read as infinity)."""
    cents = amount * 100
    return int(round(cents)) if math.isfinite(cents) else None


def dropped_constraint(tracker: Tracker) -> Optional[str]:
    """The constraint a "set this aside" button names, if this message is one."""
    value = next(tracker.get_latest_entity_values("drop_constraint"), None)
    return value if isinstance(value, str) and CONSTRAINT.fullmatch(value) else None


def offer_buttons(offers: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """One quick reply per constraint the service says could be set aside; its payload re-runs the request
    without it."""
    return [{"title": str(o["title"]),
             "payload": "/product_recommendation" + json.dumps({"drop_constraint": o["drop"]})}
            for o in offers
            if isinstance(o, dict) and CONSTRAINT.fullmatch(str(o.get("drop", ""))) and o.get("title")]


def message_hints(tracker: Tracker) -> Dict[str, str]:
    """Entities of this message only: earlier filters live in the request state, where follow-ups refine them."""
    hints: Dict[str, str] = {}
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") in HINT_ENTITIES and entity.get("value"):
            hints[entity["entity"].replace("product_", "")] = str(entity["value"])
    return hints


def mentioned_product(message: Text) -> Optional[Product]:
    """A product named by its id ("similar to TP-JKT-001"), as the product cards' buttons do."""
    for token in PRODUCT_ID.findall(message):
        product = store().product(token.upper()) or store().product(token)
        if product:
            return product
    return None


def fallback_reason(product: Product, query: ProductQuery, lang: str) -> str:
    """One sentence built only from the product's own data and the shopper's filters."""
    facts = []
    if query.color:
        facts.append(("有" if lang == "zh" else "in ") + query.color)
    if query.size:
        facts.append(("尺码 " if lang == "zh" else "size ") + query.size + (" 有货" if lang == "zh" else " in stock"))
    if query.max_price_cents is not None:
        budget = format_card_price(query.max_price_cents / 100, product.currency, lang)
        facts.append(f"在 {budget}预算内" if lang == "zh" else f"within your {budget} budget")
    rating = f"{product.rating:.1f}★"
    if lang == "zh":
        return f"{product.brand}，评分 {rating}" + ("，" + "，".join(facts) if facts else "") + "。"
    return f"{product.brand}, rated {rating}" + (", " + ", ".join(facts) if facts else "") + "."


def card_item(product: Product, reason: str, lang: str) -> Dict[str, Any]:
    """A product card; name, price, stock and link are read from the store, whatever the recommender said."""
    return {
        "id": product.id,
        "name": product.display_name(lang),
        "price": product.price_cents / 100,
        "currency": product.currency,
        "price_text": format_card_price(product.price_cents / 100, product.currency, lang),
        "url": product.url,
        "image": product.image,
        "reason": reason,
        "rating": product.rating,
        **promotion_fields(product, lang),
    }


def conversion_slots(converted: Dict[str, Any]) -> Dict[str, str]:
    """The response variables of a budget conversion: "500元", "$69" and the day the operator set the rate."""
    return {"original": str(converted.get("said", "")), "converted": str(converted.get("text", "")),
            "rates_date": str(converted.get("rates_set_on", ""))}


class ActionRecommendProducts(Action):
    """Suggests up to 3 products as a `products` card: the knowledge service picks them, the store's price and stock
    win (out-of-stock ones are dropped), and each card gets any running promotion and the conversation's copy line.

    Keeps the request in `shopping_request` across follow-ups and saves what it learns to the shopper profile. With
    the knowledge service down it falls back to a filtered store query (`from_store_only`), without copy lines.
    """

    def name(self) -> Text:
        return "action_recommend_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        lang, message = language(tracker), tracker.latest_message.get("text") or ""
        profile = store().profile(shopper_id(tracker))
        email = identified_email(tracker)
        if email and email != profile.get("email"):
            profile = {**learn_from_purchases(profile, store().purchases(email)), "email": email}
        state = tracker.get_slot("shopping_request") or {}
        drop = dropped_constraint(tracker)
        if drop and state:  # a button on an empty list: the same request without that constraint
            state = {**state, "drop": [drop]}
        mode = "complements" if COMPLEMENTS.search(message) else "similar" if SIMILAR.search(message) else "search"
        # "more like this" is about the product named, else the first card shown last turn
        anchor = mentioned_product(message)
        anchor_id = anchor.id if anchor else (state.get("last") or [None])[0] if mode != "search" else None
        request: Dict[str, Any] = {
            "message": message,
            "lang": lang,
            "state": state or None,
            "hints": {} if drop else message_hints(tracker),
            "profile": for_recommender(profile),
            "mode": mode,
            "limit": SUGGESTIONS,
        }
        if anchor_id and not drop:
            request["product_id"] = anchor_id  # with mode "search": alternatives to that product
        else:
            request["mode"] = "search"
        try:
            result = await KnowledgeClient(config.KNOWLEDGE_URL, config.KNOWLEDGE_TIMEOUT_S).recommend(request)
        except KnowledgeUnavailable:
            return self.from_store_only(dispatcher, tracker, lang)

        items, records = [], {}
        for suggestion in result.get("items", []):
            product = store().product(suggestion.get("id", ""))
            if product is None:  # a catalogue only the knowledge service indexed: its card is that catalogue's data
                items.append({k: suggestion.get(k) for k in ("id", "name", "price", "currency", "url", "image")})
                items[-1]["reason"] = suggestion.get("reason", "")
                if isinstance(suggestion.get("price"), (int, float)) and suggestion.get("currency"):
                    items[-1]["price_text"] = format_card_price(suggestion["price"], suggestion["currency"], lang)
            elif product.in_stock:  # the store's price and stock are fresher than the index
                items.append(card_item(product, suggestion.get("reason", ""), lang))
                records[product.id] = record_of(product)  # the copy line reads the same record, not the store again
        state = result.get("state") or {}
        store().save_profile(shopper_id(tracker), learn(profile, state, lang, message))
        unknown = result.get("unknown_currency")
        if unknown:  # never guess a currency: ask for the budget in one the store converts
            dispatcher.utter_message(response="utter_budget_currency_unknown", said=unknown.get("said", ""),
                                     currencies=", ".join(unknown.get("listed") or []))
            return [SlotSet("shopping_request", state)]
        if not items:  # the service says which wish emptied the list
            self.empty(dispatcher, result)
            return [SlotSet("shopping_request", state)]

        variant = choose_variant(tracker.sender_id)
        for item in items:
            item["copy"] = copy_line(variant, item, lang, profile, records.get(item["id"]))
        dispatcher.utter_message(
            **self.intro(result, request["mode"], lang),
            json_message={"type": "products", "variant": variant, "items": items},
        )
        return [SlotSet("shopping_request", state)]

    @staticmethod
    def empty(dispatcher: CollectingDispatcher, result: Dict[str, Any]) -> None:
        """Nothing to show: what we don't carry, or the constraint that emptied the list with buttons to set it
        aside (the shopper chooses; nothing is dropped silently), or why the list is empty."""
        converted = result.get("converted")
        if converted:
            dispatcher.utter_message(response="utter_budget_converted", **conversion_slots(converted))
        buttons = offer_buttons(result.get("offers") or [])
        if result.get("not_carried"):
            dispatcher.utter_message(response="utter_not_carried", thing=result["not_carried"])
        elif buttons and result.get("message"):
            dispatcher.utter_message(response="utter_recommendations_nothing_fits", reason=result["message"],
                                     buttons=buttons)
        elif result.get("message"):
            dispatcher.utter_message(text=result["message"])
        else:
            dispatcher.utter_message(response="utter_no_recommendations")

    @staticmethod
    def intro(result: Dict[str, Any], mode: str, lang: str) -> Dict[str, Any]:
        """The line above the cards: says when we don't carry what was asked for, when the asked-for product is out
        of stock, or when a wish was relaxed."""
        anchor = result.get("anchor") or {}
        if result.get("not_carried"):  # "do you sell standing desks?": say so, then the closest we have, or a person
            return {"response": "utter_recommendations_not_carried", "thing": result["not_carried"]}
        if anchor and not anchor.get("in_stock", True) and mode != "complements":
            size = anchor.get("size")
            note = (f" 的 {size} 码" if lang == "zh" else f" in size {size}") if size else ""
            return {"response": "utter_recommendations_out_of_stock", "name": anchor.get("name"), "size_note": note}
        if anchor and mode in ("similar", "complements"):
            return {"response": f"utter_recommendations_{mode}", "name": anchor.get("name")}
        if result.get("converted"):  # "500元 ≈ $69": the budget we used, in the store's currency
            return {"response": "utter_recommendations_converted", **conversion_slots(result["converted"])}
        if result.get("message"):  # which wish was relaxed, in the shopper's language
            return {"text": result["message"]}
        return {"response": "utter_recommendations"}

    @staticmethod
    def from_store_only(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> List[EventType]:
        """Filters from the slots, most popular first: worse than the knowledge service, better than nothing."""
        query = ProductQuery(
            category=tracker.get_slot("product_category"),
            color=tracker.get_slot("color"),
            size=tracker.get_slot("size"),
            brand=tracker.get_slot("brand"),
            max_price_cents=parse_budget_cents(tracker.get_slot("price")),
            limit=SUGGESTIONS,
        )
        products = store().search_products(query)
        if not products:
            dispatcher.utter_message(response="utter_no_recommendations")
            return []
        items = [card_item(p, fallback_reason(p, query, lang), lang) for p in products]
        dispatcher.utter_message(response="utter_recommendations", json_message={"type": "products", "items": items})
        return []
