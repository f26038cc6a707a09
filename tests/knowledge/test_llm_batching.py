"""The batched llama backend (knowledge/llm/batching.py) with the real model: answers written side by side in one
batch are the ones greedy decoding writes for each alone, the system prompt's KV is reused, and the earlier
serial backend writes the same text for the same prompt."""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from knowledge.answer import PROMPT, REFUSAL
from knowledge.llm import build_chat_model
from knowledge.llm.batching import greedy_token
from knowledge.llm.llama import ChatLlamaBatched, ChatLlamaCpp

TOKENS = 12  # enough words to diverge if batching disturbed a sequence, short enough for a 2-core machine
# Questions whose greedy answers have no near-tie: the float sums of a batch of four are not bit-identical to those
# of one, so a token that wins by a hair alone can lose together ("退款多久到账" writes "到账" alone, "退回原" in a
# batch: both fine answers). A disturbed sequence (wrong positions, another slot's cache) writes another answer.

QUESTIONS = [
    ("[1] Refunds\nRefunds reach the original payment method 5-7 business days after the return arrives.",
     "how long do refunds take", "en"),
    ("[1] Shipping\nExpress shipping costs $15 and takes 1-2 business days.", "how much is express shipping?", "en"),
    ("[1] Gift cards\nGift cards never expire.", "do gift cards expire?", "en"),
    ("[1] 礼品卡\n礼品卡永不过期，可在线上和门店使用。", "礼品卡会过期吗？", "zh"),
]


def messages(sources: str, question: str, lang: str):
    return PROMPT.format_messages(sources=sources, question=question, refusal=REFUSAL[lang],
                                  language_name={"en": "English", "zh": "Simplified Chinese (简体中文)"}[lang])


def write(model, sources: str, question: str, lang: str) -> str:
    return "".join(c.text for c in model._stream(messages(sources, question, lang), max_tokens=TOKENS))


@pytest.fixture(scope="module")
def batched(settings) -> ChatLlamaBatched:
    model = build_chat_model(replace(settings, llm_backend="llama-batched"))
    assert isinstance(model, ChatLlamaBatched) and model.thread_safe
    return model


def test_greedy_token_applies_the_repeat_penalty_to_recent_tokens():
    logits = np.array([1.0, 1.04, -0.5, 0.2], dtype=np.float32)
    assert greedy_token(logits, [], 1.05) == 1
    assert greedy_token(logits, [1], 1.05) == 0  # 1.04 / 1.05 < 1.0
    assert greedy_token(logits, [1], 1.0) == 1
    assert greedy_token(logits, [0, 1], 1.05) == 1  # both penalised: the order stays


@pytest.mark.llm
def test_concurrent_answers_are_batched_and_match_each_alone(batched):
    engine = batched._engine
    alone = [write(batched, *q) for q in QUESTIONS]
    assert all(text.strip() for text in alone)
    steps_alone = engine.stats["steps"]
    together: dict[int, str] = {}
    start = threading.Barrier(len(QUESTIONS))

    def ask(i: int) -> None:
        start.wait()
        together[i] = write(batched, *QUESTIONS[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(QUESTIONS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    written = [together.get(i) or "" for i in range(len(QUESTIONS))]
    assert all(text.strip() for text in written), written
    # Greedy decoding in a batch of 4 adds floats in another order than alone: at a near-tie between two tokens
    # an answer may take the other one from there on ("5-7 business days [1]" vs "… after the return arrives.").
    # All but at most one answer start the same way (a near-tie can fall on the very first token: "Refunds reach
    # the original payment method 5-7 business" vs "5-7 business days [1]" on an AVX-512 machine); most are the
    # same to the end.
    assert sum(w[:8] == a[:8] for w, a in zip(written, alone)) >= len(alone) - 1, (written, alone)
    assert sum(w == a for w, a in zip(written, alone)) >= len(alone) // 2, (written, alone)
    # Sharing batches: far fewer decode calls than the same answers one after another.
    assert engine.stats["steps"] - steps_alone < 0.6 * steps_alone


@pytest.mark.llm
def test_the_system_prompt_is_evaluated_once_and_reused(batched):
    tokens, prefix = batched.prompt_tokens(messages(*QUESTIONS[0]))
    assert 100 < prefix < len(tokens)  # the rules, not the sources or the question
    write(batched, *QUESTIONS[2])
    reused = batched._engine.stats["prefix_reused"]
    write(batched, *QUESTIONS[0])
    assert batched._engine.stats["prefix_reused"] - reused == prefix


@pytest.mark.llm
def test_an_abandoned_answer_frees_its_slot(batched):
    expected = write(batched, *QUESTIONS[2])
    for _ in range(batched.slots + 1):  # more than there are slots: each must have been given back
        stream = batched._stream(messages(*QUESTIONS[2]), max_tokens=TOKENS)
        next(stream)
        stream.close()
    assert write(batched, *QUESTIONS[2]) == expected


@pytest.mark.llm
def test_same_text_as_the_serial_backend(batched):
    serial = ChatLlamaCpp(model_path=batched.model_path, n_threads=batched.n_threads)
    assert write(batched, *QUESTIONS[3]) == write(serial, *QUESTIONS[3])  # Chinese: multi-byte tokens too
