"""Malformed requests get a clear 4xx JSON error, never a 500 (issue 13's findings on the knowledge service and the
web chat's Host header)."""

from __future__ import annotations

import json
import time

import pytest
import requests

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/answer", b"[" * 100_000 + b"]" * 100_000),   # nested deeper than Python's parser goes
    ("POST", "/recommend", b'{"message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    ("GET", "/answer", None),                               # a POST route
    ("OPTIONS", "/answer", None),
    ("POST", "/answer", b"\xff\xfe not utf-8"),
    ("POST", "/search", b"null"),
])
def test_the_knowledge_service_answers_bad_requests_with_a_json_4xx(stack, method, path, body):
    reply = requests.request(method, f"{stack.knowledge_url}{path}", data=body, timeout=60,
                             headers={"Content-Type": "application/json"})
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:200])
    assert isinstance(reply.json().get("error"), str)
    assert requests.get(f"{stack.knowledge_url}/health", timeout=30).ok


def test_the_web_chat_ignores_a_forged_host_header(stack):
    config = requests.get(f"{stack.webchat_url}/config.json", headers={"Host": "evil.example"}, timeout=30).json()
    assert config["socketUrl"] == stack.rasa_url
    page = requests.get(stack.webchat_url, headers={"Host": "evil.example"}, timeout=30)
    assert "evil.example" not in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("body, status", [
    (b"", 400), (b"null", 400), (b"[]", 400), (b"1", 400), (b'"hi"', 400), (b"{not json", 400),
    (json.dumps({"sender": "s", "message": 5}).encode(), 400),         # Rasa answered a silent 200 []
    (json.dumps({"sender": ["s"], "message": "hi"}).encode(), 400),
    (json.dumps({"sender": "s", "message": "   "}).encode(), 400),
    (b'{"sender": "s", "message": "\\ud800"}', 400),                   # a lone surrogate
    (json.dumps({"sender": "s", "message": "x" * 6000}).encode(), 413),
])
def test_the_rest_webhook_refuses_malformed_bodies_with_a_json_4xx(stack, body, status):
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body, timeout=60,
                          headers={"Content-Type": "application/json"})
    assert reply.status_code == status and isinstance(reply.json().get("error"), str), reply.text[:200]


def test_a_million_character_message_is_refused_at_once_and_nobody_waits(stack, sender):
    started = time.monotonic()
    huge = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60,
                         json={"sender": sender, "message": "a" * 1_000_000})
    assert huge.status_code == 413 and time.monotonic() - started < 5
    assert stack.say(f"{sender}-other", "hi").texts  # another shopper is answered as usual
    assert not [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]  # nothing reached Rasa
