"""Dates as the shopper reads them: one format per language, everywhere a reply shows a date.

English "Dec 2, 2026", Chinese "2026年12月2日". The web chat page formats the ISO dates in card payloads the same
way (Intl, en-US / zh-CN, month "short"), so a reply and its card never write one date two ways.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional, Union

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: Union[date, str, None], lang: str = "en", missing: str = "-") -> str:
    """`value` (a date, a datetime or an ISO "YYYY-MM-DD…" string) in `lang`'s format; `missing` when empty.

    Built by hand rather than with strftime so the result does not depend on the process's locale.
    """
    day = _as_date(value)
    if day is None:
        return missing
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def _as_date(value: Union[date, str, None]) -> Optional[date]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # a bad string is a bug upstream: let it raise
