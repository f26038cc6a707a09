"""The default backend: a local GGUF model through llama-cpp-python."""
from __future__ import annotations

from contextlib import closing
from typing import Any, Iterator

import numpy as np

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

    def reply_with_choice_probabilities(self, messages: list[BaseMessage], options: list[str], max_tokens: int
                                        ) -> tuple[str, list[float]]:
        """A short greedy reply, plus how likely the model found each of `options` ("0", "1", ...) as the first
        token of it: a choice among numbered passages then comes with a confidence, not just an argmax. The
        first step's logits are read by a logits processor, so the KV cache of the fixed prefix is reused as in
        `_stream`."""
        first: list[np.ndarray] = []

        def capture(input_ids, scores):
            if not first:
                first.append(np.array(scores, dtype=np.float64))
            return scores

        from llama_cpp import LogitsProcessorList

        reply = self._llm.create_chat_completion(messages=chat_messages(messages), temperature=0.0, top_k=1,
                                                 max_tokens=max_tokens, repeat_penalty=1.05,
                                                 logits_processor=LogitsProcessorList([capture]))
        text = reply["choices"][0]["message"].get("content") or ""
        if not first:
            return text, [0.0] * len(options)
        logits = first[0] - first[0].max()
        probabilities = np.exp(logits) / np.exp(logits).sum()
        ids = [self._llm.tokenize(option.encode(), add_bos=False, special=False)[0] for option in options]
        return text, [float(probabilities[i]) for i in ids]


class ChatLlamaBatched(StreamingChatModel):
    """Greedy decoding like ChatLlamaCpp, with the same chat template and penalty, but concurrent requests share
    one batch (batching.py) instead of waiting for each other; the system prompt's KV is kept and reused.
    Thread-safe: `_stream` may run in several threads at once."""

    model_path: str
    slots: int = 4
    n_ctx: int = 2048  # per request, as ChatLlamaCpp's context
    n_threads: int = 2
    max_tokens: int = 120
    repeat_penalty: float = 1.05
    lookup_tokens: int = 0  # prompt-lookup drafts checked per step (0: off)
    thread_safe: bool = True  # read by the Answerer: no lock around generation
    _engine: Any = PrivateAttr(default=None)
    _template: Any = PrivateAttr(default=None)
    _system_template: Any = PrivateAttr(default=None)
    _stop: list = PrivateAttr(default_factory=list)

    def model_post_init(self, __context: Any) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        from .batching import BatchedLlama

        self._engine = BatchedLlama(self.model_path, slots=self.slots, n_ctx_per_slot=self.n_ctx,
                                    n_threads=self.n_threads, repeat_penalty=self.repeat_penalty,
                                    lookup_tokens=self.lookup_tokens)
        model = self._engine.model
        template = model.metadata().get("tokenizer.chat_template")
        if not template:
            raise ValueError(f"{self.model_path} has no chat template")
        # As Llama() builds its handler from the GGUF's template (create_chat_completion's prompt and stop).
        eos, bos = model.token_eos(), model.token_bos()
        tokens = {"eos_token": model.token_get_text(eos) if eos != -1 else "",
                  "bos_token": model.token_get_text(bos) if bos != -1 else ""}
        self._template = Jinja2ChatFormatter(template=template, **tokens)
        self._system_template = Jinja2ChatFormatter(template=template, add_generation_prompt=False, **tokens)
        self._stop = [tokens["eos_token"]]

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-batched"

    def prompt_tokens(self, messages: list[BaseMessage]) -> tuple[list[int], int]:
        """The prompt's tokens and how many of them are the leading system messages (the prefix kept in cache)."""
        chat = chat_messages(messages)
        prompt = self._template(messages=chat).prompt
        tokens = self._engine.tokenize(prompt)
        system = chat[:next((i for i, m in enumerate(chat) if m["role"] != "system"), len(chat))]
        prefix = self._system_template(messages=system).prompt if system else ""
        if not prefix or not prompt.startswith(prefix):
            return tokens, 0
        shared = 0
        for a, b in zip(self._engine.tokenize(prefix), tokens):
            if a != b:
                break
            shared += 1
        return tokens, shared

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        tokens, prefix_len = self.prompt_tokens(messages)
        pieces = self._engine.generate(tokens, kwargs.get("max_tokens", self.max_tokens), (stop or []) + self._stop,
                                       prefix_len)
        with closing(pieces):  # a consumer that stops reading gives the slot back at once
            for delta in pieces:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
