"""WhatsApp Cloud API channel (loaded by Rasa from bot/credentials.yml; secrets from WHATSAPP_* variables).

Inbound: Meta's `messages` webhook at /webhooks/whatsapp/webhook (GET handshake, POST signed with
X-Hub-Signature-256), acknowledged at once; Rasa runs afterwards. Outbound: POST {WHATSAPP_API_URL}/{phone number
id}/messages: text, reply buttons or lists for choices, image + caption for product cards.

The Graph calls are written by hand with aiohttp (connectors.meta_format.GraphClient): no maintained async Python
client for the Cloud API ships in the Rasa venv. What WhatsApp shares with Messenger, the webhook and the Graph calls
included, is in connectors/meta.py; this module says what is WhatsApp's own.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text, Tuple

from sanic import response
from sanic.response import HTTPResponse

from connectors import whatsapp_format
from connectors.meta import MetaInput, MetaOutput
from connectors.meta_format import GraphError
from connectors.whatsapp_format import Inbound, Status, parse_webhook

log = logging.getLogger(__name__)

ENVIRONMENT = {
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "api_url": "WHATSAPP_API_URL",
}
REQUIRED = ("access_token", "app_secret", "verify_token", "phone_number_id")
WINDOW_CLOSED_CODE = 131047  # "re-engagement message": more than 24 hours since the shopper last wrote


class WhatsAppOutput(MetaOutput):
    """Our replies as Cloud API messages (`POST /{phone number id}/messages`)."""

    formats = whatsapp_format
    token_variable = ENVIRONMENT["access_token"]
    window = "24-hour customer-service window (only a template message could reach them)"
    window_error = str(WINDOW_CLOSED_CODE)

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def address(self) -> Tuple[str, Dict[str, Dict[str, str]]]:
        return (f"{self.settings['api_url'].rstrip('/')}/{self.settings['phone_number_id']}/messages",
                {"headers": {"Authorization": f"Bearer {self.settings['access_token']}"}})

    def closes_window(self, error: GraphError) -> bool:
        return error.code == WINDOW_CLOSED_CODE


class WhatsAppInput(MetaInput):
    """The Cloud API's `messages` webhook, which also brings the delivery statuses of our messages."""

    environment, required = ENVIRONMENT, REQUIRED
    output_class = WhatsAppOutput

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def messages_in(self, payload: Any) -> List[Inbound]:
        messages, statuses = parse_webhook(payload)
        self._note_statuses(statuses)
        return messages

    def metadata_of(self, message: Inbound) -> Dict[str, Any]:
        return {"profile_name": message.name, "phone_number_id": message.phone_number_id}

    def summary(self, message: Inbound) -> str:
        return f"{message.message_type or 'unknown'} message {message.message_id} from {message.sender}"

    def language_sample(self, message: Inbound) -> str:
        return message.text or message.caption  # a photo's caption tells the language of a shopper yet to type

    def acknowledgement(self) -> HTTPResponse:
        return response.json({"status": "ok"})

    def _note_statuses(self, statuses: List[Status]) -> None:
        for status in statuses:
            if status.status == "failed" and WINDOW_CLOSED_CODE in status.error_codes:
                self.shoppers.close_window(status.recipient)
                log.warning("whatsapp: a message to %s failed with 131047: outside the 24-hour window (recorded)",
                            status.recipient)
            elif status.status == "failed":
                log.warning("whatsapp: a message to %s failed: error codes %s", status.recipient, status.error_codes)
