"""What the chat backends share: langchain message types to chat roles, and `_generate` from `_stream`."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def chat_messages(messages: list[BaseMessage]) -> list[dict]:
    """langchain messages as the {role, content} dicts chat templates expect (unknown types count as the user)."""
    return [{"role": ROLES.get(m.type, "user"), "content": m.content} for m in messages]


class StreamingChatModel(BaseChatModel):
    """A chat model that only implements `_stream`; a whole reply is the streamed pieces joined."""

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
