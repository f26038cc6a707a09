"""Which of the store's languages (en, zh) a text is written in."""

from __future__ import annotations

import re
from typing import Optional

from shop.identifiers import EMAIL_PATTERN, ORDER_ID_PATTERN

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> Optional[str]:
    """'zh' if a shopper's message has Chinese characters, 'en' if it has English words, else None.

    Order numbers and emails are removed first: "TP10042" alone says nothing about the language; button payloads
    ("/human_agent") say nothing either.
    """
    if not text or text.startswith("/"):
        return None
    if CJK.search(text):
        return "zh"
    words = EMAIL_PATTERN.sub(" ", ORDER_ID_PATTERN.sub(" ", text))
    return "en" if LATIN_WORD.search(words) else None


def document_language(text: str) -> str:
    """'zh' when at least one character in 20 is Chinese (a document or chunk), else 'en'; never None."""
    return "zh" if len(CJK.findall(text)) >= max(1, len(text) // 20) else "en"
