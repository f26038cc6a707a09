"""Product cards and copy-event data shared by the card-copy tests (shop, actions, scripts)."""

import json

from scripts.stack import STORE_DIR
from shop.cardcopy import facts_of
from shop.experiments import events as copy_events

CATALOG = {json.loads(line)["id"]: json.loads(line) for line in (STORE_DIR / "catalog.jsonl").open(encoding="utf-8")}
CAMP = {"code": "TIDE15", "title": "Camp Season",
        "summary": "15% off; on tents and sleeping gear; minimum spend $150.00"}
CAMP_ZH = {"code": "TIDE15", "title": "露营季", "summary": "立减 15%；限帐篷、睡袋睡垫；满 $150.00 可用"}


def card(pid, lang="en", promotion=None, **overrides):
    """A products-card item as actions/products.py builds it (no rating or attributes on the card)."""
    row = CATALOG[pid]
    item = {
        "id": pid, "name": row["name_zh"] if lang == "zh" else row["name"], "price": row["price"], "currency": "USD",
        "url": row["url"], "image": row["image"], "reason": "Tidepool, rated 4.7★.",
    }
    if promotion:
        item["promotion"] = promotion
    return {**item, **overrides}



def facts(item):
    """The item's facts as the action server sees them: the card completed from the store's product record."""
    return facts_of(item, CATALOG.get(item["id"]))


def record(db, variant, impressions, clicks):
    """`impressions` conversations shown `variant`, the first `clicks` of them clicked."""
    for i in range(impressions):
        conversation = f"{variant}-{i}"
        copy_events.record_event(db, conversation, variant, "impression", "TP-JKT-001", "card",
                                 require_assignment=False)
        if i < clicks:
            copy_events.record_event(db, conversation, variant, "click", "TP-JKT-001", "link",
                                     require_assignment=False)
