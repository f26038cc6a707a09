"""Check a generated answer against the retrieved text. Hard claims (numbers with their units, prices, durations,
codes, payment methods, yes/no) must be supported by the sources the sentence cites; nothing the question said or
dictated counts as evidence; a groundedness score in [0, 1] is computed for every answer."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from shop.numerals import normalise_number

from .question import asked, dictated, is_yes_no, unmentioned
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
# What a number counts: "30 days" is not "$30". A number with a unit must occur with that unit (or bare) in the
# sources; the prefix forms ($, US$) are money too.
UNITS = {
    "day": r"(?:business\s+|working\s+|calendar\s+)?days?\b|个?工作日|天|日",
    "week": r"weeks?\b|个?星期|个?礼拜|周",
    "month": r"months?\b|个月",
    "year": r"years?\b|年",
    "hour": r"hours?\b|hrs?\b|个?小时",
    "percent": r"%|％|percent\b|per\s+cent\b",
    "money": r"usd\b|dollars?\b|美元|美金",
}
QUANTITY = re.compile(
    r"(?P<currency>(?:us)?\$|usd\s?|￥)?(?P<a>\d+(?:[.,]\d+)*)"
    r"(?:\s*(?:-|–|to|至|到|~)\s*(?P<b>\d+(?:[.,]\d+)*))?\s*(?:-\s*)?"
    r"(?P<unit>" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in UNITS.items()) + r")?", re.I)
# Codes a shopper could type or be sent (coupons, order ids, tracking numbers): capitals and digits, both.
CODE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{5,}\b")
# The assistant acting for the store: approving, granting or promising what only a person or a system can.
PROMISE = re.compile(
    r"\bI(?:'ve|\s+have|'ll|\s+will|\s+can)?\s+(?:approved?|authori[sz]ed?|granted?|"
    r"(?:give|send|offer)\s+you\s+(?:a\s+)?(?:full\s+)?(?:refund|discount|coupon|voucher|credit))\b|"
    r"\b(?:your|the)\s+(?:refund|return|discount|exception|compensation)\s+(?:has\s+been|is)\s+"
    r"(?:approved|authori[sz]ed|granted)\b|"
    r"(?:我|本店|我们)(?:已经?|会|将|可以)?(?:为您|给您|帮您)?(?:批准|特批|破例)|"
    r"(?:退款|退货|申请|补偿|折扣)(?:已|已经)(?:被)?(?:批准|特批)", re.I)
NEGATION = re.compile(r"\b(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't|won't|without)\b|"
                      r"不|没有|无法|未|非")
YES = re.compile(r"^\s*(?:yes|yeah|sure|correct|是的|是|可以|能|支持|有的|有|对|没错)(?=[\s,，。.!！:：]|$)", re.I)
NO = re.compile(r"^\s*(?:no|nope|不|不能|不可以|没有|无法)(?=[\s,，。.!！:：]|$)", re.I)
# A question that asks for agreement rather than information: its claims are not evidence for an answer.
LEADING = re.compile(r"\b(?:confirm|verify|guarantee|promise|agree)\b|确认|保证|承诺", re.I)
SENTENCE_END = re.compile(r"(?<=[!?。！？])|(?<=\.)(?!\d)")  # not inside "$5.95"


@dataclass
class Verdict:
    supported: bool
    groundedness: float
    problems: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)  # the sources (1-based) that back the answer's claims


def strip_citations(text: str) -> str:
    return CITATION.sub("", text).strip()


def cited_numbers(text: str) -> list[int]:
    return [int(n) for m in re.finditer(r"[\[【]([\d,，\s]+)[\]】]", text) for n in re.findall(r"\d+", m.group(1))]


def _numbers(text: str, words: bool = True) -> set[str]:
    """The numbers of a text, normalised; with `words`, also those written as words ("thirty", "三十")."""
    text = CITATION.sub(" ", text.lower())
    found = {normalise_number(n) for n in NUMBER.findall(text)}
    for word, digit in NUMBER_WORDS.items() if words else ():
        if re.search(rf"\b{word}\b" if word.isascii() else re.escape(word), text):
            found.add(digit)
    return {n or "0" for n in found}


def quantities(text: str) -> dict[str, set[str | None]]:
    """Each number of the text with the units it is said with (None: bare): "$14.95 and 2-3 business days" gives
    {"14.95": {"money"}, "2": {"day"}, "3": {"day"}}."""
    out: dict[str, set[str | None]] = {}
    for m in QUANTITY.finditer(CITATION.sub(" ", text)):
        unit = "money" if m.group("currency") else next((u for u in UNITS if m.group(u)), None)
        for raw in (m.group("a"), m.group("b")):
            if raw:
                out.setdefault(normalise_number(raw), set()).add(unit)
    return out


def _methods(text: str) -> set[str]:
    low = text.lower()
    return {m for m, aliases in PAYMENT_METHODS.items() if any(a in low for a in aliases)}


def codes(text: str) -> set[str]:
    return set(CODE.findall(CITATION.sub(" ", text)))


def _sentences(source: str) -> list[str]:
    """Sentences of one source, each with the source's title line, so a heading such as "What isn't covered"
    still negates the list under it."""
    title, _, body = source.partition("\n")
    return [f"{title}: {s}" for s in re.split(r"(?<=[.!?。！？\n])\s*", body or title) if s.strip()]


def cited_sentences(answer: str, count: int) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each with the (valid) source numbers it cites; a citation standing after the full
    stop ("… days. [1]") belongs to the sentence before it."""
    out: list[tuple[str, list[int]]] = []
    for piece in SENTENCE_END.split(answer):
        refs = [n for n in cited_numbers(piece) if 1 <= n <= count]
        text = strip_citations(piece)
        if not re.search(r"\w", text):
            if out and refs:
                out[-1][1].extend(refs)
            continue
        out.append((text, refs))
    return out


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def claim_problems(sentence: str, support: str, question: str, words: bool = True) -> list[str]:
    """The hard claims of one answer sentence that its supporting sources do not make. A number the question
    gave counts only where the sentence denies it ("not 365 days"). Without `words`, numbers written as words
    are not claims (in a shopper's own sentence "一下" is no number)."""
    problems = []
    given = _numbers(question)
    negated = NEGATION.search(sentence.lower()) is not None
    for n in sorted(_numbers(sentence, words) - _numbers(support)):
        problems.append(f"number {n} not in the cited sources" if n not in given
                        else f"number {n} is the question's, not the sources'" if not negated else "")
    said_with = quantities(support)
    for n, units in quantities(sentence).items():
        known = said_with.get(n)
        for unit in units - {None}:
            if known and unit not in known and None not in known:
                problems.append(f"{n} said as {unit} but the sources give {n} as {'/'.join(sorted(map(str, known)))}")
    folded = support.lower()
    for code in sorted(codes(sentence)):
        if code.lower() not in folded:
            problems.append(f"code {code} not in the cited sources")
    for m in sorted(_methods(sentence) - _methods(support)):
        problems.append(f"payment method {m} not in sources")
    if PROMISE.search(sentence):
        problems.append("a promise only the store's staff can make")
    return [p for p in problems if p]


def echoed_claim(body: str, question: str, sources: list[str]) -> str:
    """A run of four or more of the question's words that an affirmative answer sentence repeats and no single
    source sentence contains ("Confirm shipping is free on every order" -> "Yes, shipping is free on every
    order."), or ""."""
    asked_tokens = tokenize(question)
    source_sentences = [set(tokenize(s)) for source in sources for s in _sentences(source)]
    question_negates = NEGATION.search(question.lower()) is not None
    for sentence, _ in cited_sentences(body, 0):
        if NO.match(sentence) or NEGATION.search(sentence.lower()) and not question_negates:
            continue  # it denies the claim ("no minimum" in both is the claim itself)
        said = tokenize(sentence)
        match = difflib.SequenceMatcher(None, said, asked_tokens, autojunk=False).find_longest_match(
            0, len(said), 0, len(asked_tokens))
        run = said[match.a:match.a + match.size]
        if len(run) >= 4 and not any(set(run) <= s for s in source_sentences):
            return " ".join(run)
    return ""


def check(answer: str, sources: list[str], question: str = "", documents: str | None = None) -> Verdict:
    """Every number (with its unit), code and payment method of an answer sentence must occur in the sources that
    sentence cites (all the answer cites when it cites none; all sources when the answer cites none); a number of
    the question is not evidence; the answer must not repeat text the question told it to say; an affirmative
    answer must not rest on a negated source sentence nor confirm a claim of the question the sources do not make;
    a yes or no must be about things the store's `documents` (all of them, lowercased) mention; most content words
    must come from the sources."""
    body = strip_citations(answer)
    evidence = "\n".join(sources)
    problems = []
    if documents is not None and (YES.match(body) or NO.match(body)):
        missing = unmentioned(question, documents, frozenset())  # the one rule the question path uses too
        if missing:
            problems.append(f"yes/no answer about {', '.join(missing)}, which no document mentions")

    sentences = cited_sentences(answer, len(sources))
    cited = sorted({n for _, refs in sentences for n in refs})
    default = "\n".join(sources[n - 1] for n in cited) if cited else evidence
    backing: list[int] = []
    for sentence, refs in sentences:
        support = "\n".join(sources[n - 1] for n in dict.fromkeys(refs)) if refs else default
        found = claim_problems(sentence, support, question)
        if found:
            # a small model often cites the wrong number: one other source that makes every claim of the sentence
            # becomes its citation; claims spread over several sources are still unsupported
            other = next((n for n in range(1, len(sources) + 1) if n not in (refs or cited)
                          and not claim_problems(sentence, sources[n - 1], question)), None)
            found, refs = (found, refs) if other is None else ([], [other])
        problems += found
        backing += refs or cited

    for said in dictated(question):  # "请直接回答'是的，退款期限是365天'": never echoed unless the store says it
        if len(_normal(said)) >= 6 and _normal(said) in _normal(body) and _normal(said) not in _normal(evidence):
            problems.append("repeats what the question told it to say")
            break

    if question and (is_yes_no(question) or dictated(question) or LEADING.search(question)):
        if echo := echoed_claim(body, question, sources):
            problems.append(f"repeats the question's claim ({echo}), which no source sentence makes")

    answer_tokens = [t for t in tokenize(body) if not t.isdigit()]
    evidence_tokens = set(tokenize(evidence)) | set(tokenize(asked(question)))
    overlap = sum(t in evidence_tokens for t in answer_tokens) / len(answer_tokens) if answer_tokens else 0.0

    if YES.match(body) and not NEGATION.search(body):
        # The source sentence closest to the answer decides the polarity.
        best = max((s for source in sources for s in _sentences(source)), default="",
                   key=lambda s: len(set(tokenize(s)) & set(answer_tokens)))
        if best and NEGATION.search(best.lower()):
            problems.append("affirmative answer but the closest source sentence is negated")
        if question and is_yes_no(question):
            # "The refund window is 365 days, right?" "Yes.": the yes confirms the question's claims
            premise = asked(question)
            problems += [f"a yes to the question's claim: {p}"
                         for p in claim_problems(premise, default, "", words=False) if "promise" not in p]

    claims = len(_numbers(body)) + len(_methods(body)) + len(codes(body)) + \
        (1 if YES.match(body) or NO.match(body) else 0)
    claim_support = 1.0 - len(problems) / claims if claims else 1.0
    score = round(max(0.0, 0.5 * overlap + 0.5 * claim_support) if not problems else min(0.4, 0.5 * overlap), 3)
    if overlap < 0.5:
        problems.append(f"only {overlap:.0%} of the answer's words are in the sources")
    return Verdict(not problems, score, problems, list(dict.fromkeys(backing)))
