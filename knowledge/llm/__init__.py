"""Chat models behind langchain's BaseChatModel: a local GGUF through llama-cpp-python (default, llama.py; concurrent
answers share one batch, batching.py), an OpenAI-compatible server (vLLM, Ollama, llama.cpp server) or a local
transformers folder (hf.py). models.py fetches the packaged GGUF files. Backends are imported only when built, so
`knowledge.llm.models` stays light."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from .models import MODELS

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel


def resolve_model_path(settings: Settings) -> Path:
    """The file or folder of the configured model: a packaged name's fetched GGUF (which must exist), else the
    setting taken as a path."""
    name = settings.llm_model
    if name in MODELS:
        path = settings.models_dir / MODELS[name].file
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `make knowledge-setup` "
                                    f"(or `python -m knowledge fetch-model --model {name}`)")
        return path
    return Path(name)


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model KNOWLEDGE_LLM_BACKEND names (llama, llama-batched, openai, hf), loaded and ready;
    FileNotFoundError when a local model is missing, ImportError when an optional backend is not installed,
    ValueError for another name. `llama` writes one answer at a time (create_chat_completion; the caller holds a
    lock); `llama-batched` writes concurrent answers in one batch (thread-safe). On two shared cores decoding is
    compute-bound, so batching did not shorten full answers under load (reports/rag_bench.md): `llama` stays the
    default."""
    if settings.llm_backend == "llama-batched":
        from .llama import ChatLlamaBatched

        return ChatLlamaBatched(model_path=str(resolve_model_path(settings)), n_threads=settings.threads,
                                max_tokens=settings.max_answer_tokens)
    if settings.llm_backend == "llama":
        from .llama import ChatLlamaCpp

        return ChatLlamaCpp(model_path=str(resolve_model_path(settings)), n_threads=settings.threads,
                            max_tokens=settings.max_answer_tokens)
    if settings.llm_backend == "openai":
        from langchain_openai import ChatOpenAI  # optional: only needed for a served model

        return ChatOpenAI(model=settings.llm_model, base_url=settings.openai_base_url,
                          api_key=settings.openai_api_key, temperature=0, max_tokens=settings.max_answer_tokens)
    if settings.llm_backend == "hf":
        from .hf import ChatTransformers  # optional: needs torch + transformers

        return ChatTransformers(model_path=str(resolve_model_path(settings)), max_tokens=settings.max_answer_tokens)
    raise ValueError(f"unknown KNOWLEDGE_LLM_BACKEND {settings.llm_backend!r} (llama, llama-batched, openai, hf)")
