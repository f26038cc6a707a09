"""The store's own facts every service shows: its name and currency, read from store.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class StoreSettings:
    """What every service shows of the store: its name in English and Chinese, and the currency of its prices."""

    name: str
    name_zh: str
    currency: str

    def display_name(self, language: str) -> str:
        """The store's name in the shopper's language."""
        return self.name_zh if language == "zh" and self.name_zh else self.name


@lru_cache(maxsize=8)
def store_settings(store_yml: Path) -> StoreSettings:
    """Name and currency from `store_yml`; a missing file or key falls back to a neutral store in USD."""
    try:
        data = yaml.safe_load(Path(store_yml).read_text(encoding="utf-8")) or {}
    except OSError:
        data = {}
    name = str(data.get("name") or "Our store")
    return StoreSettings(
        name=name,
        name_zh=str(data.get("name_zh") or name),
        currency=str(data.get("currency") or DEFAULT_CURRENCY).upper(),
    )
