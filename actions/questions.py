"""Questions about products and policies: answered by the knowledge service, with its sources shown."""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import config
from actions.clients.knowledge import KnowledgeClient, KnowledgeUnavailable
from actions.handoff import hand_off
from actions.order_forms import language

HISTORY_TURNS = 2  # earlier user messages sent along, so "and in black?" can be understood
# Replies that mean the bot could not help: a second one in a row hands the shopper to a person.
UNHELPFUL_UTTERANCES = {"utter_out_of_scope", "utter_default", "utter_knowledge_unavailable"}
# The product page the shopper is on, as the web chat widget sends it in the message metadata ({"page": {...}}).
PRODUCT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def page_product_id(tracker: Tracker) -> Optional[str]:
    """The id of the product page the shopper is asking from, if the page said one and it looks like an id.
    It is always passed on: the knowledge service decides whether the question is about it ("is this
    waterproof?") or names another product."""
    metadata = tracker.latest_message.get("metadata") or {}
    page = metadata.get("page") if isinstance(metadata, dict) else None
    product_id = page.get("product_id") if isinstance(page, dict) else None
    return product_id if isinstance(product_id, str) and PRODUCT_ID.fullmatch(product_id) else None


def _previous_reply_unhelpful(tracker: Tracker) -> bool:
    """Whether the bot's reply to the shopper's previous message was a refusal or a fallback."""
    seen_current = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current:
                return False  # the previous turn had no bot reply
            seen_current = True
        elif event.get("event") == "bot" and seen_current:
            custom = (event.get("data") or {}).get("custom") or {}
            utter = (event.get("metadata") or {}).get("utter_action")
            return custom.get("route") == "refusal" or utter in UNHELPFUL_UTTERANCES
    return False


def _history(tracker: Tracker) -> List[Dict[str, str]]:
    """The last few exchanges before the current message, oldest first."""
    turns: List[Dict[str, str]] = []
    for skip in range(1, HISTORY_TURNS + 1):
        user = tracker.get_last_event_for("user", skip=skip)
        if user and user.get("text") and not user["text"].startswith("/"):
            turns.insert(0, {"role": "user", "content": user["text"]})
    bot = tracker.get_last_event_for("bot")
    if turns and bot and bot.get("text"):
        turns.append({"role": "assistant", "content": bot["text"]})
    return turns


class ActionAnswerQuestion(Action):
    """Answers a product or policy question with the knowledge service's grounded answer and an `answer` payload
    (citations, groundedness). When the service is down it replies utter_knowledge_unavailable and invents nothing.
    """

    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        client = KnowledgeClient(config.KNOWLEDGE_URL, config.KNOWLEDGE_TIMEOUT_S)
        question = tracker.latest_message.get("text") or ""
        try:
            result: Dict[str, Any] = await client.answer(question, language(tracker), _history(tracker),
                                                         conversation_id=tracker.sender_id,
                                                         product_id=page_product_id(tracker))
        except KnowledgeUnavailable:
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return hand_off("two_refusals") if _previous_reply_unhelpful(tracker) else []
        dispatcher.utter_message(
            text=result["answer"],
            json_message={
                "type": "answer",
                "citations": result.get("citations", []),
                "groundedness": result.get("groundedness", 0.0),
                # "store_policy" / "catalogue" when the answer was checked against the store's data, else None
                "label": result.get("label"),
                "offer_human": bool(result.get("offer_human")),
                "route": result.get("route"),
            },
        )
        if result.get("route") == "refusal" and _previous_reply_unhelpful(tracker):
            return hand_off("two_refusals")
        return []
