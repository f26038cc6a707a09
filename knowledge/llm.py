"""Chat models behind langchain's BaseChatModel: a local GGUF through llama-cpp-python (default) or an
OpenAI-compatible server (vLLM, Ollama, llama.cpp server)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from .config import Settings
from .models import MODELS

ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class ChatLlamaCpp(BaseChatModel):
    """Greedy decoding; llama.cpp keeps the previous prompt's KV cache, so a fixed system prompt is only
    evaluated once. Not thread-safe: the caller serialises requests."""

    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 120
    _llm: Any = PrivateAttr(default=None)

    def model_post_init(self, __context: Any) -> None:
        from llama_cpp import Llama

        self._llm = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                          n_threads_batch=self.n_threads, verbose=False)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        payload = [{"role": ROLES.get(m.type, "user"), "content": m.content} for m in messages]
        for part in self._llm.create_chat_completion(messages=payload, stream=True, temperature=0.0, top_k=1,
                                                     max_tokens=kwargs.get("max_tokens", self.max_tokens),
                                                     stop=stop, repeat_penalty=1.05):
            delta = part["choices"][0]["delta"].get("content")
            if delta:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def resolve_model_path(settings: Settings) -> Path:
    name = settings.llm_model
    if name in MODELS:
        path = settings.models_dir / MODELS[name].file
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `make knowledge-setup` "
                                    f"(or `python -m knowledge fetch-model --model {name}`)")
        return path
    return Path(name)


def build_chat_model(settings: Settings) -> BaseChatModel:
    if settings.llm_backend == "llama":
        return ChatLlamaCpp(model_path=str(resolve_model_path(settings)), n_threads=settings.threads,
                            max_tokens=settings.max_answer_tokens)
    if settings.llm_backend == "openai":
        from langchain_openai import ChatOpenAI  # optional: only needed for a served model

        return ChatOpenAI(model=settings.llm_model, base_url=settings.openai_base_url,
                          api_key=settings.openai_api_key, temperature=0, max_tokens=settings.max_answer_tokens)
    if settings.llm_backend == "hf":
        from .hf import ChatTransformers  # optional: needs torch + transformers

        return ChatTransformers(model_path=str(resolve_model_path(settings)), max_tokens=settings.max_answer_tokens)
    raise ValueError(f"unknown KNOWLEDGE_LLM_BACKEND {settings.llm_backend!r} (llama, openai, hf)")
