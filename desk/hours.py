"""Whether the store's team is at work now, from `contact.opening_hours` in store.yml (in the store's time zone)."""

from __future__ import annotations

from datetime import datetime, time as clock
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import yaml

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_hours(store_yml: Path) -> tuple[ZoneInfo, dict[str, Optional[tuple[clock, clock]]]]:
    data = yaml.safe_load(Path(store_yml).read_text(encoding="utf-8")) or {}
    zone = ZoneInfo(str(data.get("timezone") or "UTC"))
    table = ((data.get("contact") or {}).get("opening_hours")) or {}
    hours: dict[str, Optional[tuple[clock, clock]]] = {}
    for day in DAYS:
        span = table.get(day)
        if isinstance(span, list) and len(span) == 2:
            hours[day] = (clock.fromisoformat(str(span[0])), clock.fromisoformat(str(span[1])))
        else:
            hours[day] = None  # "closed", or not listed
    return zone, hours


def is_open(setting: str, store_yml: Path, now: Optional[datetime] = None) -> bool:
    """`setting` is "always", "never" or "store.yml"; a store.yml without opening hours counts as always open."""
    if setting in ("always", "never"):
        return setting == "always"
    try:
        zone, hours = opening_hours(store_yml)
    except (OSError, ValueError, yaml.YAMLError):
        return True
    if not any(hours.values()):
        return True
    local = (now or datetime.now(tz=zone)).astimezone(zone)
    span = hours[DAYS[local.weekday()]]
    return bool(span) and span[0] <= local.time() < span[1]
