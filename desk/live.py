"""Server-sent events to every open desk page: "the inbox changed" and "this conversation has news".

Pages re-fetch what changed, so an event carries no data an agent could not read anyway.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter


class LiveHub:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue] = set()
        self._connected: Counter[int] = Counter()

    def subscribe(self, agent_id: int) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=200)
        self._queues.add(queue)
        self._connected[agent_id] += 1
        return queue

    def unsubscribe(self, agent_id: int, queue: asyncio.Queue) -> bool:
        """Forget the page; True when it was the agent's last one (the agent is now offline)."""
        self._queues.discard(queue)
        self._connected[agent_id] -= 1
        if self._connected[agent_id] <= 0:
            del self._connected[agent_id]
            return True
        return False

    def online(self) -> set[int]:
        return set(self._connected)

    def publish(self, event: str, data: dict) -> None:
        message = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        for queue in list(self._queues):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:  # a stalled page reloads everything when it reconnects
                pass

    def inbox_changed(self, reason: str) -> None:
        self.publish("inbox", {"reason": reason})

    def conversation_changed(self, conversation_id: str) -> None:
        self.publish("conversation", {"conversation_id": conversation_id})
