"""How a person's reply reaches a shopper, whatever app they wrote from: the one interface a channel implements.

The agent desk never talks to a channel. It appends a `bot` event to the conversation through Rasa's HTTP API with
`output_channel=latest` and `execute_side_effects=true` (desk/rasa_api.py). Rasa then asks the input channel the
shopper last wrote from for its output (`get_output_channel()`) and calls `send_response(sender_id, message)`, which
sends the text and hands the custom payload to `send_custom_json`. So a channel gets agent replies by:

1. returning a ready `OutputChannel` from `get_output_channel()` (None only while it is off), addressed by the sender
   id alone (chat id, phone number, PSID, Slack channel, OpenID, socket.io session);
2. rendering the handoff payloads of docs/desk-api.md natively in `send_custom_json`: `handoff_waiting` (a "back to
   the assistant" choice), `agent_joined`, `agent_message` (with an optional product card), `handoff_ended` (ratings
   1-5), `handoff_unavailable`; `connectors.platform.handoff_buttons` gives the choices as Rasa buttons;
3. raising when a reply cannot be delivered on that path, so the desk shows the agent it failed.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Protocol, runtime_checkable


@runtime_checkable
class AgentReplies(Protocol):
    """An input channel whose shoppers can receive agent replies from the desk."""

    def get_output_channel(self) -> Optional[Any]:
        """The output that reaches a shopper by sender id (a rasa OutputChannel), or None while the channel is off."""


@runtime_checkable
class HandoffRendering(Protocol):
    """An output channel that renders the desk's handoff payloads natively."""

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Send one custom payload; handoff payloads have a `type` from `connectors.platform.HANDOFF_TYPES`."""
