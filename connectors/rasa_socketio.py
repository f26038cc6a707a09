"""Rasa's socket.io channel with custom payloads delivered intact (loaded by Rasa from bot/credentials.yml).

Rasa 3.6 emits a custom payload as keyword arguments of `AsyncServer.emit`, so our payloads
(`{"type": "order", ...}`) fail with "unexpected keyword argument 'type'" and the card is lost.
This output channel sends the payload as the event's data, like every other bot message.
"""

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint


class SocketIOOutput(socketio.SocketIOOutput):
    """Rasa's socket.io output, except that a custom payload is sent whole as the bot message's data."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Emit the payload unchanged to the recipient's room, so the page receives the card as it was sent."""
        await self._send_message(recipient_id, json_message)


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io input channel, replying through our SocketIOOutput (named in bot/credentials.yml)."""

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Our output channel; before the socket.io server exists, Rasa's answer (a warning and None)."""
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint, with the replies to every incoming message sent through our output."""

        async def with_our_output(message: UserMessage) -> None:
            """Pass the message on with SocketIOOutput as its output channel."""
            message.output_channel = SocketIOOutput(self.sio, self.bot_message_evt)
            await on_new_message(message)

        return super().blueprint(with_our_output)
