"""What every Meta channel (WhatsApp, Messenger) must do through the real Rasa and action servers, written once as
both run the same connector code (connectors/meta.py): the subscription handshake, refusing forged, unsigned and
replayed webhooks, answering a retried delivery once, the shopper's language, Graph errors (429, an expired token,
the closed 24-hour window), and the webhook-to-reply latency.

A stack test module runs these by subclassing `MetaChannelScenarios`, giving it the fixtures `double` (its platform's
MetaDouble, checked after each test) and `shopper` (a new shopper id), and saying what is its platform's own.
"""

from __future__ import annotations

import json
import time
from typing import ClassVar, List, Tuple

import requests

from connectors.platform import UNSUPPORTED
from tests.connectors.doubles.base import Call
from tests.connectors.doubles.meta import MetaDouble
from tests.connectors.helpers import REPLY_TIMEOUT_S, agent_says, measure_latency, rasa_log, settle, user_texts


def say(double: MetaDouble, shopper: str, text: str, fixture: str = "text.json") -> Tuple[float, float]:
    """The shopper sends `text` (or taps the button whose payload it is); (monotonic time sent, seconds until the
    webhook was answered)."""
    status, answer, sent_at, took = double.timed_delivery(double.webhook(fixture, shopper, text))
    assert status == 200, answer
    return sent_at, took


def wait_for_texts(double: MetaDouble, shopper: str, count: int = 1, timeout_s: float = REPLY_TIMEOUT_S) -> List[str]:
    return double.wait_for(lambda: len(double.texts_to(shopper)) >= count and double.texts_to(shopper), timeout_s)


class MetaChannelScenarios:
    platform: ClassVar[str]
    token_variable: ClassVar[str]  # the access token's environment variable, named when it has expired
    not_text: ClassVar[str]  # the fixture of a message the assistant cannot read

    def malformed_bodies(self, shopper: str) -> List[bytes]:
        """Bodies the platform's parser must refuse."""
        raise NotImplementedError

    def assert_authorised(self, stack, call: Call) -> None:
        """A reply's API call carries the token where the platform wants it."""
        raise NotImplementedError

    # --- verification --------------------------------------------------------------------------------------------

    def test_the_subscription_handshake_echoes_the_challenge_only_for_our_verify_token(self, stack, double):
        token = stack.env[f"{self.platform.upper()}_VERIFY_TOKEN"]
        ours = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
        answer = requests.get(double.webhook_url, params=ours, timeout=10)
        assert (answer.status_code, answer.text) == (200, "1158201444")
        forged = requests.get(double.webhook_url, params={**ours, "hub.verify_token": "guess"}, timeout=10)
        assert forged.status_code == 403 and "1158201444" not in forged.text

    def test_forged_unsigned_and_stale_webhooks_are_refused_with_nothing_reaching_rasa(self, stack, double, shopper):
        body = double.webhook("text.json", shopper, "hi")
        two_days_ago = double.webhook("text.json", shopper, "hi", timestamp=time.time() - 2 * 86400)
        for payload, headers, expected in (
            (body, double.signed(body, secret="not-our-app-secret"), 401),  # forged
            (body, {"Content-Type": "application/json"}, 401),  # unsigned
            (body.replace(b'"hi"', b'"hi!"'), double.signed(body), 401),  # changed after signing
            (two_days_ago, None, 403),  # replayed: signed, but older than Meta's retries
        ):
            status, answer, _, _ = double.timed_delivery(payload, headers)
            assert status == expected and "error" in json.loads(answer)
        settle()
        assert user_texts(stack, shopper) == []
        assert double.calls_for(shopper) == []

    def test_malformed_webhooks_are_400_not_500(self, stack, double, shopper):
        for body in self.malformed_bodies(shopper):
            status, answer, _, _ = double.timed_delivery(body)
            assert status == 400 and "error" in json.loads(answer)
        settle()
        assert user_texts(stack, shopper) == []

    # --- answers -------------------------------------------------------------------------------------------------

    def test_a_webhook_is_acknowledged_at_once_and_answered_through_the_api(self, stack, double, shopper):
        sent_at, took = say(double, shopper, "hi")
        assert took < 2.0  # acknowledged before Rasa has even parsed the text
        [greeting] = wait_for_texts(double, shopper)
        assert "Pip" in greeting
        first = double.calls_for(shopper)[0]
        assert first.received_at > sent_at + took  # sent after the webhook was answered
        self.assert_authorised(stack, first)
        assert user_texts(stack, shopper) == ["hi"]

    def test_the_shoppers_language_is_kept(self, stack, double, shopper):
        say(double, shopper, "你好")
        [greeting] = wait_for_texts(double, shopper)
        assert "小潮" in greeting
        double.timed_delivery(double.webhook(self.not_text, shopper))  # no text: the reply keeps their last language
        texts = wait_for_texts(double, shopper, 2)
        assert texts[1] == UNSUPPORTED["zh"]

    # --- exactly once, and the platform's errors -----------------------------------------------------------------

    def test_a_retried_delivery_is_answered_once(self, stack, double, shopper):
        body = double.webhook("text.json", shopper, "hi")
        for _ in range(3):  # Meta retries a webhook it thinks failed, with the same message id
            status, _, _, _ = double.timed_delivery(body)
            assert status == 200
        wait_for_texts(double, shopper)
        settle()
        assert user_texts(stack, shopper) == ["hi"]
        assert len([t for t in double.texts_to(shopper) if "Pip" in t]) == 1

    def test_a_429_is_retried_then_delivered(self, double, shopper):
        double.fail_rate_limited(retry_after_s=1)
        say(double, shopper, "hi")
        wait_for_texts(double, shopper)
        calls = double.calls_for(shopper)
        assert [c.answered for c in calls[:2]] == [429, 200]
        assert calls[1].received_at - calls[0].received_at >= 0.9  # Retry-After was honoured
        assert calls[0].body == calls[1].body

    def test_an_expired_token_is_logged_as_a_configuration_error_and_not_retried(self, stack, double, shopper):
        double.fail_expired_token()
        say(double, shopper, "hi")
        double.wait_for(lambda: double.calls_for(shopper), 30)
        settle()
        assert [c.answered for c in double.calls_for(shopper)] == [401]  # no retry, and the turn stopped there
        assert f"configuration error: {self.token_variable} is expired or invalid" in rasa_log(stack)

    # --- agent replies from the desk (the outbound path) -----------------------------------------------------------

    def test_outside_the_24_hour_window_an_agents_reply_fails_visibly_and_is_not_retried(self, stack, double, shopper):
        say(double, shopper, "hi")
        wait_for_texts(double, shopper)
        double.reset()
        double.fail_window_closed()
        late = {"type": "agent_message", "agent": "Lin"}
        first = agent_says(stack, shopper, "Sorry for the wait!", late, check=False)
        assert first.status_code >= 400  # the desk sees the failure
        assert [c.answered for c in double.calls_for(shopper)] == [400]  # the window's error: no retry
        again = agent_says(stack, shopper, "Are you still there?", late, check=False)
        assert again.status_code >= 400 and len(double.calls_for(shopper)) == 1  # refused without calling the API
        assert f"{self.platform}: not sending to {shopper}: outside the 24-hour" in rasa_log(stack)

        say(double, shopper, "hello again")  # the shopper writes: the window is open again
        double.wait_for(lambda: double.texts_to(shopper), REPLY_TIMEOUT_S)

    # --- latency -------------------------------------------------------------------------------------------------

    def test_webhook_to_reply_latency(self, double):
        """Signed webhook POST → first API call received; written to reports/connectors/<platform>_latency.json."""
        def one_message() -> Tuple[float, float]:
            shopper = double.new_shopper()
            sent_at, took = say(double, shopper, "hi")
            first = double.wait_for(lambda: double.calls_for(shopper), 60)[0]
            return first.received_at - sent_at, took

        measure_latency(self.platform, one_message)
