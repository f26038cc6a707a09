"""Rasa's own logs carry no card number, e-mail or phone number: a real `rasa run` with bot/logging.yml, started as
supervisord.conf and scripts/stack.py start it, at debug level, where Rasa logs every message it receives."""

import os
import secrets

import pytest
import requests

from scripts.stack import free_port, rasa_service, wait_for_rasa

pytestmark = pytest.mark.stack

MESSAGE = "my card is 4111 1111 1111 1111, mail jo.walker@example.com or call +86 138 1234 5678"
RAW = ("4111 1111 1111 1111", "jo.walker@example.com", "138 1234 5678")


def test_rasa_logs_received_messages_redacted(tmp_path):
    port = free_port()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", HF_HUB_OFFLINE="1", LOG_LEVEL="DEBUG",
               RASA_TOKEN=secrets.token_urlsafe(16), ACTION_TOKEN=secrets.token_urlsafe(16),
               ACTION_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}/webhook",  # nobody: the NLU is enough here
               WEBCHAT_SESSION_SECRET=secrets.token_urlsafe(32),
               TRACKER_DB=str(tmp_path / "tracker.db"), EVENTS_DB=str(tmp_path / "events.db"))
    rasa = rasa_service("rasa-debug", port, env, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_rasa(rasa, url, env["RASA_TOKEN"])
        requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "redaction-test", "message": MESSAGE},
                      timeout=120)
    finally:
        rasa.stop()
    log = rasa.log_path.read_text(errors="replace")
    # Rasa logged the message (debug level), redacted; without the config it shows in full.
    assert "my card is [card], mail [email] or call [phone]" in log, log[-3000:]
    assert not any(raw in log for raw in RAW)
