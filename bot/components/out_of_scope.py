"""Out-of-scope as a decision of its own: a message whose best in-scope intent is not confident enough is off-topic.

The intent classifier already knows an `out_of_scope` class, trained on everyday off-topic text ("play some jazz",
"感冒了吃什么药好"). This gate adds the second half of the decision: when the top intent is an in-scope one with a
(calibrated) confidence below `threshold`, the message is declined as out of scope instead of starting a form.
`threshold` is chosen on data (`make eval-nlu` sweeps it and draws in-scope accuracy against out-of-scope recall).
Placed after the classifier and before the FallbackClassifier, whose lower threshold still sends the least certain
messages to the knowledge service.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OutOfScopeGate(GraphComponent, IntentClassifier):
    """Turns a low-confidence in-scope intent into `out_of_scope`, keeping the classifier's ranking below it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.5, "out_of_scope_intent": OUT_OF_SCOPE}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.intent = config["out_of_scope_intent"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OutOfScopeGate":
        return cls(config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not 0.0 <= float(config.get("threshold", 0.5)) <= 1.0:
            raise ValueError("OutOfScopeGate: threshold must be between 0 and 1")

    def process(self, messages: List[Message]) -> List[Message]:
        """Declines messages whose top in-scope intent is below the threshold."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name, confidence = intent.get(INTENT_NAME_KEY), float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            if not name or name == self.intent or confidence >= self.threshold:
                continue
            # How sure we are that it is none of the in-scope intents: what the top one leaves over.
            declined = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: 1.0 - confidence}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self.intent]
            message.set(INTENT, declined, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [declined, *ranking], add_to_output=True)
        return messages
