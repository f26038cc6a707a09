"""The store's data as the side panel shows it: the shopper's profile, the orders of their verified e-mail, and
products an agent can send as cards. Read through the store backend, never from the bot's slots alone."""

from __future__ import annotations

from typing import Any, Optional

from shop.store import store


def money(cents: int) -> float:
    return round(cents / 100, 2)


def order_view(order) -> dict:
    return {"order_id": order.id, "status": order.status, "placed_on": order.placed_on.isoformat(),
            "total": money(order.total_cents), "currency": order.currency,
            "items": [{"name": item.name, "quantity": item.quantity} for item in order.items],
            "tracking": order.tracking_number}


def verified_email(slots: dict) -> Optional[str]:
    """The e-mail the conversation proved, by giving it with an order it placed; None otherwise."""
    email, order_id = slots.get("email"), slots.get("order_id")
    if not (isinstance(email, str) and isinstance(order_id, str)):
        return None
    return email.strip().lower() if store().find_order(order_id, email) else None


def side_panel(conversation_id: str, slots: dict) -> dict[str, Any]:
    email = verified_email(slots)
    orders = [order_view(o) for o in store().orders_of(email)] if email else []
    return {"profile": store().profile(conversation_id), "verified_email": email, "orders": orders}


def product_card(product) -> dict:
    return {"id": product.id, "name": product.name, "price": money(product.price_cents),
            "currency": product.currency, "url": product.url, "image": product.image}


def find_products(text: str, limit: int = 8) -> list[dict]:
    return [{"product_id": p.id, "name": p.name, "price": money(p.price_cents), "currency": p.currency,
             "in_stock": p.in_stock}
            for p in store().find_products(text, limit)]


def product(product_id: str) -> Optional[dict]:
    found = store().product(product_id)
    return product_card(found) if found else None
