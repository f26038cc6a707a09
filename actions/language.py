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
        """Sets `language` to this message's language. A message with no clear language (a button, a photo, an
        order number) takes the language the shopper's chat page is shown in, when the channel says it (the web
        chat sends `ui_language` metadata; the slot starts as "en", so a Chinese page's first photo needs it);
        otherwise the previous language stays."""
        language = detect_language(tracker.latest_message.get("text") or "")
        if not language:
            metadata = tracker.latest_message.get("metadata") or {}
            shown = metadata.get("ui_language") if isinstance(metadata, dict) else None
            language = shown if shown in ("en", "zh") else None
        return {"language": language} if language else {}
