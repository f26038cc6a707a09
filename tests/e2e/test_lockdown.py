"""Rasa's HTTP API and the action server are closed to anyone but our own services (issue 13's first findings):
a plain GET of a tracker or POST of events gets 401, CORS answers only the web chat's origin, both listen on
loopback, and the action server runs nothing for a caller without Rasa's token."""

from __future__ import annotations

import socket

import pytest
import requests

pytestmark = pytest.mark.stack

EVENT = {"event": "slot", "name": "email", "value": "attacker@evil.example"}


def test_reading_or_writing_a_conversation_needs_the_token(stack, sender):
    stack.say(sender, "hi")
    base = f"{stack.rasa_url}/conversations/{sender}"
    assert requests.get(f"{base}/tracker", timeout=30).status_code == 401
    assert requests.get(f"{base}/tracker", params={"token": "guess"}, timeout=30).status_code == 401
    assert requests.post(f"{base}/tracker/events", json=EVENT, timeout=30).status_code == 401
    assert requests.get(f"{stack.rasa_url}/status", timeout=30).status_code == 401
    assert stack.tracker(sender)["slots"].get("email") is None  # the forged event never landed


def test_cors_answers_only_the_web_chat(stack):
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for origin, allowed in ((stack.webchat_url, True), ("http://evil.example", False)):
        reply = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=30)
        granted = reply.headers.get("Access-Control-Allow-Origin")
        assert (granted == origin) is allowed and granted != "*", (origin, reply.headers)


def test_the_action_server_runs_nothing_without_rasas_token(stack):
    call = {"next_action": "action_request_human", "sender_id": "intruder",
            "tracker": {"sender_id": "intruder", "slots": {}, "latest_message": {}, "events": []}, "domain": {}}
    refused = requests.post(f"{stack.action_url}/webhook", json=call, timeout=30)
    assert refused.status_code == 401 and refused.json() == {"error": "unauthorised"}
    assert requests.post(f"{stack.action_url}/webhook", json=call, params={"token": "guess"},
                         timeout=30).status_code == 401
    assert requests.get(f"{stack.action_url}/health", timeout=30).ok


@pytest.mark.parametrize("call", [
    {"next_action": False, "domain": {}},  # found by fuzzing: rasa-sdk answered 500 ('NoneType' has no 'get')
    {"next_action": "action_request_human", "tracker": None},
    [1, 2, 3],
    # found by fuzzing: a tracker whose latest_message is a number crashed rasa-sdk's Tracker (500)
    {"next_action": "action_show_order", "domain": {},
     "tracker": {"sender_id": "x", "latest_message": 0.0, "events": [2], "slots": {}}},
    # found by fuzzing: rasa-sdk splits the version on "." (a list: AttributeError, 500)
    {"next_action": "action_show_order", "domain": {}, "version": [[1, None, ""], -1],
     "tracker": {"sender_id": "x", "latest_message": {}, "events": [], "slots": {}}},
])
def test_a_malformed_action_call_with_the_token_is_a_json_400(stack, call):
    refused = requests.post(f"{stack.action_url}/webhook", json=call, params={"token": stack.env["ACTION_TOKEN"]},
                            timeout=30)
    assert refused.status_code == 400 and "error" in refused.json()


def outward_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))  # no packet is sent; this only picks the outward interface
        return probe.getsockname()[0]


def test_rasa_and_the_action_server_listen_on_loopback_only(stack):
    address = outward_address()
    if address.startswith("127."):
        pytest.skip("this machine has no address but loopback")
    for url in (stack.rasa_url, stack.action_url):
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as client:
            client.settimeout(3)
            assert client.connect_ex((address, port)) != 0, f"{url} answers on {address}"
