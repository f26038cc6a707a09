"""The embedded store backend: SQLite loaded from the operator's store files.

`python -m actions.api.sqlite_store load [--data DIR] [--db FILE]` (re)builds the database from
`store.yml`, `catalog.jsonl`, `customers.json` and `orders.json`. Order dates in the seed are day
offsets, materialised against today's date so the demo's return windows stay meaningful.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import yaml

from actions.api.store import (
    OPEN_STATES,
    Order,
    OrderItem,
    Product,
    ProductQuery,
    ReturnRequest,
    StoreBackend,
    StoreError,
)

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


def _cents(amount: float) -> int:
    return int(round(float(amount) * 100))


def _days_ago(today: date, days: Optional[int]) -> Optional[str]:
    return None if days is None else (today - timedelta(days=int(days))).isoformat()


def _date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


def load_store(data_dir: Path, db_path: Path, today: Optional[date] = None) -> Dict[str, int]:
    """Rebuild `db_path` from the store files in `data_dir`; returns row counts."""
    today = today or date.today()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_suffix(".loading")
    tmp_path.unlink(missing_ok=True)
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
                p.get("currency", "USD"),
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
                o.get("currency", "USD"),
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
    if db_path.exists():
        db.execute("ATTACH DATABASE ? AS old", (str(db_path),))
        if db.execute("SELECT 1 FROM old.sqlite_master WHERE name = 'shopper_profiles'").fetchone():
            db.execute("INSERT INTO shopper_profiles SELECT * FROM old.shopper_profiles")
        db.commit()
        db.execute("DETACH DATABASE old")
    db.commit()
    db.close()
    tmp_path.replace(db_path)  # readers never see a half-loaded database
    return {"products": len(products), "customers": len(customers), "orders": len(orders)}


class SqliteStore(StoreBackend):
    def __init__(self, db_path: Path, data_dir: Path) -> None:
        self.db_path = Path(db_path)
        self._info = yaml.safe_load((Path(data_dir) / "store.yml").read_text(encoding="utf-8"))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: cheap for SQLite, and safe across the action server's threads.
        db = sqlite3.connect(self.db_path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commit on success, roll back on error
                yield db
        finally:
            db.close()

    def store_info(self) -> Dict[str, Any]:
        return self._info

    def find_order(self, order_id: str, email: str) -> Optional[Order]:
        with self._db() as db:
            return self._load_order(db, order_id, email)

    def _load_order(self, db: sqlite3.Connection, order_id: str, email: Optional[str] = None) -> Optional[Order]:
        row = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None or (email is not None and row["email"] != email.strip().lower()):
            return None
        items = [
            OrderItem(
                product_id=i["product_id"],
                name=i["name"] or i["p_name"],
                name_zh=i["name_zh"],
                color=i["color"],
                size=i["size"],
                quantity=i["quantity"],
                unit_price_cents=i["unit_price_cents"],
                final_sale=bool(i["final_sale"]),
                returned=bool(i["returned"]),
            )
            for i in db.execute(
                "SELECT oi.*, p.name AS p_name, p.name_zh, COALESCE(p.final_sale, 0) AS final_sale "
                "FROM order_items oi LEFT JOIN products p ON p.id = oi.product_id "
                "WHERE oi.order_id = ? ORDER BY oi.rowid",
                (order_id,),
            )
        ]
        return Order(
            id=row["id"],
            email=row["email"],
            status=row["status"],
            placed_on=_date(row["placed_on"]),
            shipped_on=_date(row["shipped_on"]),
            delivered_on=_date(row["delivered_on"]),
            eta=_date(row["eta"]),
            carrier=row["carrier"],
            tracking_number=row["tracking_number"],
            shipping_method=row["shipping_method"],
            shipping_address=json.loads(row["shipping_address"] or "{}"),
            shipping_cents=row["shipping_cents"],
            total_cents=row["total_cents"],
            currency=row["currency"] or "USD",
            payment_method=row["payment_method"],
            items=items,
        )

    def _open_order(self, db: sqlite3.Connection, order_id: str) -> Order:
        order = self._load_order(db, order_id)
        if order is None:
            raise StoreError(f"unknown order {order_id}")
        if order.status not in OPEN_STATES:
            raise StoreError(f"order {order_id} is {order.status}")
        return order

    def cancel_order(self, order_id: str) -> Order:
        with self._db() as db:
            self._open_order(db, order_id)
            db.execute(
                "UPDATE orders SET status = 'cancelled', updated_at = ? WHERE id = ?",
                (date.today().isoformat(), order_id),
            )
            return self._load_order(db, order_id)

    def change_address(self, order_id: str, address: str) -> Order:
        with self._db() as db:
            order = self._open_order(db, order_id)
            new_address = dict(order.shipping_address, text=address.strip())
            db.execute(
                "UPDATE orders SET shipping_address = ?, updated_at = ? WHERE id = ?",
                (json.dumps(new_address, ensure_ascii=False), date.today().isoformat(), order_id),
            )
            return self._load_order(db, order_id)

    def change_quantity(self, order_id: str, product_id: str, quantity: int) -> Order:
        if not 1 <= quantity <= 10:
            raise StoreError("quantity must be between 1 and 10")
        with self._db() as db:
            order = self._open_order(db, order_id)
            line = next((i for i in order.items if i.product_id == product_id), None)
            if line is None:
                raise StoreError(f"{product_id} is not on order {order_id}")
            delta = (quantity - line.quantity) * line.unit_price_cents
            db.execute(
                "UPDATE order_items SET quantity = ? WHERE order_id = ? AND product_id = ?",
                (quantity, order_id, product_id),
            )
            db.execute(
                "UPDATE orders SET total_cents = total_cents + ?, updated_at = ? WHERE id = ?",
                (delta, date.today().isoformat(), order_id),
            )
            return self._load_order(db, order_id)

    def create_return(self, order_id: str, product_ids: List[str], reason: str) -> ReturnRequest:
        window_days = int(self._info["returns"]["window_days"])
        with self._db() as db:
            order = self._load_order(db, order_id)
            if order is None:
                raise StoreError(f"unknown order {order_id}")
            eligible = {i.product_id: i for i in order.returnable_items(window_days, date.today())}
            chosen = [eligible[p] for p in product_ids if p in eligible]
            if not chosen or len(chosen) != len(product_ids):
                raise StoreError(f"items {product_ids} of {order_id} cannot be returned")
            return_id = "R" + uuid.uuid4().hex[:8].upper()
            db.execute(
                "INSERT INTO returns VALUES (?,?,?,?,?)",
                (return_id, order_id, reason.strip(), "awaiting_items", date.today().isoformat()),
            )
            for item in chosen:
                db.execute("INSERT INTO return_items VALUES (?,?)", (return_id, item.product_id))
                db.execute(
                    "UPDATE order_items SET returned = 1 WHERE order_id = ? AND product_id = ?",
                    (order_id, item.product_id),
                )
            return ReturnRequest(return_id, order_id, chosen, reason.strip(), "awaiting_items")

    def create_ticket(
        self,
        kind: str,
        conversation_id: str,
        text: str,
        order_id: Optional[str] = None,
        language: str = "en",
    ) -> str:
        ticket_id = ("C" if kind == "complaint" else "H") + uuid.uuid4().hex[:8].upper()
        with self._db() as db:
            db.execute(
                "INSERT INTO tickets (id, kind, conversation_id, order_id, language, text, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (ticket_id, kind, conversation_id, order_id, language, text, date.today().isoformat()),
            )
        return ticket_id

    def search_products(self, query: ProductQuery) -> List[Product]:
        where, params = ["1 = 1"], []
        for column, value in (("category", query.category), ("lower(brand)", query.brand)):
            if value:
                where.append(f"{column} = ?")
                params.append(value.lower() if column.startswith("lower") else value)
        if query.max_price_cents is not None:
            where.append("price_cents <= ?")
            params.append(query.max_price_cents)
        stock_filter = ["v.product_id = p.id", "v.stock > 0"]
        stock_params: List[Any] = []
        if query.color:
            stock_filter.append("lower(v.color) = ?")
            stock_params.append(query.color.lower())
        if query.size:
            stock_filter.append("upper(v.size) = ?")
            stock_params.append(query.size.upper())
        sql = (
            f"SELECT p.* FROM products p WHERE {' AND '.join(where)} "
            f"AND EXISTS (SELECT 1 FROM variants v WHERE {' AND '.join(stock_filter)}) "
            "ORDER BY p.popularity DESC, p.rating DESC LIMIT ?"
        )
        with self._db() as db:
            rows = db.execute(sql, params + stock_params + [query.limit]).fetchall()
            return [self._product(db, row) for row in rows]

    def product(self, product_id: str) -> Optional[Product]:
        with self._db() as db:
            row = db.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
            return self._product(db, row) if row else None

    def purchases(self, email: str) -> List[Dict[str, Any]]:
        sql = (
            "SELECT i.product_id, p.category, p.brand, i.color, i.size FROM order_items i "
            "JOIN orders o ON o.id = i.order_id LEFT JOIN products p ON p.id = i.product_id "
            "WHERE o.email = ? AND o.status != 'cancelled' ORDER BY o.placed_on DESC"
        )
        with self._db() as db:
            return [dict(row) for row in db.execute(sql, (email.strip().lower(),))]

    def profile(self, shopper_id: str) -> Dict[str, Any]:
        with self._db() as db:
            db.execute(PROFILES)
            row = db.execute("SELECT profile FROM shopper_profiles WHERE shopper_id = ?", (shopper_id,)).fetchone()
        return json.loads(row["profile"]) if row else {}

    def save_profile(self, shopper_id: str, profile: Dict[str, Any]) -> None:
        with self._db() as db:
            db.execute(PROFILES)
            db.execute(
                "INSERT INTO shopper_profiles VALUES (?, ?, datetime('now')) ON CONFLICT(shopper_id) "
                "DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
                (shopper_id, json.dumps(profile, ensure_ascii=False)),
            )

    def forget_profile(self, shopper_id: str) -> bool:
        with self._db() as db:
            db.execute(PROFILES)
            return db.execute("DELETE FROM shopper_profiles WHERE shopper_id = ?", (shopper_id,)).rowcount > 0

    @staticmethod
    def _product(db: sqlite3.Connection, row: sqlite3.Row) -> Product:
        variants = db.execute("SELECT color, size, stock FROM variants WHERE product_id = ?", (row["id"],)).fetchall()
        return Product(
            id=row["id"],
            name=row["name"],
            name_zh=row["name_zh"],
            description=row["description"],
            category=row["category"],
            brand=row["brand"],
            price_cents=row["price_cents"],
            currency=row["currency"] or "USD",
            url=row["url"],
            image=row["image"],
            colors=sorted({v["color"] for v in variants if v["color"]}),
            sizes_in_stock=sorted({v["size"] for v in variants if v["size"] and v["stock"] > 0}),
            in_stock=any(v["stock"] > 0 for v in variants),
            popularity=row["popularity"] or 0,
            rating=row["rating"] or 0.0,
        )


def main() -> None:
    from actions import config

    parser = argparse.ArgumentParser(prog="python -m actions.api.sqlite_store")
    parser.add_argument("command", choices=["load", "profile"], help="load the store files, or print a profile")
    parser.add_argument("--data", type=Path, default=config.STORE_DATA_DIR)
    parser.add_argument("--db", type=Path, default=config.STORE_DB)
    parser.add_argument("--shopper", help="conversation (sender) id, for `profile`")
    args = parser.parse_args()
    if args.command == "profile":  # the agent's view of what the assistant remembers
        if not args.shopper:
            parser.error("profile needs --shopper")
        print(json.dumps(SqliteStore(args.db, args.data).profile(args.shopper), ensure_ascii=False, indent=2))
        return
    counts = load_store(args.data, args.db)
    print(f"loaded {args.db}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
