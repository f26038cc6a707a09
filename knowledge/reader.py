"""The reader: when the best quote's score is neither sure nor hopeless, the local model judges the candidate quotes
one at a time ("does this passage answer the question?") and the first it finds likely enough, or reads as a
clear no, is served; for a yes/no question it is then asked whether the passage says yes or no. It reads the model's
probability of "yes", not just its reply, and writes nothing the shopper reads: what is shown is still the store's
own text.

One question and passage per prompt, question first: llama.cpp reuses the evaluated system prompt and question
across the candidates, so each further candidate costs its own ~60-80 tokens (~1 s on two cores). A list of
numbered passages in one prompt was tried first: the 1.5B model's choice barely depended on them (it answered "1"
or "0" with nearly the same probabilities whatever the passages said)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from .extractive import Extract
from .text import tokenize

CANDIDATE_CHARS = 300  # of each candidate shown to the model; the quote served is the whole extract

# The fixed instructions come first and the question before the passage, so the evaluated prefix is shared.
SYSTEM = "You check whether a passage from an online store's documents answers a shopper's question."
JUDGE = """Question: {question}

Passage: {passage}

Does this passage answer the question? Reply yes or no."""
POLARITY = """Question: {question}

Passage: {passage}

According to the passage, is the answer to the question yes or no? Reply yes or no."""
JUDGE_PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", JUDGE)])
POLARITY_PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", POLARITY)])
YES_NO_WORDS = ["yes", "Yes", "no", "No"]
# The judge takes a passage that answers "no" for one that does not answer ("can I pay by bank transfer?" / "We do
# not accept bank transfers": P(yes) 0.22). A passage with a negation that the model reads as a clear no to the
# question (P(yes) under NO_SURE on the POLARITY prompt) answers it. On the shopper-style set the answerable ones
# vetoed this way read 0.02-0.11, the unanswerable ones 0.13 and above.
NO_SURE = 0.1
NEGATION = re.compile(r"n't\b|\b(?:not|no|never|cannot|neither|nor)\b|不|没有|无法|无需|未", re.I)


@dataclass
class Reading:
    """The candidate judged to answer (its index, None when none did), the probability of "yes" the model gave
    each candidate it read, and, for a yes/no question, whether the passage says yes (None when not asked)."""

    choice: int | None
    judged: list[float]
    yes: bool | None = None


def passage_text(extract: Extract) -> str:
    return extract.text[:CANDIDATE_CHARS]


def says_no_about(question: str, extract: Extract) -> bool:
    """Whether the passage has a negation and shares a word with the question ("We do not accept bank transfers"
    for "can I pay by bank transfer?"): the model reads "no" into passages about other things too ("Gift cards
    never expire" for "how much is express delivery?")."""
    text = passage_text(extract)
    return NEGATION.search(text) is not None and bool(set(tokenize(question)) & set(tokenize(text)))


def yes_share(probabilities: list[float]) -> float:
    """P(yes) among the replies yes/Yes/no/No."""
    total = sum(probabilities)
    return (probabilities[0] + probabilities[1]) / total if total > 0 else 0.0


class Reader:
    """Asks the chat model whether each candidate quote answers a question."""

    def __init__(self, model: BaseChatModel):
        self.model = model
        self.judge_chain = (JUDGE_PROMPT | model.bind(max_tokens=2)).with_config(run_name="reader_judge")
        self.polarity_chain = (POLARITY_PROMPT | model.bind(max_tokens=2)).with_config(run_name="reader_polarity")

    def _yes(self, prompt: ChatPromptTemplate, chain, question: str, extract: Extract) -> float:
        """The probability the model's reply is yes: read from its first token when the backend tells
        (ChatLlamaCpp), else 1.0 or 0.0 from the reply it writes."""
        inputs = {"question": question, "passage": passage_text(extract)}
        scored = getattr(self.model, "reply_with_choice_probabilities", None)
        if scored is not None:
            _, probabilities = scored(prompt.format_messages(**inputs), YES_NO_WORDS, 1)
            return yes_share(probabilities)
        reply = str(chain.invoke(inputs).content)
        return 1.0 if re.match(r"\W*(yes|是)", reply, re.I) else 0.0

    def judge(self, question: str, extract: Extract) -> float:
        return self._yes(JUDGE_PROMPT, self.judge_chain, question, extract)

    def read(self, question: str, candidates: list[Extract], threshold: float, yes_no: bool = False) -> Reading:
        """Judges the candidates in order and stops at the first whose P(yes) reaches `threshold`."""
        judged: list[float] = []
        for i, candidate in enumerate(candidates):
            judged.append(self.judge(question, candidate))
            if judged[-1] >= threshold:
                says_yes = None
                if yes_no:
                    says_yes = self._yes(POLARITY_PROMPT, self.polarity_chain, question, candidate) >= 0.5
                return Reading(i, judged, says_yes)
            if self.clear_no(question, candidate):
                return Reading(i, judged, False if yes_no else None)  # a clear no answers the question
        return Reading(None, judged)

    def clear_no(self, question: str, extract: Extract) -> bool:
        """Whether the passage says a clear no to the question: a negation, a word of the question, and P(yes)
        under NO_SURE on the POLARITY prompt."""
        return says_no_about(question, extract) \
            and self._yes(POLARITY_PROMPT, self.polarity_chain, question, extract) < NO_SURE
