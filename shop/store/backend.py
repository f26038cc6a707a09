"""The store-backend interface the actions talk to, and the order rules that do not depend on a backend.

A real shop platform (Shopify, WooCommerce, ...) plugs in by implementing `StoreBackend` and naming it in the
STORE_BACKEND setting (`shop/store/chosen.py`); `SqliteStore` in `sqlite.py` is the embedded default over the
demo data.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

# Order states in which the shopper may still cancel or edit the order.
OPEN_STATES = ("pending", "paid")


@dataclass
class OrderItem:
    """One line of an order: the product as sold, quantity and unit price paid, final-sale and returned flags."""

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
        """The Chinese name for "zh" when there is one, else the English name."""
        return self.name_zh if language == "zh" and self.name_zh else self.name


@dataclass
class Order:
    """An order as the store has it: state, dates, shipping and payment details, and its lines; money in cents of
    `currency`."""

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
        """True once more than `window_days` days have passed since delivery; False while it isn't delivered."""
        return bool(self.delivered_on) and (today - self.delivered_on).days > window_days


@dataclass
class Product:
    """A catalogue product with its current price (cents of `currency`), colours, sizes in stock and rating."""

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
    description_zh: Optional[str] = None
    attributes: Dict[str, Any] = field(default_factory=dict)  # the catalogue's specs: weight_g, final_sale, ...

    @property
    def final_sale(self) -> bool:
        """Sold as final sale: no returns, and coupon codes do not apply."""
        return bool(self.attributes.get("final_sale"))

    def display_name(self, language: str) -> str:
        """The Chinese name for "zh" when there is one, else the English name."""
        return self.name_zh if language == "zh" and self.name_zh else self.name


@dataclass
class Customer:
    """A shopper the store knows by email: a registered customer, or a guest who has ordered."""

    email: str
    name: Optional[str]
    language: Optional[str]
    membership_tier: str  # "none" for guests and customers without a tier
    first_order_id: Optional[str]  # the customer's earliest order (first-order promotions)


@dataclass
class ReturnRequest:
    """A return opened for some items of one order, with the shopper's reason and the return's status."""

    id: str
    order_id: str
    items: List[OrderItem]
    reason: str
    status: str


# Shoppers' photos (issue 14): what the store keeps, and what a photo can be attached to.
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp")
ATTACHMENT_KINDS = ("return", "complaint")  # a return request, or a complaint ticket
# Ids are random (secrets.token_urlsafe), never sequential: knowing one photo's id tells nothing about another's.
ATTACHMENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Attachment:
    """A photo a shopper sent, without its bytes (`read_attachment` has those): which conversation it came from,
    its type and size, and the return or complaint it is attached to, if any."""

    id: str
    conversation_id: str
    content_type: str
    byte_size: int
    created_at: str
    linked_kind: Optional[str] = None  # one of ATTACHMENT_KINDS
    linked_id: Optional[str] = None  # the return id or the complaint ticket id


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


class StoreUnavailable(Exception):
    """The backend could not be reached in time (a locked database, a platform that is down): nothing was done, and
    the same call may work a moment later. Not a StoreError: the shopper's request was not refused."""


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
    def customer(self, email: str) -> Optional[Customer]:
        """The customer with this email (case-insensitive), or None when the store has never seen it."""

    @abstractmethod
    def purchases(self, email: str) -> List[Dict[str, Any]]:
        """What this customer bought: [{product_id, category, brand, color, size}], newest order first."""

    @abstractmethod
    def orders_of(self, email: str) -> List[Order]:
        """Every order placed with this email, newest first (for an agent, once the shopper proved the email)."""

    @abstractmethod
    def find_products(self, text: str, limit: int = 8) -> List[Product]:
        """Products whose id or name (English or Chinese) contains `text`, best-selling first."""

    @abstractmethod
    def profile(self, shopper_id: str) -> Dict[str, Any]:
        """The shopper's saved preferences ({} when none)."""

    @abstractmethod
    def save_profile(self, shopper_id: str, profile: Dict[str, Any]) -> None:
        """Replace the shopper's saved preferences."""

    @abstractmethod
    def forget_profile(self, shopper_id: str) -> bool:
        """Delete everything saved about the shopper; True if there was something."""

    # --- shoppers' photos (issue 14) ---

    @abstractmethod
    def save_attachment(self, conversation_id: str, content_type: str, data: bytes) -> str:
        """Keep a photo (already checked and re-encoded by the caller) with its conversation; returns its new random
        id. Raises StoreError for a type outside ATTACHMENT_TYPES, no bytes, or a malformed conversation id."""

    @abstractmethod
    def attachment(self, attachment_id: str) -> Optional[Attachment]:
        """The photo's details (not its bytes), or None when there is no such photo."""

    @abstractmethod
    def attachments_for(self, conversation_id: str) -> List[Attachment]:
        """The conversation's photos, oldest first."""

    @abstractmethod
    def read_attachment(self, attachment_id: str) -> Optional[Tuple[str, bytes]]:
        """(content_type, bytes) of the photo, or None when there is no such photo."""

    @abstractmethod
    def attach_to(self, kind: str, record_id: str, attachment_id: str) -> None:
        """Attach the photo to a return ("return", its id) or a complaint ticket ("complaint", its id), replacing
        any earlier link; raises StoreError when the photo or the record does not exist."""
