"""The store-backend interface the actions talk to, and the order rules that do not depend on a backend.

A real shop platform (Shopify, WooCommerce, ...) plugs in by implementing `StoreBackend`;
`SqliteStore` in `sqlite_store.py` is the embedded default over the demo data.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

# No \b: in Chinese text ("订单TP10042到哪了") there is no word boundary around the id.
ORDER_ID_PATTERN = re.compile(r"(?i)(?<![a-z])TP[\s#-]*(\d{5})(?!\d)|^\s*#?(\d{5})\s*$")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

# Order states in which the shopper may still cancel or edit the order.
OPEN_STATES = ("pending", "paid")


def normalize_order_id(text: str) -> Optional[str]:
    """'tp-10042', '#TP10042' or a bare '10042' -> 'TP10042'; None if it is not an order number."""
    match = ORDER_ID_PATTERN.search(text or "")
    if not match:
        return None
    return "TP" + (match.group(1) or match.group(2))


def normalize_email(text: str) -> Optional[str]:
    match = EMAIL_PATTERN.search(text or "")
    return match.group(0).lower() if match else None


@dataclass
class OrderItem:
    product_id: str
    name: str
    name_zh: Optional[str]
    color: Optional[str]
    size: Optional[str]
    quantity: int
    unit_price_cents: int
    final_sale: bool = False
    returned: bool = False

    def display_name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name


@dataclass
class Order:
    id: str
    email: str
    status: str
    placed_on: date
    shipped_on: Optional[date]
    delivered_on: Optional[date]
    eta: Optional[date]
    carrier: Optional[str]
    tracking_number: Optional[str]
    shipping_method: Optional[str]
    shipping_address: Dict[str, Any]
    shipping_cents: int
    total_cents: int
    currency: str
    payment_method: Optional[str]
    items: List[OrderItem] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Not yet shipped: the shopper may cancel or edit it."""
        return self.status in OPEN_STATES

    def returnable_items(self, window_days: int, today: date) -> List[OrderItem]:
        """Items the shopper may still send back under the store's return policy."""
        if self.status != "delivered" or not self.delivered_on:
            return []
        if (today - self.delivered_on).days > window_days:
            return []
        return [item for item in self.items if not item.final_sale and not item.returned]

    def return_window_passed(self, window_days: int, today: date) -> bool:
        return bool(self.delivered_on) and (today - self.delivered_on).days > window_days


@dataclass
class Product:
    id: str
    name: str
    name_zh: Optional[str]
    description: str
    category: str
    brand: str
    price_cents: int
    currency: str
    url: str
    image: Optional[str]
    colors: List[str]
    sizes_in_stock: List[str]
    in_stock: bool
    popularity: int
    rating: float

    def display_name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name


@dataclass
class ReturnRequest:
    id: str
    order_id: str
    items: List[OrderItem]
    reason: str
    status: str


@dataclass
class ProductQuery:
    """Hard filters for a product search; None means 'any'."""

    category: Optional[str] = None
    color: Optional[str] = None
    size: Optional[str] = None
    brand: Optional[str] = None
    max_price_cents: Optional[int] = None
    limit: int = 3


class StoreError(Exception):
    """The backend refused an operation (wrong state, unknown item, bad value)."""


class StoreBackend(ABC):
    """What the assistant needs from a shop: orders, products, returns and support tickets."""

    @abstractmethod
    def store_info(self) -> Dict[str, Any]:
        """Store facts from store.yml: contact details, return window, shipping."""

    @abstractmethod
    def find_order(self, order_id: str, email: str) -> Optional[Order]:
        """The order if it exists AND belongs to this email; None otherwise (never reveal which)."""

    @abstractmethod
    def cancel_order(self, order_id: str) -> Order:
        """Cancel an open order; raises StoreError if its state does not allow it."""

    @abstractmethod
    def change_address(self, order_id: str, address: str) -> Order:
        """Replace the shipping address of an open order."""

    @abstractmethod
    def change_quantity(self, order_id: str, product_id: str, quantity: int) -> Order:
        """Set the quantity of one line of an open order and recompute its total."""

    @abstractmethod
    def create_return(self, order_id: str, product_ids: List[str], reason: str) -> ReturnRequest:
        """Open a return for items of a delivered order inside the return window."""

    @abstractmethod
    def create_ticket(
        self,
        kind: str,
        conversation_id: str,
        text: str,
        order_id: Optional[str] = None,
        language: str = "en",
    ) -> str:
        """Record a complaint or a request for a person; returns the ticket id."""

    @abstractmethod
    def search_products(self, query: ProductQuery) -> List[Product]:
        """Products matching every filter, most popular first."""

    @abstractmethod
    def product(self, product_id: str) -> Optional[Product]:
        """One product with its current price and stock, or None."""

    @abstractmethod
    def purchases(self, email: str) -> List[Dict[str, Any]]:
        """What this customer bought: [{product_id, category, brand, color, size}], newest order first."""

    @abstractmethod
    def profile(self, shopper_id: str) -> Dict[str, Any]:
        """The shopper's saved preferences ({} when none)."""

    @abstractmethod
    def save_profile(self, shopper_id: str, profile: Dict[str, Any]) -> None:
        """Replace the shopper's saved preferences."""

    @abstractmethod
    def forget_profile(self, shopper_id: str) -> bool:
        """Delete everything saved about the shopper; True if there was something."""


def format_money(cents: int, currency: str = "USD") -> str:
    symbol = {"USD": "$"}.get(currency, currency + " ")
    return f"{symbol}{cents / 100:,.2f}"
