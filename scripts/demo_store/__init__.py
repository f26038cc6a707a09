"""The Tidepool Outfitters demo store, built from hand-written YAML into data/store/.

Product names, descriptions, customers and the pinned orders are written by hand in
data/store/source/; this package checks them and adds the mechanical parts deterministically
(ids, slugs, URLs, variant stock, missing ratings, the random orders) with a fixed random seed,
so building again gives byte-identical output:

    python -m scripts.demo_store             # writes data/store/{catalog.jsonl,customers.json,orders.json}
    python -m scripts.demo_store --out DIR   # writes them into DIR instead

Standard library + PyYAML only.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .catalog import build_catalog
from .orders import SHIPPING, build_orders, pinned_ids
from .output import FILES, render_files, write_files
from .problems import SourceError
from .source import Source, load_source

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "data" / "store" / "source"
OUT_DIR = ROOT / "data" / "store"
SEED = 20240521

__all__ = ["FILES", "OUT_DIR", "SEED", "SOURCE_DIR", "DemoStore", "SourceError", "generate", "load",
           "render_files", "write_files"]


@dataclass(frozen=True)
class DemoStore:
    """The built store: the three output record lists plus the id each pinned order received."""

    catalog: list[dict]
    customers: list[dict]
    orders: list[dict]
    pinned: dict[str, str]

    def files(self) -> dict[str, str]:
        """The exact text of catalog.jsonl, customers.json and orders.json."""
        return render_files(self.catalog, self.customers, self.orders)


def load(source_dir: Path = SOURCE_DIR) -> Source:
    """The checked contents of `source_dir`; raises SourceError listing every problem."""
    return load_source(source_dir, list(SHIPPING))


def generate(source_dir: Path = SOURCE_DIR) -> DemoStore:
    """The store built from `source_dir`; the same files always give the same result."""
    source = load(source_dir)
    rng = random.Random(SEED)
    catalog = build_catalog(rng, source.products, source.vocabulary)
    orders = build_orders(rng, catalog, source.customers, source.orders)
    return DemoStore(catalog=catalog, customers=source.customers, orders=orders,
                     pinned=pinned_ids(orders, source.orders))
