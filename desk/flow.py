"""What the shopper is told as a handoff moves, through Rasa, in their own channel and language."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from desk import handoffs, messages
from desk.live import LiveHub
from desk.rasa_api import RasaAPI, RasaUnavailable

log = logging.getLogger(__name__)


class HandoffFlow:
    def __init__(self, engine: Engine, rasa: RasaAPI, hub: LiveHub):
        self.engine, self.rasa, self.hub = engine, rasa, hub

    async def tell_positions(self) -> None:
        """Everyone still waiting hears their new place in the queue."""
        for place, handoff in enumerate(handoffs.waiting(self.engine), start=1):
            payload = {"type": "handoff_waiting", "position": place, "language": handoff["language"],
                       "handoff_id": handoff["id"]}
            try:
                await self.rasa.say(handoff["conversation_id"], messages.waiting_text(place, handoff["language"]),
                                    payload)
            except RasaUnavailable as error:
                log.warning("could not tell conversation %s its place: %s", handoff["conversation_id"], error)

    async def joined(self, handoff: dict, agent_name: str) -> None:
        await self.rasa.say(handoff["conversation_id"], messages.text("joined", handoff["language"], agent=agent_name),
                            {"type": "agent_joined", "agent": agent_name, "language": handoff["language"]},
                            {"agent": agent_name})
        self.hub.inbox_changed("claimed")
        self.hub.conversation_changed(handoff["conversation_id"])
        await self.tell_positions()

    async def transferred(self, handoff: dict, agent_name: str) -> None:
        await self.rasa.say(handoff["conversation_id"],
                            messages.text("transferred", handoff["language"], agent=agent_name),
                            {"type": "agent_joined", "agent": agent_name, "language": handoff["language"]},
                            {"agent": agent_name})
        self.hub.inbox_changed("transferred")
        self.hub.conversation_changed(handoff["conversation_id"])

    async def agent_says(self, handoff: dict, agent_name: str, text: str, product: dict | None) -> None:
        payload = {"type": "agent_message", "agent": agent_name, "language": handoff["language"]}
        if product:
            payload["product"] = product
        await self.rasa.say(handoff["conversation_id"], text, payload, {"agent": agent_name})
        self.hub.conversation_changed(handoff["conversation_id"])

    async def handed_back(self, handoff: dict, agent_name: str) -> None:
        """The bot speaks again, with the conversation's slots as they were, and asks for a rating."""
        conversation = handoff["conversation_id"]
        await self.rasa.resume(conversation)
        await self.rasa.say(conversation, messages.text("ended", handoff["language"], agent=agent_name),
                            {"type": "handoff_ended", "agent": agent_name, "ask_rating": True,
                             "language": handoff["language"]})
        self.hub.inbox_changed("closed")
        self.hub.conversation_changed(conversation)

    async def shopper_left(self, handoff: dict) -> None:
        """The shopper stopped waiting: back to the bot, and the people behind move up."""
        if not handoffs.cancel(self.engine, handoff["id"]):
            return
        conversation = handoff["conversation_id"]
        await self.rasa.resume(conversation)
        await self.rasa.say(conversation, messages.text("left_queue", handoff["language"]),
                            {"type": "handoff_ended", "agent": None, "ask_rating": False,
                             "language": handoff["language"]})
        self.hub.inbox_changed("cancelled")
        await self.tell_positions()
