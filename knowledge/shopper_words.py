"""The store's terms for what shoppers say otherwise ("保修" for its "质保", "promo code" for its "discount code"),
read from the operator's shopper_words.yml. A question with a shopper's word is looked up with the store's term
added, so the embedder and the word match see the documents' wording: "保修多久" scored 0.92 against the warranty
section and lost to a refund passage; "保修多久 (质保)" finds it at 0.95."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ShopperWords:
    """(shopper's word as a pattern, the store's term) pairs."""

    pairs: tuple[tuple[re.Pattern, str], ...] = ()

    @classmethod
    def from_mapping(cls, terms: dict) -> "ShopperWords":
        pairs = []
        for term, words in terms.items():
            if not isinstance(term, str) or not isinstance(words, list) or \
                    not all(isinstance(w, str) and w.strip() for w in words):
                raise ValueError(f"shopper words: {term!r} must map to a list of words, got {words!r}")
            for word in words:
                # whole English words ("coupon" is not in "coupons"); Chinese words as written
                pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
                pairs.append((re.compile(pattern, re.I), term))
        return cls(tuple(pairs))

    @classmethod
    def load(cls, path: Path | None) -> "ShopperWords":
        """The file's pairs; none when there is no file. A malformed file is an error that names it."""
        if path is None or not path.is_file():
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls.from_mapping(data.get("terms") or {})
        except (yaml.YAMLError, AttributeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error

    def expanded(self, question: str) -> str:
        """The question with the store's terms for its shopper words after it, in brackets."""
        terms = [term for pattern, term in self.pairs if pattern.search(question) and term.lower() not in
                 question.lower()]
        return f"{question} ({', '.join(dict.fromkeys(terms))})" if terms else question

    def translated(self, question: str) -> str:
        """The question in the store's terms ("can I stack two promo codes?" → "can I stack two discount code?"):
        what to ask whether the store's text mentions what the shopper asks about."""
        for pattern, term in self.pairs:
            question = pattern.sub(term, question)
        return question
