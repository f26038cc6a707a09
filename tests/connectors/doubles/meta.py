"""What the WhatsApp and Messenger doubles share, both standing in for Meta's Graph API: webhooks signed with
`X-Hub-Signature-256` and posted to the connector, the platform's documented errors scripted on the messages
endpoint, and the calls addressed to one shopper.

The signature is computed here from the documentation, not imported from the connector, so a test that passes shows
the two agree on the format rather than sharing a bug.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, ClassVar, Dict, List, Optional, Tuple

from tests.connectors.doubles.base import Call, PlatformDouble, json_fixture

SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """sha256=<hex HMAC-SHA256 of the raw body with the app secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class MetaDouble(PlatformDouble):
    """A Meta platform's messages endpoint and its webhooks. A subclass serves the endpoint, says whom a messages
    call is for (`recipient`) and builds webhooks from its fixtures (`webhook(name, sender, text)`)."""

    platform: ClassVar[str]
    messages_path: ClassVar[str]  # what the path of every messages call contains
    rate_limit_error: ClassVar[str]  # the fixture with the documented "too many calls" error
    window_error: ClassVar[str]  # the fixture with the documented "outside the 24-hour window" error

    def __init__(self, app_secret: str, rasa_url: str = "") -> None:
        super().__init__(self.platform)
        self.app_secret = app_secret
        self.webhook_url = f"{rasa_url}/webhooks/{self.platform}/webhook"

    def fixture(self, name: str) -> Any:
        return json_fixture(self.platform, name)

    def recipient(self, body: Dict[str, Any]) -> str:
        raise NotImplementedError

    def calls_for(self, shopper: str) -> List[Call]:
        """Every messages call addressed to this shopper, whatever the double answered."""
        return [c for c in self.calls_to(self.messages_path, answered_ok=False)
                if self.recipient(c.json or {}) == shopper]

    # scripted platform errors, with the documented error bodies
    def fail_rate_limited(self, retry_after_s: int = 1, times: int = 1) -> None:
        self.fail_next(429, self.fixture(self.rate_limit_error), {"Retry-After": str(retry_after_s)}, times,
                       self.messages_path)

    def fail_window_closed(self, times: int = 1) -> None:
        self.fail_next(400, self.fixture(self.window_error), None, times, self.messages_path)

    def fail_expired_token(self, times: int = 1) -> None:
        self.fail_next(401, self.fixture("error_190.json"), None, times, self.messages_path)

    # --- webhooks -------------------------------------------------------------------------------------------------

    def signed(self, body: bytes, secret: Optional[str] = None) -> Dict[str, str]:
        return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret or self.app_secret, body)}

    async def deliver(self, body: bytes, headers: Optional[Dict[str, str]] = None) -> Tuple[int, str, float]:
        """POST a webhook to Rasa (signed with the test secret unless headers are given)."""
        return await self.post(self.webhook_url, body, headers if headers is not None else self.signed(body))

    def timed_delivery(self, body: bytes, headers: Optional[Dict[str, str]] = None) -> Tuple[int, str, float, float]:
        """From a sync test: (status, answer, monotonic time sent, seconds until answered) for one webhook."""
        status, answer, sent_at = self.run(self.deliver(body, headers))
        return status, answer, sent_at, time.monotonic() - sent_at

    def say(self, sender: str, text: str, name: str = "text.json") -> Tuple[int, str, float]:
        """From a sync test: the shopper sends `text` (or taps the button whose payload is `text`)."""
        return self.run(self.deliver(self.webhook(name, sender, text)))
