"""The conversation's language (actions/language.py): the message's own language first; a message with none (a
button, a photo) takes the chat page's language when the channel says it, else keeps the previous one."""

import pytest
from rasa_sdk import Tracker

from actions.language import ValidateSlotMappings


def language_after(text, slot=None, ui_language=None):
    latest = {"text": text, "metadata": {"ui_language": ui_language} if ui_language else {}}
    tracker = Tracker("conv", {"language": slot}, latest, [], False, None, {}, "action_listen")
    return ValidateSlotMappings().extract_language(None, tracker, {}).get("language")


@pytest.mark.parametrize("text, slot, ui, expected", [
    ("你好", None, "en", "zh"),                      # the words win over the page
    ("hello", "zh", "zh", "en"),
    ('/share_photo{"attachment_id": "x"}', "en", "zh", "zh"),  # the page the shopper reads is Chinese
    ('/share_photo{"attachment_id": "x"}', "zh", None, None),  # no page language said: unchanged
    ("TP10042", None, None, None),
    ("/greeting", None, "fr", None),                # only languages the store speaks
])
def test_the_language_follows_the_words_then_the_page(text, slot, ui, expected):
    assert language_after(text, slot, ui) == expected
