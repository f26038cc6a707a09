"""The reader (knowledge/reader.py): the local model picks which candidate quote answers a question, or none. Parsing
is checked on its own; the choice with the real model over the demo store's passages, and through the service."""
from __future__ import annotations

import pytest
import requests

from knowledge.extractive import Extract
from knowledge.passages import Passage
from knowledge.reader import CANDIDATE_CHARS, Reader, parse, shown


def extract(text: str, heading: str = "Shipping > Costs") -> Extract:
    return Extract([Passage("doc:x", 0, heading, text)], "doc:x", 0.9, 0.9, 0.0)


@pytest.mark.parametrize("raw, choice, yes", [
    ("2", 1, None), ("2 no", 1, False), ("[1] yes", 0, True), ("3。是", 2, True), ("0", None, None),
    ("7", None, None), ("none of them", None, None), ("", None, None), ("1 否", 0, False),
])
def test_the_models_reply_is_read_strictly(raw, choice, yes):
    reading = parse(raw, 3)
    assert (reading.choice, reading.yes) == (choice, yes)


def test_a_long_candidate_is_cut_at_a_sentence_not_mid_word():
    text = "Standard shipping is $5.95. " * 20
    cut = shown(extract(text))
    assert len(cut) <= CANDIDATE_CHARS and cut.endswith("$5.95.")


@pytest.mark.llm
def test_the_model_picks_the_quote_that_answers(llm):
    """Not its answer to unrelated questions: the 1.5B model often picks a passage anyway, so refusals rest on the
    score floor and the checks (test_shopper_answers.py), not on its 0."""
    reader = Reader(llm)
    candidates = [extract("Gift cards never expire and have no fees.", "Gift cards"),
                  extract("Express shipping is $14.95 and takes 2-3 business days."),
                  extract("You have 30 days from delivery to return unworn items.", "Returns")]
    assert reader.read("how much is express delivery?", candidates).choice == 1
    assert reader.read("how long do I have to send something back?", candidates).choice == 2
    assert reader.read("do gift cards expire?", candidates).choice == 0


@pytest.mark.llm
@pytest.mark.parametrize("question, lang, wanted", [
    ("can I return the merino hiking socks if I only tried them on?", "en", "unworn"),
    ("美利奴徒步袜试穿过还能退吗", "zh", "未穿着"),
    ("how long is the warranty on the Summit Pro hardshell?", "en", "1 year"),
    ("巅峰冲锋衣保修几年", "zh", "1 年"),
])
def test_a_policy_question_naming_a_product_is_answered_by_the_products_kind_and_brand(store_service, question,
                                                                                      lang, wanted):
    body = requests.post(f"{store_service.url}/answer", json={"question": question, "lang": lang},
                         timeout=300).json()
    assert not body["refused"] and wanted in body["answer"], body
