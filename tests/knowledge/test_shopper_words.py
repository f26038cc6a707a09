"""The store's terms for what shoppers say otherwise (knowledge/shopper_words.py), from the demo store's file."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.shopper_words import ShopperWords

STORE_FILE = Path(__file__).resolve().parents[2] / "data" / "store" / "shopper_words.yml"


@pytest.mark.parametrize("question, looked_up", [
    ("保修多久", "保修多久 (质保)"),
    ("can I stack two promo codes?", "can I stack two promo codes? (discount code)"),
    ("you guys do afterpay right", "you guys do afterpay right (buy now, pay later)"),
    ("Tidepool 自有品牌的质保期多长？", "Tidepool 自有品牌的质保期多长？"),  # already the store's term
    ("how long do refunds take?", "how long do refunds take?"),
])
def test_a_shoppers_word_brings_the_stores_term_along(question, looked_up):
    assert ShopperWords.load(STORE_FILE).expanded(question) == looked_up


def test_in_the_stores_terms_a_question_mentions_what_the_store_calls_it():
    words = ShopperWords.load(STORE_FILE)
    assert words.translated("can I stack two promo codes?") == "can I stack two discount code?"
    assert words.translated("保修几年") == "质保几年"


def test_english_words_match_whole():
    words = ShopperWords.from_mapping({"discount code": ["coupon"]})
    assert words.expanded("any coupon?") == "any coupon? (discount code)"
    assert words.expanded("couponing tips?") == "couponing tips?"


def test_no_file_means_no_words_and_a_malformed_one_is_an_error_naming_it(tmp_path):
    assert ShopperWords.load(tmp_path / "missing.yml").pairs == ()
    bad = tmp_path / "shopper_words.yml"
    bad.write_text("terms:\n  质保: 保修\n", encoding="utf-8")  # a word, not a list of words
    with pytest.raises(ValueError, match="shopper_words.yml"):
        ShopperWords.load(bad)
    bad.write_text("terms: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="shopper_words.yml"):
        ShopperWords.load(bad)
