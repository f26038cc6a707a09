"""Rasa's HTTP API, as the desk uses it: read a tracker, pause or resume the bot, and speak in the shopper's channel.

An agent's words are appended as `bot` events with `execute_side_effects`, so Rasa records them in the tracker and
sends them through the output channel of the channel the shopper last wrote from (`output_channel=latest`): the
web chat's socket.io today, any messaging-app connector that implements `get_output_channel()` tomorrow.
"""

from __future__ import annotations

from typing import Any, Optional

import aiohttp


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class RasaAPI:
    def __init__(self, base_url: str, token: str = "", timeout_s: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    def _params(self, **params: str) -> dict:
        return {**params, **({"token": self.token} if self.token else {})}

    async def tracker(self, conversation_id: str) -> dict:
        """The whole conversation (all events since the last restart)."""
        url = f"{self.base_url}/conversations/{conversation_id}/tracker"
        try:
            async with self._http().get(url, params=self._params(include_events="AFTER_RESTART")) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"tracker: Rasa answered {response.status}")
                return await response.json()
        except aiohttp.ClientError as error:
            raise RasaUnavailable(f"tracker: {error}") from None

    async def append(self, conversation_id: str, events: list[dict[str, Any]], deliver: bool = False) -> None:
        """Append events under Rasa's conversation lock; with `deliver`, bot events also go to the shopper."""
        url = f"{self.base_url}/conversations/{conversation_id}/tracker/events"
        params = self._params(include_events="NONE")
        if deliver:
            params.update(output_channel="latest", execute_side_effects="true")
        try:
            async with self._http().post(url, params=params, json=events) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"events: Rasa answered {response.status}: {await response.text()}")
        except aiohttp.ClientError as error:
            raise RasaUnavailable(f"events: {error}") from None

    async def say(self, conversation_id: str, text: str, payload: dict[str, Any], metadata: dict | None = None) -> None:
        """One message to the shopper, recorded as a bot event whose custom payload says who wrote it."""
        event = {"event": "bot", "text": text, "data": {"custom": payload}, "metadata": metadata or {}}
        await self.append(conversation_id, [event], deliver=True)

    async def pause(self, conversation_id: str) -> None:
        await self.append(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        """Unpause, and mark the bot as listening: the paused handoff action never got its `action_listen`, and
        Rasa's rules read the next message as "what the shopper said after the bot listened"."""
        await self.append(conversation_id, [{"event": "resume"}, {"event": "action", "name": "action_listen"}])
