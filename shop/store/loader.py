"""Loads the operator's store files into the embedded SQLite store.

`python -m shop.store load [--data DIR] [--db FILE]` (re)builds the database from `store.yml`, `catalog.jsonl`,
`customers.json` and `orders.json`. Order dates in the seed are day offsets, materialised against today's date so
the demo's return windows stay meaningful.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Optional

from shop.settings import store_settings

SCHEMA = """
CREATE TABLE products (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_zh TEXT, description TEXT, description_zh TEXT,
    category TEXT, brand TEXT, price_cents INTEGER NOT NULL, currency TEXT, url TEXT, image TEXT,
    attributes TEXT, final_sale INTEGER NOT NULL DEFAULT 0, rating REAL, popularity INTEGER
);
CREATE TABLE variants (
    product_id TEXT REFERENCES products(id), color TEXT, size TEXT, stock INTEGER NOT NULL
);
CREATE TABLE customers (
    id TEXT PRIMARY KEY, name TEXT, email TEXT NOT NULL, phone TEXT, language TEXT,
    membership_tier TEXT, address TEXT
);
CREATE TABLE orders (
    id TEXT PRIMARY KEY, customer_id TEXT REFERENCES customers(id), email TEXT NOT NULL,
    status TEXT NOT NULL, placed_on TEXT, shipped_on TEXT, delivered_on TEXT, eta TEXT,
    carrier TEXT, tracking_number TEXT, shipping_method TEXT, shipping_address TEXT,
    shipping_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL, currency TEXT,
    payment_method TEXT, updated_at TEXT
);
CREATE TABLE order_items (
    order_id TEXT REFERENCES orders(id), product_id TEXT, name TEXT, color TEXT, size TEXT,
    quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE returns (
    id TEXT PRIMARY KEY, order_id TEXT REFERENCES orders(id), reason TEXT, status TEXT,
    created_at TEXT
);
CREATE TABLE return_items (return_id TEXT REFERENCES returns(id), product_id TEXT);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, conversation_id TEXT, order_id TEXT, language TEXT,
    text TEXT, status TEXT NOT NULL DEFAULT 'open', created_at TEXT
);
"""
# Shopper data, not store data: created on first use and carried over when the store files are reloaded.
PROFILES = """CREATE TABLE IF NOT EXISTS shopper_profiles (
    shopper_id TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at TEXT NOT NULL
)"""
# Shoppers' photos (attachments): shopper data too, created on first use and carried over on reload. The bytes are
# the web chat's re-encoded copy (no EXIF); `linked_kind`/`linked_id` name the return or complaint it belongs to.
ATTACHMENTS = (
    """CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, content_type TEXT NOT NULL, data BLOB NOT NULL,
    byte_size INTEGER NOT NULL, linked_kind TEXT, linked_id TEXT, created_at TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS attachments_by_conversation ON attachments (conversation_id)",
)
ATTACHMENT_COLUMNS = "id, conversation_id, content_type, data, byte_size, linked_kind, linked_id, created_at"


def _cents(amount: float) -> int:
    return int(round(float(amount) * 100))


def _days_ago(today: date, days: Optional[int]) -> Optional[str]:
    return None if days is None else (today - timedelta(days=int(days))).isoformat()


def load_store(data_dir: Path, db_path: Path, today: Optional[date] = None) -> Dict[str, int]:
    """Rebuild `db_path` from the store files in `data_dir`; returns row counts."""
    today = today or date.today()
    currency = store_settings(data_dir / "store.yml").currency  # for rows that do not name their own
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_suffix(".loading")
    tmp_path.unlink(missing_ok=True)
    os.close(os.open(tmp_path, os.O_CREAT | os.O_WRONLY, 0o600))  # customers' e-mails and addresses: owner only
    db = sqlite3.connect(tmp_path)
    db.executescript(SCHEMA)

    with open(data_dir / "catalog.jsonl", encoding="utf-8") as lines:
        products = [json.loads(line) for line in lines if line.strip()]
    for p in products:
        attributes = p.get("attributes") or {}
        db.execute(
            "INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                p["id"],
                p["name"],
                p.get("name_zh"),
                p.get("description", ""),
                p.get("description_zh"),
                p.get("category"),
                p.get("brand"),
                _cents(p["price"]),
                p.get("currency") or currency,
                p.get("url"),
                p.get("image"),
                json.dumps(attributes, ensure_ascii=False),
                int(bool(attributes.get("final_sale"))),
                p.get("rating"),
                p.get("popularity", 0),
            ),
        )
        for v in p.get("variants", []):
            db.execute(
                "INSERT INTO variants VALUES (?,?,?,?)",
                (p["id"], v.get("color"), v.get("size"), int(v.get("stock", 0))),
            )

    customers = json.loads((data_dir / "customers.json").read_text(encoding="utf-8"))
    for c in customers:
        db.execute(
            "INSERT INTO customers VALUES (?,?,?,?,?,?,?)",
            (
                c["id"],
                c.get("name"),
                c["email"].lower(),
                c.get("phone"),
                c.get("language"),
                c.get("membership_tier"),
                json.dumps(c.get("address") or {}, ensure_ascii=False),
            ),
        )

    orders = json.loads((data_dir / "orders.json").read_text(encoding="utf-8"))
    for o in orders:
        shipped_days = o.get("shipped_days_ago")
        eta = None
        if o["status"] == "shipped" and o.get("eta_days") is not None:
            eta = (today + timedelta(days=int(o["eta_days"]))).isoformat()
        db.execute(
            "INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                o["id"],
                o.get("customer_id"),
                o["email"].lower(),
                o["status"],
                _days_ago(today, o.get("placed_days_ago", 0)),
                _days_ago(today, shipped_days),
                _days_ago(today, o.get("delivered_days_ago")),
                eta,
                o.get("carrier"),
                o.get("tracking_number"),
                o.get("shipping_method"),
                json.dumps(o.get("shipping_address") or {}, ensure_ascii=False),
                _cents(o.get("shipping_cost", 0)),
                _cents(o["total"]),
                o.get("currency") or currency,
                o.get("payment_method"),
                today.isoformat(),
            ),
        )
        for item in o["items"]:
            db.execute(
                "INSERT INTO order_items VALUES (?,?,?,?,?,?,?,?)",
                (
                    o["id"],
                    item["product_id"],
                    item.get("name"),
                    item.get("color"),
                    item.get("size"),
                    int(item["quantity"]),
                    _cents(item["unit_price"]),
                    int(o["status"] == "returned"),
                ),
            )
    db.execute(PROFILES)
    for statement in ATTACHMENTS:
        db.execute(statement)
    if db_path.exists():
        db.execute("ATTACH DATABASE ? AS old", (str(db_path),))
        if db.execute("SELECT 1 FROM old.sqlite_master WHERE name = 'shopper_profiles'").fetchone():
            db.execute("INSERT INTO shopper_profiles SELECT * FROM old.shopper_profiles")
        if db.execute("SELECT 1 FROM old.sqlite_master WHERE name = 'attachments'").fetchone():
            columns = ATTACHMENT_COLUMNS
            db.execute(f"INSERT INTO attachments ({columns}) SELECT {columns} FROM old.attachments")
        db.commit()
        db.execute("DETACH DATABASE old")
    db.commit()
    db.close()
    tmp_path.replace(db_path)  # readers never see a half-loaded database
    return {"products": len(products), "customers": len(customers), "orders": len(orders)}
