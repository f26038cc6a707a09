"""Numbers as shops write them, in English and Chinese: '1,299.00' == '1299', '两人' == 2, '一百五' budgets."""

from __future__ import annotations

import re
from typing import Optional

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SCALES = {"十": 10, "百": 100, "千": 1000}
# Matches only from the start of a run of numeral characters: a match tried inside a long run ("五五五...") would
# rescan the rest of the run from every position, quadratic in its length (8,000 characters took 22 s).
CN_NUMERAL = "(?<![零一二两三四五六七八九十百千])[零一二两三四五六七八九十百千]+"


def normalise_number(raw: str) -> str:
    """'1,299.00' -> '1299', '4.50' -> '4.5', '20000' -> '20000': the form in which two numbers compare equal."""
    number = raw.replace(",", "")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number or "0"


def cn_number(numeral: str) -> Optional[int]:
    """A Chinese numeral up to the thousands, as budgets and counts are written: '两' 2, '十五' 15, '三百' 300,
    '一百五' 150 (a trailing digit counts in the next lower place); None if it is not one ('二二', '好')."""
    if not numeral or any(ch not in CN_DIGITS and ch not in CN_SCALES for ch in numeral):
        return None
    total, digit, scale = 0, None, 10
    for ch in numeral:
        if ch in CN_DIGITS:
            if digit is not None:  # two digits in a row is no numeral
                return None
            digit = CN_DIGITS[ch]
        else:
            scale = CN_SCALES[ch]
            total, digit = total + (1 if digit is None else digit) * scale, None
    if digit is None:
        return total
    return total + digit * max(1, scale // 10) if total else digit
