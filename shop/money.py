"""Money as the shopper reads it, in the store's currency (store.yml `currency`)."""

from __future__ import annotations

# Currencies whose symbol shoppers expect in front of the amount; any other shows its ISO code ("SEK 12.00").
SYMBOLS = {"USD": "$", "CNY": "¥", "JPY": "¥", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "HKD": "HK$"}


def format_money(cents: int, currency: str) -> str:
    """'$1,299.00' for 129900 cents in USD; an unknown currency shows its code: 'SEK 12.00'."""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{symbol}{cents / 100:,.2f}"


def format_amount(amount: float, currency: str) -> str:
    """The same for an amount in whole units (149.5 -> '$149.50')."""
    return format_money(int(round(amount * 100)), currency)
