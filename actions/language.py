"""Detects the shopper's language every turn, so replies follow the language of the message."""

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from shop.language import detect_language

class ValidateSlotMappings(ValidationAction):
    """Runs after every user message (Rasa's action_validate_slot_mappings)."""

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Sets `language` to this message's language; a message with no clear language keeps the previous one."""
        language = detect_language(tracker.latest_message.get("text") or "")
        return {"language": language} if language else {}
