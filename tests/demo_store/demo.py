"""The demo store's files and vocabulary, as the demo data tests read them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "data" / "store"
SOURCE = STORE / "source"
POLICY_NAMES = ["shipping", "returns", "payment", "warranty", "membership", "privacy"]
LANGS = ["en", "zh"]

VOCABULARY = yaml.safe_load((SOURCE / "vocabulary.yml").read_text(encoding="utf-8"))
CATEGORIES = VOCABULARY["categories"]
COLOURS = set(VOCABULARY["colors"])
SIZES = (set(VOCABULARY["apparel_sizes"]) | {"one size"}
         | {str(n) for n in range(VOCABULARY["shoe_sizes"]["min"], VOCABULARY["shoe_sizes"]["max"] + 1)})
BRANDS = set(VOCABULARY["brands"])
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def policy(lang: str, name: str) -> str:
    return (STORE / "policies" / lang / f"{name}.md").read_text(encoding="utf-8")


def money(x: float) -> str:
    """75 -> '75', 5.95 -> '5.95'."""
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}"


def cents(x: float) -> int:
    return int(round(x * 100))
