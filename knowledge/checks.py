"""Check a generated answer against the retrieved text. Hard claims (numbers, prices, durations, payment methods,
yes/no) must be supported; a groundedness score in [0, 1] is computed for every answer."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from shop.numerals import normalise_number

from .question import unmentioned
from .text import tokenize

CITATION = re.compile(r"\s*[\[【]\s*\d+(?:\s*[,，]\s*\d+)*\s*[\]】]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "fourteen": "14", "fifteen": "15",
                "twenty": "20", "thirty": "30", "sixty": "60", "ninety": "90", "hundred": "100",
                "一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8",
                "九": "9", "十": "10", "十四": "14", "十五": "15", "二十": "20", "三十": "30",
                "六十": "60", "九十": "90"}
# Aliases per payment method: an answer naming one must find one of its aliases in the sources.
PAYMENT_METHODS = {
    "visa": ("visa",), "mastercard": ("mastercard", "master card", "万事达"),
    "amex": ("american express", "amex", "美国运通"),
    "paypal": ("paypal",), "apple pay": ("apple pay",), "google pay": ("google pay",),
    "alipay": ("alipay", "支付宝"), "wechat pay": ("wechat pay", "微信支付", "微信"),
    "huabei": ("huabei", "花呗"),
    "klarna": ("klarna",), "afterpay": ("afterpay",), "cash on delivery": ("cash on delivery", "货到付款"),
    "gift card": ("gift card", "礼品卡"), "bank transfer": ("bank transfer", "银行转账"),
    "unionpay": ("unionpay", "银联"),
}
NEGATION = re.compile(r"\b(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't|won't|without)\b|"
                      r"不|没有|无法|未|非")
YES = re.compile(r"^\s*(?:yes|yeah|sure|correct|是的|是|可以|能|支持|有的|有)(?=[\s,，。.!！:：]|$)", re.I)
NO = re.compile(r"^\s*(?:no|nope|不|不能|不可以|没有|无法)(?=[\s,，。.!！:：]|$)", re.I)


@dataclass
class Verdict:
    supported: bool
    groundedness: float
    problems: list[str] = field(default_factory=list)


def strip_citations(text: str) -> str:
    return CITATION.sub("", text).strip()


def cited_numbers(text: str) -> list[int]:
    return [int(n) for m in re.finditer(r"[\[【]([\d,，\s]+)[\]】]", text) for n in re.findall(r"\d+", m.group(1))]


def _numbers(text: str) -> set[str]:
    text = text.lower()
    found = {normalise_number(n) for n in NUMBER.findall(text)}
    for word, digit in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b" if word.isascii() else re.escape(word), text):
            found.add(digit)
    return {n or "0" for n in found}


def _methods(text: str) -> set[str]:
    low = text.lower()
    return {m for m, aliases in PAYMENT_METHODS.items() if any(a in low for a in aliases)}


def _sentences(source: str) -> list[str]:
    """Sentences of one source, each with the source's title line, so a heading such as "What isn't covered"
    still negates the list under it."""
    title, _, body = source.partition("\n")
    return [f"{title}: {s}" for s in re.split(r"(?<=[.!?。！？\n])\s*", body or title) if s.strip()]


def check(answer: str, sources: list[str], question: str = "", documents: str | None = None) -> Verdict:
    """Every number and payment method in the answer must occur in the sources (or the question); an
    affirmative answer must not rest on a negated source sentence; a yes or no must be about things the store's
    `documents` (all of them, lowercased) mention; most content words must come from the sources."""
    body = strip_citations(answer)
    evidence = "\n".join(sources)
    problems = []
    if documents is not None and (YES.match(body) or NO.match(body)):
        missing = unmentioned(question, documents, frozenset())  # the one rule the question path uses too
        if missing:
            problems.append(f"yes/no answer about {', '.join(missing)}, which no document mentions")
    allowed_numbers = _numbers(evidence) | _numbers(question)
    for n in sorted(_numbers(body) - allowed_numbers):
        problems.append(f"number {n} not in sources")
    for m in sorted(_methods(body) - _methods(evidence)):
        problems.append(f"payment method {m} not in sources")

    answer_tokens = [t for t in tokenize(body) if not t.isdigit()]
    evidence_tokens = set(tokenize(evidence)) | set(tokenize(question))
    overlap = sum(t in evidence_tokens for t in answer_tokens) / len(answer_tokens) if answer_tokens else 0.0

    if YES.match(body) and not NEGATION.search(body):
        # The source sentence closest to the answer decides the polarity.
        best = max((s for source in sources for s in _sentences(source)), default="",
                   key=lambda s: len(set(tokenize(s)) & set(answer_tokens)))
        if best and NEGATION.search(best.lower()):
            problems.append("affirmative answer but the closest source sentence is negated")

    claims = len(_numbers(body)) + len(_methods(body)) + (1 if YES.match(body) or NO.match(body) else 0)
    claim_support = 1.0 - len(problems) / claims if claims else 1.0
    score = round(max(0.0, 0.5 * overlap + 0.5 * claim_support) if not problems else min(0.4, 0.5 * overlap), 3)
    if overlap < 0.5:
        problems.append(f"only {overlap:.0%} of the answer's words are in the sources")
    return Verdict(not problems, score, problems)
