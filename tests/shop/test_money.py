import pytest

from shop.money import format_amount, format_money


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
