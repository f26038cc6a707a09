"""The default backend: a local GGUF model through llama-cpp-python."""
from __future__ import annotations

from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from .chat import StreamingChatModel, chat_messages


class ChatLlamaCpp(StreamingChatModel):
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
        for part in self._llm.create_chat_completion(messages=chat_messages(messages), stream=True, temperature=0.0,
                                                     top_k=1, max_tokens=kwargs.get("max_tokens", self.max_tokens),
                                                     stop=stop, repeat_penalty=1.05):
            delta = part["choices"][0]["delta"].get("content")
            if delta:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
