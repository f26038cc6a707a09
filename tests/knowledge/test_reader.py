"""The reader (knowledge/reader.py): the local model judges, one candidate quote at a time, whether it answers a
question, and the first likely enough is served. The arithmetic on its own; the judging with the real model over
small passages, and through the service over the demo store."""
from __future__ import annotations

import pytest
import requests

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from knowledge.answer import Answerer
from knowledge.extractive import Extract
from knowledge.passages import Passage
from knowledge.reader import CANDIDATE_CHARS, Reader, Reading, passage_text, yes_share


def extract(text: str, heading: str = "Shipping > Costs") -> Extract:
    return Extract([Passage("doc:x", 0, heading, text)], "doc:x", 0.9, 0.9, 0.0)


def test_yes_is_read_from_the_four_spellings_of_the_reply():
    assert yes_share([0.5, 0.1, 0.3, 0.1]) == pytest.approx(0.6)
    assert yes_share([0.0, 0.0, 0.0, 0.0]) == 0.0  # a backend that gave nothing is not a yes


def test_the_model_reads_a_bounded_passage():
    assert len(passage_text(extract("Standard shipping is $5.95. " * 40))) == CANDIDATE_CHARS


@pytest.mark.parametrize("quote", ["Yes. Exchanges are free, subject to stock.", "No, we don't offer instalments."])
def test_no_yes_or_no_of_ours_goes_before_a_quote_that_says_one_itself(fixture_index, quote):
    """"No. … Yes. Exchanges are free." read as a contradiction: the quote's own answer is enough."""
    answerer = Answerer(fixture_index, FakeListChatModel(responses=["no"]), routes=("extractive",))
    reading = Reading(0, [0.9], yes=False)
    assert answerer.yes_no_lead("can I exchange my socks?", extract(quote, "Returns > Frequently asked"), reading,
                                "en") == ""


@pytest.mark.llm
def test_the_model_judges_the_passage_that_answers_above_one_that_does_not(llm):
    reader = Reader(llm)
    express = extract("Express shipping is $14.95 and takes 2-3 business days.")
    gift = extract("Gift cards never expire and have no fees.", "Gift cards")
    assert reader.judge("how much is express delivery?", express) > reader.judge("how much is express delivery?", gift)
    assert reader.judge("do gift cards expire?", gift) > reader.judge("do gift cards expire?", express)


@pytest.mark.llm
def test_reading_stops_at_the_first_candidate_judged_to_answer(llm):
    reader = Reader(llm)
    candidates = [extract("Gift cards never expire and have no fees.", "Gift cards"),
                  extract("Express shipping is $14.95 and takes 2-3 business days.")]
    reading = reader.read("how much is express delivery?", candidates, threshold=0.5)
    assert reading.choice == 1 and len(reading.judged) == 2 and reading.judged[1] >= 0.5
    assert reader.read("how much is express delivery?", candidates, threshold=1.01).choice is None


@pytest.mark.llm
@pytest.mark.parametrize("question, lang, wanted", [
    ("are the merino hiking socks returnable if worn?", "en", "unworn"),
    ("美利奴徒步袜试穿过还能退吗", "zh", "未穿着"),
    ("how long is the warranty on the Summit Pro hardshell?", "en", "1 year"),
    ("巅峰冲锋衣保修几年", "zh", "1 年"),
])
def test_a_policy_question_naming_a_product_is_answered_by_the_products_kind_and_brand(store_service, question,
                                                                                      lang, wanted):
    body = requests.post(f"{store_service.url}/answer", json={"question": question, "lang": lang},
                         timeout=300).json()
    assert not body["refused"] and wanted in body["answer"], body


@pytest.mark.llm
def test_a_passage_that_says_no_to_the_question_answers_it_and_one_about_something_else_does_not(llm):
    """The judge reads "We do not accept bank transfers" as not answering "can I pay by bank transfer?"; the
    polarity prompt reads it as a clear no, which answers it. A negated passage about another thing is no answer."""
    reader = Reader(llm)
    bank = extract("We do not accept cash on delivery, bank transfers, cheques or cryptocurrency.", "Payment")
    gift = extract("Gift cards never expire and have no fees.", "Gift cards")
    reading = reader.read("can I pay by bank transfer?", [bank], threshold=1.01, yes_no=True)
    assert reading.choice == 0 and reading.yes is False, reading
    assert reader.read("how much is express delivery?", [gift], threshold=1.01).choice is None
