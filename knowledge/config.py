"""The one place that reads the environment for the knowledge service."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shop.settings import StoreSettings, store_settings

# Never let any library reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "qwen2.5-1.5b"
# The store's name and currency (its store.yml), for catalogues that do not name a currency and for copy prompts.
STORE_DIR = Path(os.environ.get("STORE_DATA_DIR", ROOT / "data" / "store"))
STORE: StoreSettings = store_settings(STORE_DIR / "store.yml")


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    models_dir: Path
    port: int
    # "llama" (local GGUF via llama-cpp-python), "hf" (local transformers model dir), "openai" (compatible server)
    llm_backend: str
    # A name from knowledge.llm.models.MODELS, a path to a GGUF file / HF folder, or the served model name.
    llm_model: str
    openai_base_url: str
    openai_api_key: str
    threads: int
    max_answer_tokens: int
    shopper_words: Path  # the store's terms for what shoppers say otherwise (shopper_words.py)

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get
        return cls(
            index_dir=Path(env("KNOWLEDGE_INDEX", str(ROOT / "data" / "index"))),
            models_dir=Path(env("KNOWLEDGE_MODELS", str(ROOT / "data" / "models"))),
            port=int(env("KNOWLEDGE_PORT", "8000")),
            llm_backend=env("KNOWLEDGE_LLM_BACKEND", "llama"),
            llm_model=env("KNOWLEDGE_LLM_MODEL", DEFAULT_MODEL),
            openai_base_url=env("KNOWLEDGE_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            openai_api_key=env("KNOWLEDGE_OPENAI_API_KEY", "not-needed"),
            threads=int(env("KNOWLEDGE_THREADS", str(os.cpu_count() or 2))),
            max_answer_tokens=int(env("KNOWLEDGE_MAX_TOKENS", "120")),
            shopper_words=Path(env("KNOWLEDGE_SHOPPER_WORDS", str(STORE_DIR / "shopper_words.yml"))),
        )
