"""What a product card's copy line may say about one product: its facts, gathered from the card and the store's
product record, and the number formatting lines and checks share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from shop.money import format_amount
from shop.settings import DEFAULT_CURRENCY


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



def as_number(value: Any) -> Optional[float]:
    """A finite float from a number or numeric string; None for booleans, blanks and anything else."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def facts_of(item: Mapping[str, Any], record: Optional[Mapping[str, Any]] = None) -> Facts:
    """The card's fields, completed from the product's record in the store (rating, attributes, descriptions).

    The card wins where both have a field: it carries the live price and the promotion the rules attached.
    """
    row = dict(record or {})
    attributes = dict(row.get("attributes") or {})
    attributes.update(item.get("attributes") or {})
    rating = as_number(item.get("rating", row.get("rating", attributes.get("rating"))))
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
        price=as_number(item.get("price", row.get("price"))),
        currency=str(item.get("currency") or row.get("currency") or DEFAULT_CURRENCY),
        rating=rating,
        attributes=attributes,
        promotion=promotion,
        texts=texts,
    )




def format_value(value: Any) -> str:
    """20000 -> '20,000', 2.0 -> '2', 0.35 -> '0.35'."""
    number = as_number(value)
    if number is None:
        return str(value)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def format_price(amount: Optional[float], currency: str) -> str:
    """'$149.00' in the card's currency; '' when the price is unknown."""
    return format_amount(amount, currency) if amount is not None else ""
