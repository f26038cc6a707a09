"""Detects the shopper's language every turn, so replies follow the language of the message."""

import re
from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.api.store import EMAIL_PATTERN, ORDER_ID_PATTERN

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> str | None:
    """'zh' if the message has Chinese characters, 'en' if it has English words, else None.

    Order numbers and emails are removed first: "TP10042" alone says nothing about the language.
    """
    if not text or text.startswith("/"):  # button payloads such as "/human_agent"
        return None
    if CJK.search(text):
        return "zh"
    words = EMAIL_PATTERN.sub(" ", ORDER_ID_PATTERN.sub(" ", text))
    return "en" if LATIN_WORD.search(words) else None


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message (Rasa's action_validate_slot_mappings)."""

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        language = detect_language(tracker.latest_message.get("text") or "")
        return {"language": language} if language else {}
