"""Reading shopper input: order ids, emails, language, yes/no, quantities, item choices."""

import pytest

from actions.replies import choose_items, parse_quantity, parse_yes_no
from shop.store.backend import OrderItem
from shop.identifiers import normalize_email, normalize_order_id
from shop.language import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("TP10042", "TP10042"),
        ("tp-10042", "TP10042"),
        ("my order is #TP10042 thanks", "TP10042"),
        ("我的订单TP10042到哪了", "TP10042"),
        ("10042", "TP10042"),
        ("TP100421", None),
        ("order 42", None),
        ("", None),
    ],
)
def test_order_ids_are_normalised(text, expected):
    assert normalize_order_id(text) == expected


def test_emails_are_found_and_lowercased_even_inside_chinese():
    assert normalize_email("我的邮箱是Li.Wei@Example.CN谢谢") == "li.wei@example.cn"
    assert normalize_email("not an email") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("where is my order", "en"),
        ("我的快递到哪了", "zh"),
        ("我的order到哪了", "zh"),
        ("TP10042", None),
        ("jane@example.com", None),
        ("/human_agent", None),
        ("", None),
    ],
)
def test_language_follows_the_message(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True),
        ("Yes!", True),
        ("确定", True),
        ("好的", True),
        ("no", False),
        ("不要", False),
        ("算了", False),
        ("maybe later?", None),
        ("", None),
    ],
)
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize("text, expected", [("3", 3), ("make it 2 please", 2), ("两件", 2), ("lots", None)])
def test_quantity(text, expected):
    assert parse_quantity(text) == expected


def _item(pid, name, name_zh=None):
    return OrderItem(pid, name, name_zh, None, None, 1, 1000)


def test_item_choice_by_id_number_or_name():
    items = [_item("TP-JKT-001", "Harbor Rain Shell", "港湾冲锋衣"), _item("TP-HAT-002", "Drizzle Cap")]
    assert choose_items("TP-JKT-001", items) == [items[0]]
    assert choose_items("2", items) == [items[1]]
    assert choose_items("drizzle", items) == [items[1]]
    assert choose_items("冲锋衣", items) == [items[0]]
    assert choose_items("all", items) == []
    assert choose_items("all", items, allow_all=True) == items
    assert choose_items("boots", items) == []


@pytest.mark.parametrize(
    "text, starts",
    [
        ("I want to return my jacket", True),
        ("return TP10032", True),
        ("/returns_refunds", True),
        ("我要退货", True),
        ("退货", True),
        ("how long do refunds take?", False),
        ("what is your return policy", False),
        ("退款要多久", False),
        ("可以七天无理由退货吗", False),
        ("can I return this jacket?", True),
        ("how long do I have to return my boots?", False),
    ],
)
def test_returns_messages_are_routed(text, starts):
    from actions.returns import wants_to_start_return

    assert wants_to_start_return(text) is starts
