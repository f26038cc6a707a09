"""Facebook Messenger channel (loaded by Rasa from bot/credentials.yml; secrets from MESSENGER_* variables).

Inbound: the Page webhook at /webhooks/messenger/webhook (GET handshake, POST signed with X-Hub-Signature-256),
acknowledged at once; Rasa runs afterwards. Outbound: the Send API, POST {MESSENGER_API_URL}/me/messages: text,
quick replies for choices, a generic template for product and order cards.

Rasa's own `facebook` channel and the fbmessenger 6.0 client it uses send with blocking `requests` calls inside
Rasa's event loop, to a Graph URL built from an API version (no other base URL), without retries and without
checking X-Hub-Signature-256; so the Graph calls here are written by hand with aiohttp and
`connectors.platform.send_with_retry` (connectors.meta_format.GraphClient). What Messenger shares with WhatsApp, the
webhook and the Graph calls included, is in connectors/meta.py; this module says what is Messenger's own.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text, Tuple

from connectors import messenger_format
from connectors.meta import MetaInput, MetaOutput
from connectors.meta_format import GraphError
from connectors.messenger_format import Inbound, parse_webhook
from connectors.platform import hmac_sha256_hex

log = logging.getLogger(__name__)

ENVIRONMENT = {
    "page_access_token": "MESSENGER_PAGE_ACCESS_TOKEN",
    "app_secret": "MESSENGER_APP_SECRET",
    "verify_token": "MESSENGER_VERIFY_TOKEN",
    "api_url": "MESSENGER_API_URL",
}
REQUIRED = ("page_access_token", "app_secret", "verify_token")
# Send API error 10 with this subcode: "sent outside of allowed window" (24 hours after the shopper's last message).
OUTSIDE_WINDOW = (10, 2018278)


class MessengerOutput(MetaOutput):
    """Our replies as Send API calls (`POST /me/messages`)."""

    formats = messenger_format
    token_variable = ENVIRONMENT["page_access_token"]
    window = "24-hour messaging window"
    window_error = "10/2018278"

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    def address(self) -> Tuple[str, Dict[str, Dict[str, str]]]:
        token = self.settings["page_access_token"]
        # appsecret_proof lets the app require it ("Require App Secret"), so a leaked page token alone is useless
        proof = hmac_sha256_hex(self.settings["app_secret"], token.encode("utf-8"))
        return (f"{self.settings['api_url'].rstrip('/')}/me/messages",
                {"params": {"access_token": token, "appsecret_proof": proof}})

    def closes_window(self, error: GraphError) -> bool:
        return (error.code, error.subcode) == OUTSIDE_WINDOW


class MessengerInput(MetaInput):
    """The Page webhook."""

    environment, required = ENVIRONMENT, REQUIRED
    output_class = MessengerOutput

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    def messages_in(self, payload: Any) -> List[Inbound]:
        events = parse_webhook(payload)
        for event in events:
            if event.kind == "ignored":  # echoes of our own messages, deliveries, reads: nothing to answer
                log.debug("messenger: %s event from %s ignored", event.event, event.sender)
        return [e for e in events if e.kind != "ignored"]

    def metadata_of(self, message: Inbound) -> Dict[str, Any]:
        return {"event": message.event, "page_id": message.page_id}

    def summary(self, message: Inbound) -> str:
        return (f"message {message.message_id} from {message.sender} (attachments: "
                f"{', '.join(message.attachment_types) or 'none'})")
