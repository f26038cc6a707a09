"""shop/dates.py: one date format per language wherever the shopper reads a date."""

from datetime import date, datetime

import pytest

from shop.dates import format_date


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        (date(2026, 12, 2), "en", "Dec 2, 2026"),
        (date(2026, 12, 2), "zh", "2026年12月2日"),
        ("2026-01-09", "en", "Jan 9, 2026"),
        ("2026-01-09T23:59:00+00:00", "zh", "2026年1月9日"),
        (datetime(2027, 5, 31, 8, 0), "en", "May 31, 2027"),
        (date(2026, 12, 2), "fr", "Dec 2, 2026"),  # any other language reads the English form
    ],
)
def test_formats(value, lang, expected):
    assert format_date(value, lang) == expected


def test_missing_dates_and_bad_strings():
    assert format_date(None, "en") == "-"
    assert format_date("", "zh", missing="") == ""
    with pytest.raises(ValueError):
        format_date("Dec 2", "en")
