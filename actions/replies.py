"""Reading free-text answers to the forms' questions (yes/no, a number, a choice), in English and Chinese."""

import re
from typing import List, Optional, Sequence

from shop.store.backend import OrderItem
from shop.numerals import CN_NUMERAL, cn_number

YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "confirm",
    "confirmed",
    "do it",
    "yes please",
    "please do",
    "go ahead",
    "correct",
    "absolutely",
    "是",
    "是的",
    "好",
    "好的",
    "确定",
    "确认",
    "对",
    "对的",
    "可以",
    "嗯",
    "要",
    "确定取消",
    "没问题",
}
NO = {
    "no",
    "n",
    "nope",
    "nah",
    "no thanks",
    "don't",
    "dont",
    "keep it",
    "no, keep it",
    "never mind",
    "nevermind",
    "cancel that",
    "stop",
    "不",
    "不是",
    "不要",
    "不用",
    "不用了",
    "算了",
    "否",
    "不取消",
    "不取消了",
    "保留",
    "先不了",
}
MAX_QUANTITY_DIGITS = 6
ALL_ITEMS = {"all", "all items", "everything", "全部", "全部商品", "都退", "所有"}


def _clean(text: str) -> str:
    return re.sub(r"[\s!.,。！，~]+$", "", (text or "").strip().lower())


def parse_yes_no(text: str) -> Optional[bool]:
    """True / False for a whole-reply yes or no ('ok', '好的', 'keep it', '算了'); None for anything else."""
    cleaned = _clean(text)
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    return None


def parse_quantity(text: str) -> Optional[int]:
    """The quantity a reply names: '3', '3 please', '三个', '十二' (12), '二十个' (20); None when it names none."""
    match = re.search(r"\d+", text or "")
    if match:  # a number of thousands of digits is no quantity (and int() refuses it)
        return int(match.group(0)) if len(match.group(0)) <= MAX_QUANTITY_DIGITS else None
    numeral = re.search(CN_NUMERAL, text or "")
    return cn_number(numeral.group(0)) if numeral else None


def choose_items(text: str, items: Sequence[OrderItem], allow_all: bool = False) -> List[OrderItem]:
    """The items a reply picks: a product id (button payload), a list number, or part of a name."""
    cleaned = _clean(text)
    if allow_all and cleaned in ALL_ITEMS:
        return list(items)
    for item in items:
        if cleaned == item.product_id.lower():
            return [item]
    if cleaned.isdecimal() and len(cleaned) <= 3 and 1 <= int(cleaned) <= len(items):  # not "²": int() refuses it
        return [items[int(cleaned) - 1]]
    named = [
        item
        for item in items
        if len(cleaned) >= 3 and (cleaned in item.name.lower() or (item.name_zh and cleaned in item.name_zh))
    ]
    return named if len(named) == 1 else []
