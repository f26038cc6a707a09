"""What the language model reads carries no card number, e-mail or phone number the shopper typed (shop/redact.py,
called where knowledge/answer.py builds the prompt). Real fixture index and embedder; a fake model that records its
prompt."""
from __future__ import annotations

from typing import Any, List

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from knowledge.answer import REFUSAL, Answerer

PROMPTS: List[str] = []


class RecordingModel(FakeListChatModel):
    """Refuses every question and keeps the text of each prompt it was given."""

    def _stream(self, messages: List[Any], *args: Any, **kwargs: Any):
        PROMPTS.append("\n".join(str(m.content) for m in messages))
        return super()._stream(messages, *args, **kwargs)


def test_the_prompt_holds_no_card_email_or_phone(fixture_index):
    answerer = Answerer(fixture_index, RecordingModel(responses=[REFUSAL["en"]]), routes=("generated",))
    PROMPTS.clear()
    answerer.answer("My card 4111 1111 1111 1111 was charged twice for the rain jacket; write to jo.walker@example.com "
                    "or call +1 503 555 0107. How do refunds work?", "en")
    [prompt] = PROMPTS
    assert "[card]" in prompt and "[email]" in prompt and "[phone]" in prompt, prompt
    for raw in ("4111", "jo.walker", "555 0107"):
        assert raw not in prompt
    assert "How do refunds work?" in prompt and "rain jacket" in prompt


def test_a_follow_up_borrows_a_redacted_earlier_question(fixture_index):
    answerer = Answerer(fixture_index, RecordingModel(responses=[REFUSAL["zh"]]), routes=("generated",))
    PROMPTS.clear()
    history = [{"role": "user", "content": "我的手机13812345678，退货要多久？"}]
    answerer.answer("那国际地址的呢？", "zh", history)  # leans on the returns question
    [prompt] = PROMPTS
    assert "13812345678" not in prompt and "[phone]" in prompt, prompt
