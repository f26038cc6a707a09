import pytest

from shop.identifiers import CONVERSATION_ID, normalize_email, normalize_order_id
from shop.language import detect_language, document_language


@pytest.mark.parametrize(
    "text, lang",
    [("where is my order", "en"), ("我的订单到哪了", "zh"), ("订单TP10042", "zh"), ("TP10042", None),
     ("me@example.com", None), ("/human_agent", None), ("", None), ("ok 好的", "zh")],
)
def test_a_message_language(text, lang):
    assert detect_language(text) == lang


def test_a_document_is_chinese_when_enough_of_it_is():
    assert document_language("退货政策：30天内可退货。") == "zh"
    assert document_language("Returns within 30 days. " * 10 + "退货") == "en"
    assert document_language("") == "en"


def test_order_numbers_and_emails_are_normalised():
    assert normalize_order_id("#tp-10042") == "TP10042"
    assert normalize_order_id("订单TP10042到哪了") == "TP10042"
    assert normalize_order_id("call me at 100420") is None
    assert normalize_email("Mail: Ana.Lee@Example.COM please") == "ana.lee@example.com"
    assert normalize_email("no address here") is None


def test_conversation_ids_that_can_be_watched_live():
    assert CONVERSATION_ID.fullmatch("abc-DEF_123")
    assert not CONVERSATION_ID.fullmatch("../etc/passwd")
    assert not CONVERSATION_ID.fullmatch("x" * 129)
