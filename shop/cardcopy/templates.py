"""The three copy variants' template lines, built only from a product's facts, in English and Chinese.

  benefit  the product attribute that matches the shopper's stated need ("Waterproof to 20,000 mm.")
  social   the rating ("Rated 4.7★ by shoppers.")
  deal     the running promotion on the card, else the price ("Just $149.00.")
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from shop.cardcopy.facts import Facts, as_number, format_price, format_value
from shop.cardcopy.variants import VARIANTS

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



# Profile fields that say what the shopper needs the product for (actions/shopper_profile.py keeps "uses", newest
# first).
NEED_KEYS = ("needs", "need", "uses", "use", "activity", "activities", "query", "text")


def profile_needs(profile: Optional[Mapping[str, Any]]) -> List[str]:
    """The stated needs in the profile, newest first; names, emails and colours are not needs."""
    needs: List[str] = []
    for key in NEED_KEYS:
        value = (profile or {}).get(key)
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, str) and v.strip():
                needs.append(v)
    return needs


def usable(key: str, value: Any) -> bool:
    """Whether an attribute's value can lead a line: a true flag, a non-empty text, or a number (0 only for
    temperatures)."""
    if key in ("waterproof", "insulated"):
        return value is True
    if key in ("material", "battery", "ip_rating"):
        return isinstance(value, str) and bool(value.strip())
    number = as_number(value)
    return number is not None and (number != 0 or key in ("temp_rating_c", "comfort_c"))


def benefit_attribute(facts: Facts, profile: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """The attribute a benefit line leads with: the first that answers a stated need, else the most telling one."""
    for need in profile_needs(profile):
        for pattern, keys in NEEDS:
            if pattern.search(need):
                for key in keys:
                    if usable(key, facts.attributes.get(key)):
                        return key
    return next((k for k in DEFAULT_LEADS if usable(k, facts.attributes.get(k))), None)


def _lead(key: str, value: Any, lang: str) -> str:
    en, zh = LEADS[key]
    shown = format_value(value) if as_number(value) is not None else str(value).strip()
    return (zh if lang == "zh" else en).format(v=shown)


def _end(text: str, lang: str) -> str:
    return text + ("。" if lang == "zh" else ".")


def _price_line(facts: Facts, lang: str) -> str:
    if facts.price is None:
        return ""
    price = format_price(facts.price, facts.currency)
    was = as_number(facts.attributes.get("was_price"))
    if was and was > facts.price:
        was_text = format_price(was, facts.currency)
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
    if key != "material" and lang != "zh" and usable("material", material) and len(line) + len(material) < 70:
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
