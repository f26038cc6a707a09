"""action_answer_question against the real knowledge service, and with the service down."""
from __future__ import annotations

import asyncio
import socket

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.questions import ActionAnswerQuestion


def tracker(text: str, language: str = "en", earlier: list[str] = ()) -> Tracker:
    events = []
    for t in list(earlier) + [text]:
        events.append({"event": "user", "text": t, "parse_data": {}})
        events.append({"event": "bot", "text": "ok"} if t != text else {"event": "action", "name": "x"})
    return Tracker("t1", {"language": language}, {"text": text, "intent": {"name": "product_question"}},
                   events, False, None, {}, "action_listen")


def run_action(monkeypatch, url: str, text: str, **kwargs) -> list[dict]:
    monkeypatch.setattr(config, "KNOWLEDGE_URL", url)
    monkeypatch.setattr(config, "KNOWLEDGE_TIMEOUT_S", 120.0)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerQuestion().run(dispatcher, tracker(text, **kwargs), {}))
    assert events == []
    return dispatcher.messages


@pytest.mark.llm
def test_answer_with_citations(monkeypatch, service):
    messages = run_action(monkeypatch, service, "How many days do I have to return an item?")
    assert len(messages) == 1
    message = messages[0]
    assert "30" in message["text"]
    assert message["custom"]["type"] == "answer"
    assert message["custom"]["citations"][0]["source"] == "en/returns.md"
    assert 0 <= message["custom"]["groundedness"] <= 1


def test_service_down_says_unavailable(monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    messages = run_action(monkeypatch, f"http://127.0.0.1:{port}", "Is the jacket waterproof?")
    assert [m["response"] for m in messages] == ["utter_knowledge_unavailable"]


def test_service_timeout_says_unavailable(monkeypatch):
    with socket.socket() as server:  # accepts connections (backlog) but never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        monkeypatch.setattr(config, "KNOWLEDGE_URL", url)
        monkeypatch.setattr(config, "KNOWLEDGE_TIMEOUT_S", 1.0)
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerQuestion().run(dispatcher, tracker("Do gift cards expire?"), {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_knowledge_unavailable"]
