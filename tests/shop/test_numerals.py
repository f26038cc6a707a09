import pytest

from shop.numerals import cn_number, normalise_number


@pytest.mark.parametrize(
    "raw, normal", [("1,299.00", "1299"), ("4.50", "4.5"), ("20000", "20000"), ("0.0", "0"), ("1.05", "1.05")]
)
def test_numbers_compare_in_one_form(raw, normal):
    assert normalise_number(raw) == normal


@pytest.mark.parametrize(
    "numeral, value",
    [("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("三百", 300), ("一百五", 150), ("一千二百", 1200),
     ("两百", 200), ("百", 100), ("零", 0)],
)
def test_chinese_numerals(numeral, value):
    assert cn_number(numeral) == value


@pytest.mark.parametrize("text", ["", "二二", "好", "3", "一个"])
def test_what_is_not_a_chinese_numeral_is_none(text):
    assert cn_number(text) is None
