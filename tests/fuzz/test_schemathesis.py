"""Schemathesis against the real servers, from our OpenAPI descriptions (docs/openapi/): requests that fit the
description and requests that break it (negative mode: wrong types, missing fields, bad paths). No answer may be a
5xx, each must come back within a time bound (no hang), and our own services' answers must match what their
description documents (status code, content type, body schema).

Per operation, a budget of positive and negative examples (scaled by FUZZ_SCALE); the expensive ones stay small:
a positive /answer runs the language model (5-30 s on a CPU), a positive REST message is a whole Rasa turn. Routes
that stream forever (the live views) are fuzzed in negative mode only. Deterministic (derandomize): a failure is the
same input on the next run."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List

import pytest
import requests
import schemathesis
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from scripts.desk_client import DeskAgent, add_agent
from tests.fuzz.counts import INPUTS, SERVER_ERRORS, SLOWEST, STATUSES, fuzz_settings

pytestmark = pytest.mark.stack

SPECS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NO_5XX = [not_a_server_error]


@dataclass
class Target:
    """One operation to fuzz: its description, the example budgets per mode, and the time one request may take."""

    spec: str
    path: str
    method: str
    positive: int
    negative: int
    limit_s: float = 30.0
    checks: List[Callable] = field(default_factory=lambda: CONFORMANCE)

    @property
    def name(self) -> str:
        return f"{self.spec.removesuffix('.yaml')} {self.method} {self.path}"


TARGETS = [
    # the knowledge service
    Target("knowledge.yaml", "/health", "GET", 20, 0),
    Target("knowledge.yaml", "/answer", "POST", 2, 150, limit_s=120.0),
    Target("knowledge.yaml", "/answer/stream", "POST", 0, 100),
    Target("knowledge.yaml", "/answer/live/{conversation_id}", "GET", 0, 60),
    Target("knowledge.yaml", "/search", "POST", 40, 100),
    Target("knowledge.yaml", "/recommend", "POST", 200, 200),
    # the web chat
    Target("webchat.yaml", "/health", "GET", 10, 0),
    Target("webchat.yaml", "/", "GET", 10, 0),
    Target("webchat.yaml", "/config.json", "GET", 10, 0),
    Target("webchat.yaml", "/api/session", "POST", 60, 100),
    Target("webchat.yaml", "/live/{conversation_id}", "GET", 0, 80),
    Target("webchat.yaml", "/api/events", "POST", 150, 150),
    Target("webchat.yaml", "/api/rating", "POST", 150, 150),
    Target("webchat.yaml", "/api/attachments", "POST", 60, 60),
    Target("webchat.yaml", "/demo/", "GET", 30, 30),
    Target("webchat.yaml", "/demo/products/{product_id}", "GET", 60, 60),
    # the agent desk, signed in as an agent (logout and the live stream are left alone)
    Target("desk.yaml", "/api/session", "GET", 10, 0),
    Target("desk.yaml", "/api/inbox", "GET", 10, 0),
    Target("desk.yaml", "/api/conversations/{conversation_id}", "GET", 60, 60),
    Target("desk.yaml", "/api/attachments/{attachment_id}", "GET", 40, 40),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/claim", "POST", 40, 40),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/transfer", "POST", 60, 60),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/messages", "POST", 60, 60),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/notes", "POST", 60, 60),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/close", "POST", 60, 60),
    Target("desk.yaml", "/api/handoffs/{handoff_id}/draft", "POST", 30, 30),
    Target("desk.yaml", "/api/drafts/{draft_id}/discard", "POST", 40, 40),
    Target("desk.yaml", "/api/resolutions", "GET", 10, 0),
    Target("desk.yaml", "/api/canned", "GET", 20, 20),
    Target("desk.yaml", "/api/products", "GET", 60, 60),
    Target("desk.yaml", "/api/agents", "GET", 10, 0),
    Target("desk.yaml", "/api/admin/metrics", "GET", 10, 0),
    Target("desk.yaml", "/service/handoffs", "POST", 100, 100),
    # the action server (with Rasa's token; rasa-sdk's own 404 for an unknown action is its own plain answer)
    Target("actions.yaml", "/health", "GET", 10, 0),
    Target("actions.yaml", "/actions", "GET", 10, 0),
    Target("actions.yaml", "/webhook", "POST", 100, 150, checks=NO_5XX),
    # Rasa's channel webhooks: the REST guard, and the messaging apps' signed webhooks with no valid signature
    Target("rasa-channels.yaml", "/webhooks/rest/webhook", "POST", 15, 200, limit_s=60.0, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/telegram/webhook", "POST", 60, 60, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/slack/webhook", "POST", 60, 60, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/whatsapp/webhook", "POST", 60, 60, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/whatsapp/webhook", "GET", 30, 30, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/messenger/webhook", "POST", 60, 60, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/wechat/webhook", "POST", 60, 60, checks=NO_5XX),
    Target("rasa-channels.yaml", "/webhooks/wechat/webhook", "GET", 30, 30, checks=NO_5XX),
]


@dataclass
class Service:
    """A server and a legitimate caller's credentials, which replace whatever the generator put in their place
    (the descriptions declare them, so schemathesis would otherwise send random ones and meet only 401s)."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    headers: Dict[str, str] = field(default_factory=dict)
    cookies: Dict[str, str] = field(default_factory=dict)
    query: Dict[str, str] = field(default_factory=dict)

    def sign(self, case) -> None:
        case.headers = {**(case.headers or {}), **self.headers}
        case.cookies = {**(case.cookies or {}), **self.cookies}
        case.query = {**(case.query or {}), **self.query}


@pytest.fixture(scope="module")
def services(stack) -> Dict[str, Service]:
    """Where each description's server runs in the test stack, and how a legitimate caller reaches it."""
    agent = DeskAgent(stack, add_agent(stack, "Fuzz", role="admin"))
    desk_headers = {"X-CSRF-Token": agent.csrf,
                    "Authorization": f"Bearer {stack.env['DESK_SERVICE_TOKEN']}"}  # only /service/ reads it
    return {
        "knowledge.yaml": Service(stack.knowledge_url),
        "webchat.yaml": Service(stack.webchat_url),
        "desk.yaml": Service(stack.desk_url, agent.http, desk_headers,
                             {"tidepool_desk": agent.http.cookies.get("tidepool_desk")}),
        "actions.yaml": Service(stack.action_url, query={"token": stack.env["ACTION_TOKEN"]}),
        "rasa-channels.yaml": Service(stack.rasa_url),
    }


def signed_webhook(target: Target) -> bool:
    return target.spec == "rasa-channels.yaml" and target.method == "POST" and "/rest/" not in target.path


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name if isinstance(t, Target) else None)
def test_no_server_error_and_no_hang(services, target):
    service = services[target.spec]
    operation = schemathesis.openapi.from_path(SPECS / target.spec)[target.path][target.method]
    for mode, budget in ((GenerationMode.POSITIVE, target.positive), (GenerationMode.NEGATIVE, target.negative)):
        if budget:
            fuzz(target, service, operation, mode, budget)


def fuzz(target: Target, service: Service, operation, mode: GenerationMode, budget: int) -> None:
    @fuzz_settings(budget)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        INPUTS[target.name] += 1
        service.sign(case)
        started = time.perf_counter()
        try:
            response = case.call(base_url=service.base_url, session=service.session, timeout=target.limit_s)
        except requests.Timeout:
            raise AssertionError(f"{target.name}: no answer within {target.limit_s} s (a hang)") from None
        SLOWEST[target.name] = max(SLOWEST.get(target.name, 0.0), time.perf_counter() - started)
        STATUSES.setdefault(target.name, Counter())[response.status_code] += 1
        if response.status_code >= 500:
            SERVER_ERRORS[target.name] += 1
        if signed_webhook(target):  # nobody but the platform can sign: a fuzzed request never gets through
            assert 400 <= response.status_code < 500, f"{target.name}: unsigned request got {response.status_code}"
        case.validate_response(response, checks=target.checks)

    run()


# Inputs fuzzing found that made a server answer 500, each checked on its own (tests/fuzz/test_regressions.py
# has the parsers' side).
INFINITE_BUDGETS = [
    '{"message": "a tent under $300", "state": {"max_price": 1e999, "category": "tents", "query": "tent"}}',
    '{"message": "a tent", "hints": {"price": "' + "9" * 400 + '"}}',
    '{"message": "a tent under $' + "9" * 400 + '"}',
]


@pytest.mark.parametrize("body", INFINITE_BUDGETS, ids=["state", "hint", "message"])
def test_recommend_reads_an_infinite_budget_as_none(stack, body):
    reply = requests.post(f"{stack.knowledge_url}/recommend", data=body,
                          headers={"Content-Type": "application/json"}, timeout=60)
    assert reply.status_code == 200, reply.text
    assert "Infinity" not in reply.text and "inf" not in str(reply.json()["state"].get("max_price", ""))


def test_desk_ids_too_large_for_the_database_are_not_found(services):
    desk = services["desk.yaml"]
    claim = desk.session.post(f"{desk.base_url}/api/handoffs/99999999999999999999/claim", headers=desk.headers,
                              timeout=30)
    assert claim.status_code == 404 and claim.json() == {"error": "no such handoff"}
    transfer = desk.session.post(f"{desk.base_url}/api/handoffs/1/transfer", json={"agent_id": 10**30},
                                 headers=desk.headers, timeout=30)
    assert transfer.status_code == 400 and "agent_id" in transfer.json()["error"]


DEEP_JSON = "[" * 20_000 + "]" * 20_000  # 40 KB, under the desk's 64 KiB body limit


def test_desk_service_api_refuses_odd_bodies_clearly(services, sender):
    desk = services["desk.yaml"]
    url, auth = f"{desk.base_url}/service/handoffs", {"Authorization": desk.headers["Authorization"]}
    listed = requests.post(url, json={"conversation_id": sender, "language": ["zh"]}, headers=auth, timeout=30)
    assert listed.status_code == 200 and listed.json()["status"] in ("waiting", "unavailable")  # was: 500
    deep = requests.post(url, data=DEEP_JSON, headers={**auth, "Content-Type": "application/json"}, timeout=30)
    assert deep.status_code == 400 and "error" in deep.json()  # was: 500 (RecursionError)


def test_desk_agent_api_refuses_deeply_nested_json(services):
    desk = services["desk.yaml"]
    reply = desk.session.post(f"{desk.base_url}/api/handoffs/1/notes", data=DEEP_JSON,
                              headers={**desk.headers, "Content-Type": "application/json"}, timeout=30)
    assert reply.status_code == 400 and reply.json() == {"error": "the body must be a JSON object"}  # was: 500
