"""Prepared answers: parsing the model's pairs, the stricter grounding they must pass, the agreement of numbers and
named things before one is served, and the rule that no evaluation question is ever among them."""
import json
from pathlib import Path

from knowledge.prepared import PreparedAnswer, PreparedAnswers, grounded, normal, parse_pairs, read_pairs

ROOT = Path(__file__).resolve().parents[2]
SECTION = ("Returns > The short version\nYou have 30 days from the day your order is delivered to start a return. "
           "Returns from US addresses are free: we email you a prepaid label. We accept PayPal refunds.")


def pair(question: str, answer: str) -> PreparedAnswer:
    return PreparedAnswer("d", "en", "en/returns.md", question, answer)


def test_the_models_pairs_are_parsed_in_either_language():
    raw = "1. Q: How long do I have?\nA: 30 days from delivery. [1]\n\n**Q:** Are returns free?\n**A:** Yes.\n" \
          "问：退货免费吗？\n答：美国地址免费。"
    assert parse_pairs(raw) == [("How long do I have?", "30 days from delivery."), ("Are returns free?", "Yes."),
                                ("退货免费吗？", "美国地址免费。")]


def test_only_answers_in_the_sections_own_words_are_kept():
    assert grounded(pair("How long do I have to return?", "You have 30 days from the day your order is delivered."),
                    SECTION)
    assert not grounded(pair("How long do I have?", "You have 60 days to return."), SECTION)  # a number not there
    assert not grounded(pair("Can I choose a tent size?", "Choose a size that fits your body and your tent."),
                        SECTION)  # invented, in plausible words


def test_numbers_payment_methods_and_rare_words_must_agree(fixture_index):
    prepared = PreparedAnswers(fixture_index)
    prepared.refresh()
    window = pair("Can I return within 30 days?", "Yes, you have 30 days from delivery.")
    assert prepared.agrees("can i return within 30 days", window)
    assert not prepared.agrees("can i return within 60 days", window)
    refunds = pair("How are refunds paid?", "Refunds go back to your original payment method.")
    assert not prepared.agrees("are refunds paid to klarna?", refunds)


def test_no_evaluation_question_is_among_the_demo_stores_prepared_answers():
    questions = {normal(json.loads(line)["question"]) for name in ("questions.jsonl", "shopper_questions.jsonl")
                 for line in (ROOT / "knowledge" / "eval" / name).read_text(encoding="utf-8").splitlines() if line}
    prepared = read_pairs([ROOT / "data" / "store" / "prepared_answers.jsonl"])
    assert prepared, "data/store/prepared_answers.jsonl is missing or empty: run `make prepare-answers`"
    assert not {normal(p.question) for p in prepared if p.question} & questions
