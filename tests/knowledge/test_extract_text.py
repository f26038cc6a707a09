"""What a quote shows (knowledge/extractive.py Extract.text): the store's sentences after the name of their section,
and a FAQ answer's own question when the answer opens with yes or no."""
from __future__ import annotations

from knowledge.extractive import Extract
from knowledge.passages import Passage


def quote(heading: str, *texts: str) -> str:
    passages = [Passage("doc:faq:3", n, heading, text) for n, text in enumerate(texts)]
    return Extract(passages, "doc:faq:3", 0.9, 0.9, 0.0).text


def test_a_faq_yes_or_no_comes_with_the_question_it_answers():
    # asked "Do you ship to Brazil?", the shopper must not read this "Yes." as theirs
    assert quote("FAQ > Shipping > Do you ship to China?", "Yes. We ship to mainland China by DHL.") == \
        "Do you ship to China? Yes. We ship to mainland China by DHL."
    assert quote("常见问题 > 配送 > 能寄到中国吗？", "可以。我们通过 DHL 配送至中国大陆。") == \
        "能寄到中国吗？可以。我们通过 DHL 配送至中国大陆。"


def test_other_faq_answers_and_sections_read_as_before():
    assert quote("FAQ > Shipping > How long does shipping take?", "Standard takes 3–6 business days.") == \
        "Standard takes 3–6 business days."
    assert quote("Warranty > What isn't covered", "Accidents and normal wear.") == \
        "What isn't covered: Accidents and normal wear."
