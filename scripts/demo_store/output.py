"""Turning the built store into the exact text of catalog.jsonl, customers.json and orders.json."""
from __future__ import annotations

import json
from pathlib import Path

FILES = ("catalog.jsonl", "customers.json", "orders.json")


def render_files(catalog: list[dict], customers: list[dict], orders: list[dict]) -> dict[str, str]:
    """The text of each output file, keyed by file name (UTF-8 JSON, Chinese kept as is)."""
    return {
        "catalog.jsonl": "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in catalog),
        "customers.json": json.dumps(customers, ensure_ascii=False, indent=2) + "\n",
        "orders.json": json.dumps(orders, ensure_ascii=False, indent=2) + "\n",
    }


def write_files(out_dir: Path, files: dict[str, str]) -> None:
    """Write each file into `out_dir` (created if needed), replacing what was there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
