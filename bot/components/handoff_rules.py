"""The store operator's own handoff triggers, from a rules file read at run time (no retraining to change them).

A rule names words or phrases (per language) or intents; a message that matches is turned into a request for a
person (`human_agent`, so every form's "talk to a person" digression applies) with a `handoff_reason` entity of
`rule:<name>`, which the handoff action passes to the agent desk. Placed last in the pipeline, after the fallback.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT,
)
from rasa.shared.nlu.training_data.message import Message

log = logging.getLogger(__name__)
HANDOFF_INTENT = "human_agent"
MAX_TEXT = 5000  # rules look at the start of a message; a pasted novel is not read whole


class Rule:
    def __init__(self, spec: Dict[Text, Any]) -> None:
        self.name = str(spec["name"])
        words = spec.get("words") or {}
        phrases = [str(w).lower() for ws in (words.values() if isinstance(words, dict) else [words]) for w in ws or []]
        # Latin words match whole ("sue", not "issue"); CJK phrases match anywhere (no spaces between words).
        latin = [re.escape(p) for p in phrases if p.isascii()]
        self.pattern = re.compile(r"\b(?:" + "|".join(latin) + r")\b") if latin else None
        self.cjk = [p for p in phrases if not p.isascii()]
        self.intents = {str(i) for i in spec.get("intents") or []}
        self.min_confidence = float(spec.get("min_confidence", 0.5))

    def matches(self, text: str, intent: Optional[str], confidence: float) -> bool:
        if intent in self.intents and confidence >= self.min_confidence:
            return True
        return bool(self.pattern and self.pattern.search(text)) or any(p in text for p in self.cjk)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class HandoffRules(GraphComponent, IntentClassifier):
    """Turns a message that matches an operator's rule into `human_agent` with a `handoff_reason` entity."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"rules_file": "data/store/handoff_rules.yml"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.path = Path(os.environ.get("HANDOFF_RULES_FILE") or config["rules_file"])
        self._loaded: tuple[float, List[Rule]] = (-1.0, [])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "HandoffRules":
        return cls(config)

    def rules(self) -> List[Rule]:
        """The rules file as it is now; a broken edit keeps the last good rules and says why in the log."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return []
        if mtime != self._loaded[0]:
            try:
                specs = (yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}).get("rules") or []
                self._loaded = (mtime, [Rule(s) for s in specs if isinstance(s, dict) and s.get("name")])
            except (OSError, yaml.YAMLError, TypeError, ValueError) as error:
                log.error("handoff rules in %s not loaded: %s", self.path, error)
                self._loaded = (mtime, self._loaded[1])
        return self._loaded[1]

    def process(self, messages: List[Message]) -> List[Message]:
        rules = self.rules()
        for message in messages:
            text = (message.get(TEXT) or "")[:MAX_TEXT].lower()
            intent = message.get(INTENT) or {}
            name, confidence = intent.get(INTENT_NAME_KEY), float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            rule = next((r for r in rules if r.matches(text, name, confidence)), None)
            if rule is None or name == HANDOFF_INTENT:
                continue
            handoff = {INTENT_NAME_KEY: HANDOFF_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != HANDOFF_INTENT]
            message.set(INTENT, handoff, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [handoff, *ranking], add_to_output=True)
            reason = {"entity": "handoff_reason", "value": f"rule:{rule.name}", "start": 0, "end": 0,
                      "confidence": 1.0, "extractor": self.__class__.__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), reason], add_to_output=True)
        return messages
