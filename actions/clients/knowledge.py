"""Client for the knowledge service (grounded answers from the store's catalogue and policies)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import aiohttp

from shop.identifiers import CONVERSATION_ID


class KnowledgeUnavailable(Exception):
    """The service is down, timed out or answered with an error."""


class KnowledgeClient:
    """Async client for the knowledge service; any failure (unreachable, timeout, non-200) is KnowledgeUnavailable."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def answer(
        self,
        question: str,
        lang: Optional[str] = None,
        history: Optional[List[Dict[str, str]]] = None,
        conversation_id: Optional[str] = None,
        product_id: Optional[str] = None,
    ) -> Dict[str, Any]:
        """{"answer", "citations", "groundedness", "refused"}; raises KnowledgeUnavailable.
        With a conversation id, a chat window watching that conversation sees the answer as it is written; with the
        product page the shopper asks from, "is this waterproof?" is about that product."""
        payload: Dict[str, Any] = {"question": question, "history": history or []}
        if lang in ("en", "zh"):
            payload["lang"] = lang
        if conversation_id and CONVERSATION_ID.fullmatch(conversation_id):
            payload["conversation_id"] = conversation_id
        if product_id:
            payload["product_id"] = product_id
        return await self._post("/answer", payload)

    async def recommend(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """{"items", "state", "relaxed", "empty_because", "anchor"} (see knowledge/recommend/)."""
        return await self._post("/recommend", request)

    async def _post(self, path: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(f"{self.base_url}{path}", json=payload) as response:
                    if response.status != 200:
                        raise KnowledgeUnavailable(f"HTTP {response.status}: {await response.text()}")
                    return await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KnowledgeUnavailable(str(exc) or type(exc).__name__) from exc
