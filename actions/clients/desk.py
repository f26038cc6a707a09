"""The agent desk's service API, as the action server calls it: file a handoff and learn the shopper's place."""

from typing import Any, Dict

import aiohttp

from shop.secrets import shared_secret


class DeskUnavailable(Exception):
    """The desk did not answer (not running, or an error): the shopper is told how else to reach the team."""


class DeskClient:
    def __init__(self, base_url: str, token_file, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_file = token_file
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def request_handoff(self, handoff: Dict[str, Any]) -> Dict[str, Any]:
        """{"status": "waiting", "position", "handoff_id"} or {"status": "unavailable", "why": "closed"|"no_agent"}
        (or "active" when a person already has the conversation)."""
        headers = {"Authorization": f"Bearer {shared_secret('DESK_SERVICE_TOKEN', self.token_file)}"}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(f"{self.base_url}/service/handoffs", json=handoff, headers=headers) as reply:
                    if reply.status != 200:
                        raise DeskUnavailable(f"desk answered {reply.status}")
                    return await reply.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeskUnavailable(str(error)) from None
