"""The reader: when the best quote's score is not sure enough, the local model picks which of a few candidate
quotes answers the shopper's question (or that none does) and, for a yes/no question, whether the answer is yes
or no. It writes two or three tokens, never the answer itself, so what the shopper reads is still the store's own
text; the prompt is short, so the cost is mostly evaluating ~150-300 prompt tokens (~2-4 s on two cores)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from .extractive import Extract

CANDIDATE_CHARS = 220  # of each candidate shown to the model; the quote served is the whole extract
READ_TOKENS = 4

# The fixed instructions come first so llama.cpp reuses their evaluated prefix across requests.
SYSTEM = """You help a store's customer service. Read the shopper's question and the numbered passages from the \
store's documents. Which passage states the answer to the question? Reply with its number only. A passage that is \
only on the same topic but does not state the answer does not count: if no passage states the answer, reply 0. If \
the question is a yes/no question, put yes or no after the number."""
# The question is asked twice: the small model keeps to it better when it is read again after the passages
# (tuned on the generated question set, knowledge/eval/questions.jsonl, not on the shopper-style one).
HUMAN = """Question: {question}

Passages:
{passages}

Question again: {question}
Which passage states the answer (number, or 0 if none)?"""
PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])
REPLY = re.compile(r"^\W*(\d+)\W*(yes|no|是|否|不)?", re.I)


@dataclass
class Reading:
    """The model's choice: the index into the candidates (None when none answers) and its yes/no, if any."""

    choice: int | None
    yes: bool | None
    raw: str


def shown(extract: Extract) -> str:
    """A candidate as the model reads it: the quote, cut at a sentence or word boundary near CANDIDATE_CHARS."""
    text = extract.text
    if len(text) <= CANDIDATE_CHARS:
        return text
    cut = text[:CANDIDATE_CHARS]
    end = max(cut.rfind(". "), cut.rfind("。"), cut.rfind("；"), cut.rfind("; "))
    return cut[:end + 1] if end > CANDIDATE_CHARS // 2 else cut.rsplit(" ", 1)[0] + " …"


def parse(raw: str, count: int) -> Reading:
    """"2 no" → the second candidate, no; "0", anything out of range or unreadable → none answers."""
    match = REPLY.match(raw or "")
    if not match:
        return Reading(None, None, raw)
    number = int(match.group(1))
    word = (match.group(2) or "").lower()
    yes = None if not word else word in ("yes", "是")
    return Reading(number - 1 if 1 <= number <= count else None, yes, raw)


class Reader:
    """Asks the chat model which candidate quote answers a question."""

    def __init__(self, model: BaseChatModel):
        self.chain = (PROMPT | model.bind(max_tokens=READ_TOKENS)).with_config(run_name="reader")

    def read(self, question: str, candidates: list[Extract]) -> Reading:
        passages = "\n".join(f"[{n}] {shown(c)}" for n, c in enumerate(candidates, 1))
        raw = self.chain.invoke({"passages": passages, "question": question}).content
        return parse(str(raw), len(candidates))
