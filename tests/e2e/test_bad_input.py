"""Malformed requests get a clear 4xx JSON error, never a 500 (issue 13's findings on the knowledge service and the
web chat's Host header)."""

from __future__ import annotations

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
