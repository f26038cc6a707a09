"""The embedded store backend: SQLite, loaded from the operator's store files by `shop/store/loader.py`."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

from shop.identifiers import CONVERSATION_ID
from shop.store.backend import (
    ATTACHMENT_ID,
    ATTACHMENT_KINDS,
    ATTACHMENT_TYPES,
    Attachment,
    Customer,
    OPEN_STATES,
    Order,
    OrderItem,
    Product,
    ProductQuery,
    ReturnRequest,
    StoreBackend,
    StoreError,
    StoreUnavailable,
)
from shop.store.loader import ATTACHMENTS, PROFILES
from shop.settings import store_settings


# How long a call waits for another process's lock: SQLite's busy timeout per attempt, then these pauses between
# attempts. About 4 s in all, which a shopper can wait for a reply; a longer lock is an outage, said politely.
BUSY_TIMEOUT_S = 0.5
LOCK_BACKOFF_S = (0.1, 0.2, 0.4, 0.8)


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY / SQLITE_LOCKED)."""
    return "locked" in str(error) or "busy" in str(error)


def _date(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


class SqliteStore(StoreBackend):
    """The store backend over the SQLite file `python -m shop.store load` builds (STORE_BACKEND=sqlite)."""

    def __init__(self, db_path: Path, data_dir: Path) -> None:
        self.db_path = Path(db_path)
        self._info = yaml.safe_load((Path(data_dir) / "store.yml").read_text(encoding="utf-8"))
        self.currency = store_settings(Path(data_dir) / "store.yml").currency

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: cheap for SQLite, and safe across the action server's threads.
        db = self._connect_when_free()
        try:
            with db:  # commit on success, roll back on error
                yield db
        except sqlite3.OperationalError as error:
            if _busy(error):  # a writer kept the lock past the busy timeout
                raise StoreUnavailable(f"{self.db_path}: {error}") from error
            raise
        finally:
            db.close()

    def _connect_when_free(self) -> sqlite3.Connection:
        """A connection to a database no other process holds locked now. A lock held longer than the busy timeout
        is waited out a few times, with backoff; after about 4 s the database counts as unavailable rather than
        keeping the shopper waiting (and the action server's other conversations with them)."""
        pauses = iter(LOCK_BACKOFF_S)
        while True:
            # mode=rw: a missing database is an error, never a new empty file that hides the missing `load`.
            db = sqlite3.connect(f"{self.db_path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
            db.row_factory = sqlite3.Row
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchall()  # a read lock, taken and let go
                return db
            except sqlite3.OperationalError as error:
                db.close()
                pause = next(pauses, None)
                if not _busy(error):
                    raise
                if pause is None:
                    raise StoreUnavailable(f"{self.db_path}: {error}") from error
                time.sleep(pause)

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
            currency=row["currency"] or self.currency,
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

    def orders_of(self, email: str) -> List[Order]:
        with self._db() as db:
            ids = [r["id"] for r in db.execute(
                "SELECT id FROM orders WHERE email = ? ORDER BY placed_on DESC, id DESC", (email.strip().lower(),))]
            return [order for order in (self._load_order(db, i) for i in ids) if order]

    def find_products(self, text: str, limit: int = 8) -> List[Product]:
        pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM products WHERE lower(id) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' "
                "OR name_zh LIKE ? ESCAPE '\\' ORDER BY popularity DESC, id LIMIT ?",
                (pattern, pattern, pattern, max(1, min(limit, 50))),
            ).fetchall()
            return [self._product(db, row) for row in rows]

    def customer(self, email: str) -> Optional[Customer]:
        email = email.strip().lower()
        with self._db() as db:
            row = db.execute(
                "SELECT name, language, membership_tier FROM customers WHERE lower(email) = ?", (email,)
            ).fetchone()
            first = db.execute(
                "SELECT id FROM orders WHERE lower(email) = ? ORDER BY placed_on, id LIMIT 1", (email,)
            ).fetchone()
        if row is None and first is None:
            return None
        return Customer(
            email=email,
            name=row["name"] if row else None,
            language=row["language"] if row else None,
            membership_tier=(row["membership_tier"] if row else None) or "none",
            first_order_id=first["id"] if first else None,
        )

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

    # --- shoppers' photos (issue 14): bytes kept in the store's database, behind random ids ---

    @contextmanager
    def _attachments_db(self) -> Iterator[sqlite3.Connection]:
        with self._db() as db:
            for statement in ATTACHMENTS:  # idempotent: databases loaded before photos existed get the table here
                db.execute(statement)
            yield db

    def save_attachment(self, conversation_id: str, content_type: str, data: bytes) -> str:
        if content_type not in ATTACHMENT_TYPES:
            raise StoreError(f"photos are {', '.join(ATTACHMENT_TYPES)}, not {content_type[:40]!r}")
        if not CONVERSATION_ID.fullmatch(conversation_id or ""):
            raise StoreError("bad conversation id")
        if not data:
            raise StoreError("an empty photo")
        attachment_id = secrets.token_urlsafe(16)
        with self._attachments_db() as db:
            db.execute(
                "INSERT INTO attachments (id, conversation_id, content_type, data, byte_size, created_at) "
                "VALUES (?, ?, ?, ?, ?, datetime('now'))",
                (attachment_id, conversation_id, content_type, sqlite3.Binary(data), len(data)),
            )
        return attachment_id

    def attachment(self, attachment_id: str) -> Optional[Attachment]:
        if not ATTACHMENT_ID.fullmatch(attachment_id or ""):
            return None
        with self._attachments_db() as db:
            row = db.execute(
                "SELECT id, conversation_id, content_type, byte_size, created_at, linked_kind, linked_id "
                "FROM attachments WHERE id = ?",
                (attachment_id,),
            ).fetchone()
        return Attachment(**dict(row)) if row else None

    def attachments_for(self, conversation_id: str) -> List[Attachment]:
        with self._attachments_db() as db:
            rows = db.execute(
                "SELECT id, conversation_id, content_type, byte_size, created_at, linked_kind, linked_id "
                "FROM attachments WHERE conversation_id = ? ORDER BY created_at, rowid",
                (conversation_id,),
            ).fetchall()
        return [Attachment(**dict(row)) for row in rows]

    def read_attachment(self, attachment_id: str) -> Optional[Tuple[str, bytes]]:
        if not ATTACHMENT_ID.fullmatch(attachment_id or ""):
            return None
        with self._attachments_db() as db:
            row = db.execute("SELECT content_type, data FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
        return (row["content_type"], bytes(row["data"])) if row else None

    def attach_to(self, kind: str, record_id: str, attachment_id: str) -> None:
        if kind not in ATTACHMENT_KINDS:
            raise StoreError(f"a photo is attached to a {' or a '.join(ATTACHMENT_KINDS)}, not {kind[:40]!r}")
        with self._attachments_db() as db:
            photo = db.execute("SELECT conversation_id FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
            if photo is None:
                raise StoreError("unknown photo")
            if kind == "return":
                found = db.execute("SELECT 1 FROM returns WHERE id = ?", (record_id,)).fetchone()
            else:  # a complaint must come from the photo's own conversation
                found = db.execute(
                    "SELECT 1 FROM tickets WHERE id = ? AND kind = 'complaint' AND conversation_id = ?",
                    (record_id, photo["conversation_id"]),
                ).fetchone()
            if found is None:
                raise StoreError(f"unknown {kind} {record_id[:40]}")
            db.execute(
                "UPDATE attachments SET linked_kind = ?, linked_id = ? WHERE id = ?", (kind, record_id, attachment_id)
            )

    def _product(self, db: sqlite3.Connection, row: sqlite3.Row) -> Product:
        variants = db.execute("SELECT color, size, stock FROM variants WHERE product_id = ?", (row["id"],)).fetchall()
        return Product(
            id=row["id"],
            name=row["name"],
            name_zh=row["name_zh"],
            description=row["description"],
            category=row["category"],
            brand=row["brand"],
            price_cents=row["price_cents"],
            currency=row["currency"] or self.currency,
            url=row["url"],
            image=row["image"],
            colors=sorted({v["color"] for v in variants if v["color"]}),
            sizes_in_stock=sorted({v["size"] for v in variants if v["size"] and v["stock"] > 0}),
            in_stock=any(v["stock"] > 0 for v in variants),
            popularity=row["popularity"] or 0,
            rating=row["rating"] or 0.0,
            description_zh=row["description_zh"],
            attributes=json.loads(row["attributes"] or "{}"),
        )
