"""One date format per language in what the shopper reads (shop/dates.py): the order and return replies write
dates as "Dec 2, 2026" / "2026年12月2日", never ISO, and the same day as the card (whose ISO date the page formats
the same way). Return cards carry their status label in the conversation's language."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from actions.orders import ActionShowOrder
from actions.returns import ActionCreateReturn
from shop.dates import format_date
from tests.actions.helpers import ORDERS, run_action

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = {
    name: variants
    for path in (ROOT / "bot" / "domain").glob("*.yml")
    for name, variants in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}).items()
}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SHIPPED, DELIVERED, WINDOW_PASSED, ONE_ITEM = "TP10042", "TP10023", "TP10018", "TP10023"


def slots(order_id, lang, **extra):
    return {"language": lang, "order_id": order_id, "email": ORDERS[order_id]["email"], **extra}


def reply_text(message, lang):
    """The domain response filled the way Rasa fills it, in the conversation's language."""
    variants = DOMAIN[message["response"]]
    zh = [v for v in variants if any(c.get("value") == "zh" for c in v.get("condition") or [])]
    template = (zh[0] if lang == "zh" and zh else next(v for v in variants if not v.get("condition")))["text"]
    return template.format(**{k: v for k, v in message.items() if isinstance(v, (str, int))})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_order_replies_write_the_cards_dates_in_one_format(fresh_store, lang):
    [shipped], _ = run_action(ActionShowOrder(), slots(SHIPPED, lang))
    [delivered], _ = run_action(ActionShowOrder(), slots(DELIVERED, lang))
    assert shipped["eta"] == format_date(shipped["custom"]["eta"], lang)
    assert delivered["delivered_on"] == format_date(delivered["custom"]["delivered_at"], lang)
    for message in (shipped, delivered):
        text = reply_text(message, lang)
        assert not ISO_DATE.search(text), text
    assert format_date(shipped["custom"]["eta"], lang) in reply_text(shipped, lang)
    assert (delivered["eta"], shipped["delivered_on"]) == ("-", "-")
    if lang == "zh":
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", reply_text(delivered, lang))


@pytest.mark.parametrize("lang, expected", [("en", "%b %-d, %Y"), ("zh", "%Y年%-m月%-d日")])
def test_a_passed_return_window_names_the_delivery_day_in_the_shoppers_format(fresh_store, lang, expected):
    [message], _ = run_action(ActionCreateReturn(), slots(WINDOW_PASSED, lang, return_reason="too warm"))
    delivered = date.today() - timedelta(ORDERS[WINDOW_PASSED]["delivered_days_ago"])
    assert message["delivered_on"] == delivered.strftime(expected)
    assert not ISO_DATE.search(reply_text(message, lang))


@pytest.mark.parametrize("lang, label", [("en", "Awaiting items"), ("zh", "等待寄回商品")])
def test_the_return_card_carries_its_status_label_in_the_conversations_language(fresh_store, lang, label):
    [message], _ = run_action(ActionCreateReturn(), slots(ONE_ITEM, lang, return_item="TP-FTW-004",
                                                          return_reason="too narrow"))
    assert (message["custom"]["status"], message["custom"]["status_label"]) == ("awaiting_items", label)
