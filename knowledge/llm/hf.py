"""Optional backend: a local Hugging Face model folder through transformers (KNOWLEDGE_LLM_BACKEND=hf).
Needs `pip install torch==2.13.0 transformers accelerate`, which the default setup does not install: on this
machine llama-cpp-python decodes 2-3x faster with a fraction of the memory (docs: offline-stack.md)."""
from __future__ import annotations

import threading
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import PrivateAttr

from .chat import StreamingChatModel, chat_messages


class ChatTransformers(StreamingChatModel):
    """Greedy decoding of a local transformers model folder (local files only: never a model hub)."""

    model_path: str
    max_tokens: int = 120
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    def model_post_init(self, __context: Any) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        # local_files_only: never reach a hub, whatever the environment says
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        self._model = AutoModelForCausalLM.from_pretrained(self.model_path, local_files_only=True,
                                                           torch_dtype="auto")

    @property
    def _llm_type(self) -> str:
        return "transformers"

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        from transformers import TextIteratorStreamer

        inputs = self._tokenizer.apply_chat_template(chat_messages(messages), add_generation_prompt=True,
                                                     return_tensors="pt", return_dict=True)
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        worker = threading.Thread(target=self._model.generate, kwargs={
            **inputs, "max_new_tokens": kwargs.get("max_tokens", self.max_tokens), "do_sample": False,
            "streamer": streamer})
        worker.start()
        for text in streamer:
            if text:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
        worker.join()

