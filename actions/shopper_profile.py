"""The shopper profile: what we learn while helping (categories, brands, colours, sizes, budget, stated uses,
language, mood), kept per conversation through the store backend so suggestions fit. Shoppers can see it and
have it deleted ("what do you remember about me?", "forget me"); forgetting also erases the conversation's
transcripts, once this turn is stored (shop/erasure.py)."""

import re
from collections import Counter
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import config
from actions.order_forms import language, verified_order
from shop.erasure import eraser
from shop.store import store
from shop.money import format_money

KEEP = 5  # values kept per list, most recent first
POSITIVE = re.compile(r"\b(love|great|perfect|awesome|thanks?|thank you|nice|happy|excellent)\b|"
                      r"喜欢|太好了|不错|谢谢|满意|完美", re.I)
NEGATIVE = re.compile(r"\b(bad|terrible|awful|angry|disappointed|broken|worst|annoyed|useless|hate)\b|"
                      r"差|生气|失望|坏了|垃圾|气死|太慢|不满", re.I)
LABELS = {
    "en": {"categories": "you looked at {}", "brands": "brands {}", "colors": "colours {}", "avoid_colors": "not {}",
           "sizes": "size {}", "budget_max": "budget up to {}", "uses": "for {}", "bought": "you bought {} before"},
    "zh": {"categories": "看过{}", "brands": "品牌 {}", "colors": "颜色 {}", "avoid_colors": "不要{}",
           "sizes": "尺码 {}", "budget_max": "预算 {} 以内", "uses": "用途：{}", "bought": "之前买过{}"},
}


def remember(values: List[Any], new: Any) -> List[Any]:
    """Newest first, without repeats, at most KEEP; `new` is one value or a list of them."""
    out = [v for v in (new if isinstance(new, list) else [new]) if v not in (None, "", [])]
    return (out + [v for v in values if v not in out])[:KEEP]


def sentiment(text: str) -> int:
    """+1 / 0 / -1 for a message, from a small bilingual word list (good enough to see a trend)."""
    return int(bool(POSITIVE.search(text))) - int(bool(NEGATIVE.search(text)))


def mood_trend(scores: List[int]) -> str:
    """'improving', 'worsening' or 'steady', comparing the latest messages with the earlier ones."""
    if len(scores) < 2:
        return "steady"
    half = len(scores) // 2
    early, late = sum(scores[:half]) / half, sum(scores[half:]) / (len(scores) - half)
    return "improving" if late - early > 0.3 else "worsening" if early - late > 0.3 else "steady"


USE = re.compile(r"\bfor (?:my |a |an |the )?([^,.!?;]{3,60})|(?:用于|适合|用来|去)([^，。！？；]{2,30})", re.I)


def stated_use(message: str) -> Optional[str]:
    """What the shopper says it is for: "for hiking in the rain", "下雨天徒步用" -> kept as said."""
    match = USE.search(message)
    if not match:
        return None
    use = (match.group(1) or match.group(2)).strip()
    use = re.split(r"\b(?:under|below|in size|size|around|less than|with)\b|\d|预算|以内|码", use)[0].strip()
    return use or None


def learn(profile: Dict[str, Any], request: Dict[str, Any], lang: str, message: str) -> Dict[str, Any]:
    """The profile after one shopping request (the recommender's request state, knowledge/recommend/): the
    filters the shopper chose are their stated preferences."""
    p = dict(profile)
    p["categories"] = remember(p.get("categories", []), request.get("category"))
    p["brands"] = remember(p.get("brands", []), request.get("brand"))
    p["colors"] = remember(p.get("colors", []), request.get("color"))
    p["avoid_colors"] = remember(p.get("avoid_colors", []), request.get("exclude_colors"))
    p["colors"] = [c for c in p["colors"] if c not in p["avoid_colors"][:1]]  # "not black" outranks an older "black"
    p["sizes"] = remember(p.get("sizes", []), request.get("size"))
    p["uses"] = remember(p.get("uses", []), [stated_use(message)])
    if isinstance(request.get("max_price"), (int, float)):
        p["budget_max"] = request["max_price"]
        p["currency"] = request.get("currency") or p.get("currency") or config.STORE.currency
    p["language"] = lang
    p["moods"] = (p.get("moods", []) + [sentiment(message)])[-10:]
    p["mood_trend"] = mood_trend(p["moods"])
    return {k: v for k, v in p.items() if v not in ([], None)}


def learn_from_purchases(profile: Dict[str, Any], purchases: List[Dict[str, Any]]) -> Dict[str, Any]:
    """An identified customer's order history: what they bought, and the sizes they wear."""
    p = dict(profile)
    p["bought"] = remember(p.get("bought", []), [row["product_id"] for row in purchases])
    categories = Counter(row["category"] for row in purchases if row.get("category"))
    p["categories"] = remember(p.get("categories", []), [c for c, _ in categories.most_common()])
    p["sizes"] = remember(p.get("sizes", []), [row["size"] for row in purchases if row.get("size")])
    return {k: v for k, v in p.items() if v not in ([], None)}


def for_recommender(profile: Dict[str, Any]) -> Dict[str, Any]:
    """The preferences the recommender ranks with (never as hard filters)."""
    keys = ("categories", "brands", "colors", "sizes", "budget_max", "uses")
    return {k: profile[k] for k in keys if profile.get(k) not in (None, [])}


def describe(profile: Dict[str, Any], lang: str) -> str:
    """The profile in words for the shopper ("you looked at jackets; size M; budget up to $150.00"); "" if empty."""
    labels, parts = LABELS[lang], []
    sep = "、" if lang == "zh" else ", "
    for key, label in labels.items():
        value = profile.get(key)
        if key == "budget_max" and value is not None:
            currency = profile.get("currency") or config.STORE.currency
            parts.append(label.format(format_money(int(round(value * 100)), currency)))
        elif value:
            parts.append(label.format(sep.join(str(v) for v in value)))
    return ("；" if lang == "zh" else "; ").join(parts)


def shopper_id(tracker: Tracker) -> Text:
    """The key a profile is kept under: the conversation's sender id."""
    return tracker.sender_id


class ActionShowProfile(Action):
    """Tells the shopper what is remembered about them (utter_profile_summary plus the stored profile as a `profile`
    payload), or utter_profile_empty when nothing is."""

    def name(self) -> Text:
        return "action_show_profile"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        profile = store().profile(shopper_id(tracker))
        summary = describe(profile, language(tracker))
        if not summary:
            dispatcher.utter_message(response="utter_profile_empty")
            return []
        # The JSON is the same view an agent gets (`python -m shop.store profile --shopper ID`).
        dispatcher.utter_message(
            response="utter_profile_summary", summary=summary, json_message={"type": "profile", "profile": profile}
        )
        return []


class ActionForgetProfile(Action):
    """Deletes the shopper's saved profile and clears the current search's filter slots, then confirms
    (utter_profile_forgotten) whether or not anything was saved. The conversation's transcripts (Rasa's tracker
    store and event broker, the agent desk's handoffs, card clicks, the rating) are erased a moment later: Rasa
    stores this turn after the action, and rows deleted before that would be written back."""

    def name(self) -> Text:
        return "action_forget_profile"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        store().forget_profile(shopper_id(tracker))
        eraser().request(tracker.sender_id, marker=self.name())
        dispatcher.utter_message(response="utter_profile_forgotten")
        # The filters of the current search are preferences too.
        forgotten = ("shopping_request", "product_category", "color", "size", "brand", "price")
        return [SlotSet(slot, None) for slot in forgotten]


def identified_email(tracker: Tracker) -> Optional[Text]:
    """The email of a customer who proved it this conversation: the order id and email in the slots match."""
    return tracker.get_slot("email") if verified_order(tracker) else None
