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


# How Chinese text names a currency after the amount ("149 美元").
NAMES_ZH = {"USD": "美元", "CNY": "元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "AUD": "澳元", "CAD": "加元",
            "HKD": "港元"}


def format_price(amount: float, currency: str, lang: str = "en") -> str:
    """A price in running text: whole amounts drop the cents ('$149', '$12.50'); in Chinese the currency's name
    follows the amount ('149 美元'); a currency without a symbol or name shows its code after it ('149 SEK')."""
    shown = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    if lang == "zh" and currency in NAMES_ZH:
        return f"{shown} {NAMES_ZH[currency]}"
    if currency in SYMBOLS:
        return f"{SYMBOLS[currency]}{shown}"
    return f"{shown} {currency}"


def format_card_price(amount: float, currency: str, lang: str = "en") -> str:
    """A price on a product card, always to the cent, in the same style as running text: '$69.00' in English,
    '69.00 美元' in Chinese (the currency's code after the amount where it has no symbol or Chinese name)."""
    if lang == "zh" and currency in NAMES_ZH:
        return f"{amount:,.2f} {NAMES_ZH[currency]}"
    if currency in SYMBOLS:
        return format_amount(amount, currency)
    return f"{amount:,.2f} {currency}"
