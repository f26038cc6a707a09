"""Marketing copy for product cards that learns from clicks.

Three variants of the one line a product card leads with, in English and Chinese:
  benefit  the product attribute that matches the shopper's stated need ("Waterproof to 20,000 mm.")
  social   the rating ("Rated 4.7★ by shoppers.")
  deal     the running promotion on the card, else the price ("Just $149.00.")
Every fact comes from the product's own data (card fields, catalogue attributes, the promotion the rules attached);
`check_copy` verifies a line's numbers, prices, ratings, materials and claims against that data, and is also what
the operator's `python -m knowledge copy` uses to vet model-written lines.

Which variant a conversation sees is chosen once and kept (`choose_variant`): by Thompson sampling over the
impressions and clicks recorded so far (COPY_POLICY=bandit, the default) or uniformly at random (COPY_POLICY=ab).
An operator-reviewed line in data/store/copy.jsonl replaces the template when it still passes the check.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from actions import config
from actions.api import copy_events
from actions.api.copy_events import VARIANTS
from actions.api.store import format_money

log = logging.getLogger(__name__)

POLICIES = ("bandit", "ab")
_rng = random.Random()
_rng_lock = threading.Lock()

# ---------- facts ----------


@dataclass
class Facts:
    """What a copy line may say about one product, gathered from the card and the catalogue."""

    id: str
    name: str
    price: Optional[float]
    currency: str
    rating: Optional[float]
    attributes: Dict[str, Any]
    promotion: Optional[Dict[str, Any]]
    texts: List[str] = field(default_factory=list)  # names, descriptions, string attributes, promotion words


_catalog_cache: Dict[str, Any] = {"key": None, "rows": {}}
_catalog_lock = threading.Lock()


def _catalog(path: Optional[Path] = None) -> Dict[str, Dict[str, Any]]:
    """product id -> catalogue row, reread when the file changes; empty when the store has no catalogue file."""
    path = Path(path or config.STORE_DATA_DIR / "catalog.jsonl")
    try:
        stat = path.stat()
    except OSError:
        return {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _catalog_lock:
        if _catalog_cache["key"] != key:
            rows = {}
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        row = json.loads(line)
                        rows[str(row.get("id"))] = row
            _catalog_cache.update(key=key, rows=rows)
        return _catalog_cache["rows"]


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def facts_of(item: Mapping[str, Any], catalog: Optional[Mapping[str, Dict[str, Any]]] = None) -> Facts:
    """The card's fields, completed from the catalogue row with the same id (rating, attributes, descriptions).

    The card wins where both have a field: it carries the live price and the promotion the rules attached.
    """
    row = dict((catalog if catalog is not None else _catalog()).get(str(item.get("id")), {}))
    attributes = dict(row.get("attributes") or {})
    attributes.update(item.get("attributes") or {})
    rating = _number(item.get("rating", row.get("rating", attributes.get("rating"))))
    promotion = item.get("promotion") if isinstance(item.get("promotion"), Mapping) else None
    names = ("name", "name_zh", "brand", "category", "description", "description_zh")
    texts = [str(source[k]) for source in (item, row) for k in names if source.get(k)]
    for key, value in attributes.items():
        if key in ("colors", "sizes", "variants"):
            continue
        if isinstance(value, (list, tuple)):
            texts.extend(str(v) for v in value)
        elif isinstance(value, str):
            texts.append(value)
    if attributes.get("final_sale"):
        texts += ["Final sale", "清仓特卖，不退不换"]
    if promotion:
        texts.extend(str(promotion.get(k)) for k in ("code", "title", "summary") if promotion.get(k))
    return Facts(
        id=str(item.get("id") or row.get("id") or ""),
        name=str(item.get("name") or row.get("name") or ""),
        price=_number(item.get("price", row.get("price"))),
        currency=str(item.get("currency") or row.get("currency") or "USD"),
        rating=rating,
        attributes=attributes,
        promotion=promotion,
        texts=texts,
    )


# ---------- templates ----------


def _fmt(value: Any) -> str:
    """20000 -> '20,000', 2.0 -> '2', 0.35 -> '0.35'."""
    number = _number(value)
    if number is None:
        return str(value)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _money(amount: Optional[float], currency: str) -> str:
    return format_money(int(round(amount * 100)), currency) if amount is not None else ""


# attribute -> (English, Chinese) lead; {v} is the formatted value. Only attributes with a usable value lead.
LEADS: Dict[str, Tuple[str, str]] = {
    "waterproof_rating_mm": ("Waterproof to {v} mm", "防水指数 {v} 毫米"),
    "waterproof": ("Waterproof", "防水"),
    "weight_g": ("Weighs {v} g", "重 {v} 克"),
    "capacity_l": ("{v} L capacity", "容量 {v} 升"),
    "persons": ("For {v} people", "适合 {v} 人"),
    "floor_area_m2": ("{v} m² of floor space", "占地面积 {v} 平方米"),
    "seasons": ("{v}-season", "{v} 季"),
    "temp_rating_c": ("Rated to {v} °C", "温标 {v}°C"),
    "comfort_c": ("Comfortable to {v} °C", "舒适温度 {v}°C"),
    "fill_power": ("Fill power {v}", "蓬松度 {v}"),
    "insulated": ("Insulated", "保温"),
    "r_value": ("R-value {v}", "R 值 {v}"),
    "upf": ("UPF {v} sun protection", "UPF {v} 防晒"),
    "lumens": ("{v} lumens", "亮度 {v} 流明"),
    "runtime_h_high": ("{v} h on high", "高亮续航 {v} 小时"),
    "battery": ("Battery: {v}", "电池：{v}"),
    "ip_rating": ("Rated {v}", "防护等级 {v}"),
    "filter_liters": ("Filters {v} L", "可过滤 {v} 升"),
    "max_load_kg": ("Holds up to {v} kg", "最大承重 {v} 公斤"),
    "material": ("Made of {v}", "材质：{v}"),
}
# The shopper's need (any words in the profile) -> the attributes that answer it, best first.
NEEDS: List[Tuple[re.Pattern, Tuple[str, ...]]] = [
    (re.compile(r"(?i)waterproof|rain|wet|storm|防水|下雨|雨"), ("waterproof_rating_mm", "waterproof")),
    (re.compile(r"(?i)\blight(?:weight)?\b|ultralight|weigh|carry|轻"), ("weight_g",)),
    (
        re.compile(r"(?i)warm|cold|winter|snow|freez|insulat|保暖|寒|冬|冷|暖"),
        ("temp_rating_c", "comfort_c", "fill_power", "insulated", "r_value"),
    ),
    (re.compile(r"(?i)family|group|people|persons|friends|家庭|家人|多人"), ("persons", "floor_area_m2")),
    (re.compile(r"(?i)capacity|space|roomy|\bbig\b|large|storage|容量|大容量|能装"), ("capacity_l", "floor_area_m2")),
    (re.compile(r"(?i)\bsun\b|\buv\b|upf|防晒|晒|紫外"), ("upf",)),
    (re.compile(r"(?i)bright|lumen|headlamp|lantern|night|dark|亮|照明|夜"), ("lumens", "runtime_h_high")),
    (re.compile(r"(?i)battery|charg|runtime|续航|电池|充电"), ("runtime_h_high", "battery")),
    (re.compile(r"(?i)filter|clean water|过滤|净水"), ("filter_liters",)),
    (re.compile(r"(?i)season|季"), ("seasons",)),
    (re.compile(r"(?i)heavy|load|承重"), ("max_load_kg",)),
    (re.compile(r"(?i)material|fabric|wool|nylon|merino|面料|材质|羊毛"), ("material",)),
]
# Without a stated need: the most telling attribute the product has.
DEFAULT_LEADS = (
    "waterproof_rating_mm", "fill_power", "temp_rating_c", "comfort_c", "lumens", "upf", "capacity_l", "persons",
    "filter_liters", "r_value", "waterproof", "insulated", "weight_g", "material",
)


# Profile fields that say what the shopper needs the product for (actions/profile.py keeps "uses", newest first).
NEED_KEYS = ("needs", "need", "uses", "use", "activity", "activities", "query", "text")


def _profile_needs(profile: Optional[Mapping[str, Any]]) -> List[str]:
    """The stated needs in the profile, newest first; names, emails and colours are not needs."""
    needs: List[str] = []
    for key in NEED_KEYS:
        value = (profile or {}).get(key)
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, str) and v.strip():
                needs.append(v)
    return needs


def _usable(key: str, value: Any) -> bool:
    if key in ("waterproof", "insulated"):
        return value is True
    if key in ("material", "battery", "ip_rating"):
        return isinstance(value, str) and bool(value.strip())
    number = _number(value)
    return number is not None and (number != 0 or key in ("temp_rating_c", "comfort_c"))


def benefit_attribute(facts: Facts, profile: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """The attribute a benefit line leads with: the first that answers a stated need, else the most telling one."""
    for need in _profile_needs(profile):
        for pattern, keys in NEEDS:
            if pattern.search(need):
                for key in keys:
                    if _usable(key, facts.attributes.get(key)):
                        return key
    return next((k for k in DEFAULT_LEADS if _usable(k, facts.attributes.get(k))), None)


def _lead(key: str, value: Any, lang: str) -> str:
    en, zh = LEADS[key]
    return (zh if lang == "zh" else en).format(v=_fmt(value) if _number(value) is not None else str(value).strip())


def _end(text: str, lang: str) -> str:
    return text + ("。" if lang == "zh" else ".")


def _price_line(facts: Facts, lang: str) -> str:
    if facts.price is None:
        return ""
    price = _money(facts.price, facts.currency)
    was = _number(facts.attributes.get("was_price"))
    if was and was > facts.price:
        was_text = _money(was, facts.currency)
        if facts.attributes.get("final_sale"):
            return (
                f"现价 {price}，原价 {was_text}（清仓特卖，不退不换）。"
                if lang == "zh"
                else f"Now {price}, was {was_text} (Final sale)."
            )
        return f"现价 {price}，原价 {was_text}。" if lang == "zh" else f"Now {price}, was {was_text}."
    return f"仅售 {price}。" if lang == "zh" else f"Just {price}."


def _social(facts: Facts, lang: str) -> str:
    if not facts.rating:
        return ""
    return f"买家评分 {facts.rating:.1f}★。" if lang == "zh" else f"Rated {facts.rating:.1f}★ by shoppers."


def _benefit(facts: Facts, lang: str, profile: Optional[Mapping[str, Any]]) -> str:
    key = benefit_attribute(facts, profile)
    if key is None:
        return ""
    line = _lead(key, facts.attributes[key], lang)
    material = facts.attributes.get("material")
    if key != "material" and lang != "zh" and _usable("material", material) and len(line) + len(material) < 70:
        line += f", {material.strip()}"  # the data's material words are English: only English lines add them
    return _end(line, lang)


def _deal(facts: Facts, lang: str) -> str:
    promo = facts.promotion
    if promo and promo.get("summary"):
        title, code, summary = str(promo.get("title") or ""), promo.get("code"), str(promo["summary"])
        if lang == "zh":
            head = f"{title}（优惠码 {code}）" if code else title
            return _end(f"{head}：{summary}" if head else summary, lang)
        head = f"{title}, code {code}" if code else title
        return _end(f"{head}: {summary}" if head else summary, lang)
    return _price_line(facts, lang)


def template_line(variant: str, facts: Facts, lang: str, profile: Optional[Mapping[str, Any]] = None) -> str:
    """The template line for one variant; a variant without its fact falls back to the others, '' if none."""
    lang = "zh" if lang == "zh" else "en"
    makers = {
        "benefit": lambda: _benefit(facts, lang, profile),
        "social": lambda: _social(facts, lang),
        "deal": lambda: _deal(facts, lang),
    }
    if variant not in makers:
        raise ValueError(f"unknown copy variant {variant!r} ({', '.join(VARIANTS)})")
    for name in [variant] + [v for v in VARIANTS if v != variant]:
        line = makers[name]()
        if line:
            return line
    return ""


# ---------- the fact check ----------


@dataclass
class CopyCheck:
    ok: bool
    problems: List[str]


NUMBER = re.compile(r"(?<![A-Za-z0-9.,])\d+(?:[.,]\d+)*")  # as in knowledge/checks.py; "IPX4" is a code
NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "twelve": "12", "twenty": "20", "hundred": "100",
}  # not "one": "one-hand", "the one you need" are no claims
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A Chinese numeral counts only before a measure word ("两人", "四季"), not in "一款" or "一流".
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


def _numbers(text: str) -> set:
    """Numbers in `text`, normalised as knowledge/checks.py does: '1,299.00' -> '1299', '4.50' -> '4.5'."""
    found = set()
    for raw in NUMBER.findall(text):
        n = raw.replace(",", "")
        if "." in n:
            n = n.rstrip("0").rstrip(".")
        found.add(n or "0")
    low = text.lower()
    for word, digit in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", low):
            found.add(digit)
    for numeral in CN_NUMBER.findall(text):
        value = _cn_number(numeral)
        if value is not None:
            found.add(str(value))
    return found


def _cn_number(numeral: str) -> Optional[int]:
    if "十" not in numeral:
        return CN_DIGITS.get(numeral) if len(numeral) == 1 else None
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return CN_DIGITS.get(tens, 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)


def _norm(number: str) -> str:
    return _numbers(number).pop() if _numbers(number) else number


def _evidence(facts: Facts) -> Tuple[str, set, set, set]:
    """(text, numbers, money amounts, percentages) the data supports."""
    values: List[str] = list(facts.texts)
    for key, value in facts.attributes.items():
        if key in ("colors", "sizes", "variants"):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(_fmt(value))
            values.append(str(value))
    for number in (facts.price, facts.rating):
        if number is not None:
            values += [_fmt(number), f"{number:.2f}"]
    text = "\n".join(values)
    money = {_norm(_fmt(v)) for v in (facts.price, _number(facts.attributes.get("was_price"))) if v is not None}
    for match in MONEY.finditer("\n".join(facts.texts)):
        money.add(_norm(match.group(1) or match.group(2)))
    percents = {_norm(m) for m in PERCENT.findall(text)}
    return text, _numbers(text), money, percents


def check_copy(line: str, facts: Facts) -> CopyCheck:
    """Is every number, price, rating, percentage, code, material and claim in `line` backed by the product data?"""
    problems: List[str] = []
    text, numbers, money, percents = _evidence(facts)
    low_text = text.lower()
    for n in sorted(_numbers(line) - numbers):
        problems.append(f"number {n} is not in the product data")
    for match in MONEY.finditer(line):
        amount = _norm(match.group(1) or match.group(2))
        if amount not in money:
            problems.append(f"price {match.group(0).strip()} is not the product's price or a promotion amount")
    for match in RATING.finditer(line):
        value = _number(match.group(1) or match.group(2))
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
    persons = _number(attributes.get("persons"))
    for match in PERSONS.finditer(line):
        raw = next(g for g in match.groups() if g)
        said = _cn_number(raw) if raw[0] in CN_DIGITS else _number(NUMBER_WORDS.get(raw.lower(), raw))
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
    if deal and not (facts.promotion or _number(attributes.get("was_price"))):
        problems.append(f"talks about a deal ({deal.group(0).strip()!r}) but no promotion applies")
    return CopyCheck(not problems, problems)


# ---------- reviewed copy file ----------

_reviewed_cache: Dict[str, Any] = {"key": None, "lines": {}}
_reviewed_lock = threading.Lock()


def reviewed_lines(path: Optional[Path] = None) -> Dict[Tuple[str, str, str], str]:
    """(product id, variant, lang) -> text from the operator's reviewed copy file; {} when there is none.

    Lines with "approved": false are skipped; a file the operator broke logs a warning and is ignored.
    """
    path = Path(path or config.COPY_FILE)
    try:
        stat = path.stat()
    except OSError:
        return {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _reviewed_lock:
        if _reviewed_cache["key"] != key:
            lines: Dict[Tuple[str, str, str], str] = {}
            with path.open(encoding="utf-8") as rows:
                for number, raw in enumerate(rows, 1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw)
                        if row.get("field", "copy") != "copy" or row.get("approved") is False:
                            continue
                        if row["variant"] in VARIANTS and str(row.get("text") or "").strip():
                            lines[(str(row["id"]), row["variant"], row.get("lang") or "en")] = row["text"].strip()
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        log.warning("copy file %s line %d ignored: %s", path, number, exc)
            _reviewed_cache.update(key=key, lines=lines)
        return _reviewed_cache["lines"]


# ---------- public API ----------


def copy_line(variant: str, item: Mapping[str, Any], lang: str, profile: Optional[Mapping[str, Any]] = None) -> str:
    """The card's copy line for `variant` in `lang` ('en'/'zh').

    `item` is a products-card item ({"id","name","price","currency","url","image","reason", "promotion"?});
    rating and attributes come from the catalogue row with the same id unless the item carries them.
    `profile` is the shopper profile (actions/profile.py): its stated needs ("uses", "needs", newest first) pick
    the attribute a benefit line leads with ("for rainy hikes" -> the waterproof rating).
    A reviewed line from the copy file wins when it still passes `check_copy` against today's data (a price
    may have changed since review); a deal line on a card with a live promotion always comes from the rules.
    """
    lang = "zh" if lang == "zh" else "en"
    if variant not in VARIANTS:
        raise ValueError(f"unknown copy variant {variant!r} ({', '.join(VARIANTS)})")
    facts = facts_of(item)
    reviewed = reviewed_lines().get((facts.id, variant, lang))
    if reviewed and not (variant == "deal" and facts.promotion):
        verdict = check_copy(reviewed, facts)
        if verdict.ok:
            return reviewed
        log.warning("reviewed copy for %s/%s/%s no longer matches the data: %s", facts.id, variant, lang,
                    "; ".join(verdict.problems))
    return template_line(variant, facts, lang, profile)


def thompson_pick(counts: Mapping[str, Mapping[str, int]], rng: random.Random) -> str:
    """One Thompson-sampling draw: Beta(1 + clicks, 1 + impressions - clicks) per variant, highest draw wins."""
    best, best_draw = VARIANTS[0], -1.0
    for variant in VARIANTS:
        shown = int(counts.get(variant, {}).get("impressions", 0))
        clicked = min(int(counts.get(variant, {}).get("clicks", 0)), shown)
        draw = rng.betavariate(1 + clicked, 1 + shown - clicked)
        if draw > best_draw:
            best, best_draw = variant, draw
    return best


def thompson_shares(counts: Mapping[str, Mapping[str, int]], draws: int = 10_000, seed: int = 0) -> Dict[str, float]:
    """The share of new conversations the bandit would give each variant now (P(variant draws highest))."""
    rng = random.Random(seed)
    wins = {v: 0 for v in VARIANTS}
    for _ in range(draws):
        wins[thompson_pick(counts, rng)] += 1
    return {v: wins[v] / draws for v in VARIANTS}


STATS_TTL_S = 30.0  # the bandit's counts are re-read at most this often (a COUNT DISTINCT over all events)
_stats_cache: Dict[str, Tuple[float, Dict[str, Dict[str, int]]]] = {}


def _recent_stats(db_path: Path) -> Dict[str, Dict[str, int]]:
    key, now = str(db_path), time.monotonic()
    cached = _stats_cache.get(key)
    if cached is None or now - cached[0] > STATS_TTL_S:
        cached = (now, copy_events.stats(db_path))
        _stats_cache[key] = cached
    return cached[1]


def _policy(policy: Optional[str]) -> str:
    chosen = (policy or config.COPY_POLICY or "bandit").strip().lower()
    if chosen not in POLICIES:
        log.warning("COPY_POLICY=%r is not one of %s; using bandit", chosen, ", ".join(POLICIES))
        return "bandit"
    return chosen


def choose_variant(
    conversation_id: str,
    *,
    policy: Optional[str] = None,
    db_path: Optional[Path] = None,
    rng: Optional[random.Random] = None,
) -> str:
    """The copy variant for this conversation: the one it already has, else a new draw that is stored.

    policy: "bandit" (Thompson sampling over recorded impressions/clicks) or "ab" (uniform); default COPY_POLICY.
    If the event store cannot be written the conversation still gets a variant (a stable hash of its id), and the
    problem is logged: the copy experiment never breaks a reply.
    """
    db_path = Path(db_path or config.COPY_EVENTS_DB)
    policy = _policy(policy)
    try:
        known = copy_events.assigned_variant(db_path, conversation_id)
        if known in VARIANTS:
            return known
        if policy == "ab":
            with _rng_lock:
                variant = (rng or _rng).choice(VARIANTS)
        else:
            counts = _recent_stats(db_path)
            with _rng_lock:
                variant = thompson_pick(counts, rng or _rng)
        return copy_events.assign(db_path, conversation_id, variant, policy)
    except (sqlite3.Error, OSError) as exc:
        log.warning("copy variant for %r not stored (%s): using a fixed one", conversation_id, exc)
        digest = hashlib.sha256(str(conversation_id).encode()).digest()
        return VARIANTS[digest[0] % len(VARIANTS)]


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> Tuple[float, float]:
    """95% (z=1.96) Wilson score interval for a proportion; (0, 0) when there are no trials."""
    if trials <= 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def all_lines(item: Mapping[str, Any], lang: str, profile: Optional[Mapping[str, Any]] = None) -> Dict[str, str]:
    """Every variant's line for one card (previews, tests)."""
    return {v: copy_line(v, item, lang, profile) for v in VARIANTS}


__all__ = [
    "VARIANTS", "POLICIES", "Facts", "CopyCheck", "facts_of", "template_line", "check_copy", "copy_line",
    "choose_variant", "thompson_pick", "thompson_shares", "wilson_interval", "reviewed_lines", "all_lines",
]
