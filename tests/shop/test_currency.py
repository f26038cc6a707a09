"""Budgets in the shopper's currency (shop/currency.py): found in English and Chinese text, converted with the
operator's rates from store.yml, never guessed for a currency the store does not list; card prices in one style."""
from pathlib import Path

import pytest

from shop.currency import Currencies, store_currencies
from shop.money import format_card_price, format_price

DEMO = Path(__file__).resolve().parents[2] / "data" / "store" / "store.yml"
MONEY = store_currencies(DEMO)


def test_the_demo_store_lists_its_currencies_and_rates():
    assert MONEY.store == "USD" and MONEY.listed == ["USD", "CNY", "EUR", "GBP"]
    assert MONEY.rates["CNY"] == 0.138 and MONEY.rates_set_on == "2026-11-30"
    assert MONEY.convert(500, "CNY") == 69.0 and MONEY.convert(80, "EUR") == 84.0 and MONEY.convert(12, "USD") == 12


@pytest.mark.parametrize("text, amounts, code", [
    ("推荐一个背包，500元以内", [500], "CNY"), ("背包¥500以内", [500], "CNY"), ("under 500 RMB", [500], "CNY"),
    ("五百块以内", [500], "CNY"), ("预算两百块", [200], "CNY"), ("€80 jacket", [80], "EUR"),
    ("under 80 euros", [80], "EUR"), ("80欧元以内", [80], "EUR"), ("£60 max", [60], "GBP"),
    ("300到500元之间", [300, 500], "CNY"), ("€50-80", [50, 80], "EUR"), ("US$69", [69], "USD"),
    ("under 1,299.50 dollars", [1299.5], "USD"),
])
def test_amounts_are_found_with_their_currency(text, amounts, code):
    found = MONEY.find(text)
    assert [m.amount for m in found] == amounts and {m.code for m in found} == {code}


@pytest.mark.parametrize("text, named", [("under 5000 yen", "JPY"), ("500 pesos", "MXN"), ("5000日元以内", "JPY"),
                                         ("¥500 please", "CNY/JPY")])  # "¥" in English text could be the yen
def test_a_currency_the_store_does_not_list_is_recognised_but_not_converted(text, named):
    [mention] = MONEY.find(text)
    assert mention.code is None and mention.named == named


@pytest.mark.parametrize("text", ["a tent under 3 pounds", "42欧码的鞋", "一块手表", "a 2-person tent", "500 lumens"])
def test_weights_sizes_and_counts_are_not_money(text):
    assert MONEY.find(text) == []


def test_a_store_in_another_currency_converts_with_its_own_rates(tmp_path):
    path = tmp_path / "store.yml"
    path.write_text("currency: EUR\ncurrencies:\n  rates: {USD: 0.95}\n  words: {USD: ['$', dollars]}\n",
                    encoding="utf-8")
    money = store_currencies(path)
    [m] = money.find("under 100 dollars")
    assert (m.code, money.convert(m.amount, m.code)) == ("USD", 95.0)
    assert money.find("100元")[0].code is None  # yuan not listed: a question, not a guess


def test_a_store_without_a_currencies_section_converts_nothing(tmp_path):
    money = store_currencies(tmp_path / "missing.yml")
    assert money == Currencies(store="USD") and money.find("500元")[0].code is None
    assert money.find("$20")[0].code == "USD"


@pytest.mark.parametrize("amount, currency, lang, shown", [
    (69.0, "USD", "en", "$69.00"), (69.0, "USD", "zh", "69.00 美元"), (1299.5, "USD", "zh", "1,299.50 美元"),
    (80.0, "EUR", "en", "€80.00"), (10.0, "SEK", "en", "10.00 SEK"), (10.0, "SEK", "zh", "10.00 SEK")])
def test_card_prices_use_the_same_style_as_running_text(amount, currency, lang, shown):
    assert format_card_price(amount, currency, lang) == shown
    assert format_price(amount, currency, lang).split()[-1] == shown.split()[-1] or lang == "en"
