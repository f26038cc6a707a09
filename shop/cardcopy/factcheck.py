"""The copy fact check: every number, price, rating, percentage, code, material and claim in a line must be backed by
the product's own data. The bot runs it on operator-reviewed lines; `python -m knowledge copy` runs it on model-written
ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from shop.cardcopy.facts import Facts, as_number, format_value
from shop.numerals import cn_number, normalise_number

@dataclass
class CopyCheck:
    """The verdict on one line: ok, or the problems that say which claim the data does not back."""

    ok: bool
    problems: List[str]


NUMBER = re.compile(r"(?<![A-Za-z0-9.,])\d+(?:[.,]\d+)*")  # "IPX4" is a code, not the number 4
NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "twelve": "12", "twenty": "20", "hundred": "100",
}  # not "one": "one-hand", "the one you need" are no claims
# A Chinese numeral counts only before a measure word ("两人", "四季"), not in "一款" or "一流".
CN_NUMERALS = "一二两三四五六七八九十"
CN_NUMBER = re.compile(r"([一二两三四五六七八九十]{1,3})(?=人|季|升|克|公斤|层|年|天|倍|折|流明|小时|毫米|厘米|米|度)")
MONEY = re.compile(
    r"(?:US\$|\$|USD\s?|¥|￥|€|£)\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:dollars|美元|美金|元)"
)
RATING = re.compile(
    r"(?i)(?:rated|rating|评分|评价)\s*[:：]?\s*(\d+(?:\.\d+)?)|(\d(?:\.\d+)?)\s*(?:★|☆|/\s*5\b|stars?\b|颗星|星|分(?!钟))"
)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent|％)")
CODE_LIKE = re.compile(r"\b[A-Z]{2,}[0-9]+[A-Z0-9]*\b")
# Materials: a line may only name those the data names. Chinese words map to the English the catalogue uses.
MATERIALS_EN = (
    "nylon", "polyester", "merino", "wool", "goose down", "duck down", "fleece", "cotton", "hemp", "leather",
    "suede", "titanium", "aluminium", "aluminum", "stainless", "steel", "cast iron", "carbon", "polycarbonate",
    "silicone", "rubber", "gore-tex", "ripstop", "canvas", "bamboo", "cork", "recycled", "organic", "synthetic",
    "ceramic", "cashmere", "silk", "polypropylene", "spandex", "elastane",
)
MATERIALS_ZH = {
    "尼龙": "nylon", "涤纶": "polyester", "聚酯": "polyester", "美利奴": "merino", "羊毛": "wool", "羽绒": "down",
    "鹅绒": "goose", "抓绒": "fleece", "纯棉": "cotton", "棉质": "cotton", "皮革": "leather", "真皮": "leather",
    "钛": "titanium", "铝": "alumin", "不锈钢": "stainless", "铸铁": "cast iron", "碳纤维": "carbon",
    "硅胶": "silicone", "橡胶": "rubber", "帆布": "canvas", "竹纤维": "bamboo", "再生": "recycled",
    "羊绒": "cashmere", "真丝": "silk", "有机棉": "organic",
}
# Claims no product field backs unless the data itself says them (e.g. a promotion's "free shipping").
UNBACKED_CLAIMS = (
    r"\bbest\b", r"best[- ]sell", r"bestseller", r"#\s?1\b", r"number one", r"top[- ]rated", r"most popular",
    r"cheapest", r"lowest price", r"guarantee", r"lifetime", r"warrant", r"free shipping", r"free returns?",
    r"limited time", r"only \d+ left", r"last chance", r"award", r"eco[- ]friendly", r"sustainab", r"lightest",
    r"warmest", r"toughest", r"strongest", r"indestructible", r"never ", r"100% waterproof", r"clinically",
    r"durab", r"great value", r"high[- ]quality", r"premium", r"perfect", r"unbeatable", r"must[- ]have",
    "最好", "最佳", "第一", "畅销", "最受欢迎", "最便宜", "最低价", "保证", "终身", "质保", "包邮", "免运费",
    "免费退货", "限时", "仅剩", "获奖", "环保", "最轻", "最暖", "最强", "耐用", "高品质", "完美", "超值", "性价比",
)
DEAL_WORDS = re.compile(
    r"(?i)\bsale\b|discount|%\s?off|\bsave\b|saving|\bdeal\b|coupon|promo|\bcode\b|clearance|"
    r"打折|折扣|[\d一二三四五六七八九]折|优惠|立减|促销|特价|特卖|清仓|满减|券|原价"
)
PERSONS = re.compile(
    r"(?i)(\d+|two|three|four|five|six|seven|eight)[- ](?:person|people|man)\b|sleeps (\d+|two|three|four|five|six)\b|"
    r"([\d一二两三四五六七八九十]+)\s?人(?!民)"
)
WATERPROOF = re.compile(r"(?i)(?<!not )(?<!non-)waterproof|(?<!不)防水")
INSULATED = re.compile(r"(?i)(?<!not )(?<!un)insulat|保温|保暖")


def numbers_in(text: str) -> set:
    """Numbers a copy line states, normalised ('1,299.00' -> '1299'), including number words and Chinese numerals
    before a measure word ('两人' -> '2')."""
    found = {normalise_number(raw) for raw in NUMBER.findall(text)}
    low = text.lower()
    for word, digit in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", low):
            found.add(digit)
    for numeral in CN_NUMBER.findall(text):
        value = cn_number(numeral)
        if value is not None:
            found.add(str(value))
    return found


def _norm(number: str) -> str:
    return numbers_in(number).pop() if numbers_in(number) else number


def _evidence(facts: Facts) -> Tuple[str, set, set, set]:
    """(text, numbers, money amounts, percentages) the data supports."""
    values: List[str] = list(facts.texts)
    for key, value in facts.attributes.items():
        if key in ("colors", "sizes", "variants"):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(format_value(value))
            values.append(str(value))
    for number in (facts.price, facts.rating):
        if number is not None:
            values += [format_value(number), f"{number:.2f}"]
    text = "\n".join(values)
    prices = (facts.price, as_number(facts.attributes.get("was_price")))
    money = {_norm(format_value(v)) for v in prices if v is not None}
    for match in MONEY.finditer("\n".join(facts.texts)):
        money.add(_norm(match.group(1) or match.group(2)))
    percents = {_norm(m) for m in PERCENT.findall(text)}
    return text, numbers_in(text), money, percents


def check_copy(line: str, facts: Facts) -> CopyCheck:
    """Is every number, price, rating, percentage, code, material and claim in `line` backed by the product data?"""
    problems: List[str] = []
    text, numbers, money, percents = _evidence(facts)
    low_text = text.lower()
    for n in sorted(numbers_in(line) - numbers):
        problems.append(f"number {n} is not in the product data")
    for match in MONEY.finditer(line):
        amount = _norm(match.group(1) or match.group(2))
        if amount not in money:
            problems.append(f"price {match.group(0).strip()} is not the product's price or a promotion amount")
    for match in RATING.finditer(line):
        value = as_number(match.group(1) or match.group(2))
        if match.group(1) and value is not None and value > 5:
            continue  # "rated 20,000 mm": a spec, left to the number check
        if facts.rating is None or value is None or round(value, 1) != round(facts.rating, 1):
            problems.append(f"rating {match.group(0).strip()} is not the product's rating")
    for value in PERCENT.findall(line):
        if _norm(value) not in percents:
            problems.append(f"{value}% is not in the product data or its promotion")
    for code in CODE_LIKE.findall(line):
        if code not in text:
            problems.append(f"code {code} is not in the product data or its promotion")
    low = line.lower()
    for material in MATERIALS_EN:
        if re.search(rf"\b{re.escape(material)}\b", low) and material not in low_text:
            problems.append(f"material {material!r} is not in the product data")
    for word, english in MATERIALS_ZH.items():
        if word in line and word not in text and english not in low_text:
            problems.append(f"material {word} is not in the product data")
    for claim in UNBACKED_CLAIMS:
        found = re.search(claim, low)
        if found and not re.search(claim, low_text):
            problems.append(f"claim {found.group(0).strip()!r} is not backed by the product data")
    attributes = facts.attributes
    persons = as_number(attributes.get("persons"))
    for match in PERSONS.finditer(line):
        raw = next(g for g in match.groups() if g)
        said = cn_number(raw) if raw[0] in CN_NUMERALS else as_number(NUMBER_WORDS.get(raw.lower(), raw))
        if persons is None or said != persons:
            problems.append(f"{match.group(0).strip()!r} does not match the product's capacity in persons")
    if WATERPROOF.search(line) and not (attributes.get("waterproof") is True or attributes.get("waterproof_rating_mm")):
        problems.append("says waterproof, but the product data does not")
    if INSULATED.search(line) and not (
        attributes.get("insulated") is True
        or any(attributes.get(k) is not None for k in ("fill_power", "temp_rating_c", "comfort_c", "r_value"))
        or re.search(r"insulat|down|保温|保暖|羽绒", low_text)
    ):
        problems.append("says insulated or warm, but the product data does not")
    deal = DEAL_WORDS.search(line)
    if deal and not (facts.promotion or as_number(attributes.get("was_price"))):
        problems.append(f"talks about a deal ({deal.group(0).strip()!r}) but no promotion applies")
    return CopyCheck(not problems, problems)
