import pytest

from shop.money import format_amount, format_money, format_price


@pytest.mark.parametrize(
    "cents, currency, shown",
    [(129900, "USD", "$1,299.00"), (5, "USD", "$0.05"), (1000, "CNY", "¥10.00"), (250, "EUR", "€2.50"),
     (1200, "SEK", "SEK 12.00"), (0, "GBP", "£0.00")],
)
def test_money_is_shown_in_the_currency_given(cents, currency, shown):
    assert format_money(cents, currency) == shown


def test_an_amount_in_whole_units_rounds_to_cents():
    assert format_amount(149.5, "USD") == "$149.50"
    assert format_amount(0.125, "USD") == "$0.12"  # banker's rounding of 12.5 cents, as Python rounds


@pytest.mark.parametrize(
    "amount, currency, lang, shown",
    [(149.0, "USD", "en", "$149"), (12.5, "USD", "en", "$12.50"), (149.0, "USD", "zh", "149 美元"),
     (1299.0, "CNY", "zh", "1,299 元"), (80.0, "EUR", "en", "€80"), (10.0, "SEK", "zh", "10 SEK")],
)
def test_a_price_in_running_text(amount, currency, lang, shown):
    assert format_price(amount, currency, lang) == shown
