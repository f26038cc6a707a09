"""Client for the knowledge service (grounded answers from the store's catalogue and policies)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import aiohttp


class KnowledgeUnavailable(Exception):
    """The service is down, timed out or answered with an error."""


class KnowledgeClient:
    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def answer(
        self, question: str, lang: Optional[str] = None, history: Optional[List[Dict[str, str]]] = None
    ) -> Dict[str, Any]:
        """{"answer", "citations", "groundedness", "refused"}; raises KnowledgeUnavailable."""
        payload: Dict[str, Any] = {"question": question, "history": history or []}
        if lang in ("en", "zh"):
            payload["lang"] = lang
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(f"{self.base_url}/answer", json=payload) as response:
                    if response.status != 200:
                        raise KnowledgeUnavailable(f"HTTP {response.status}: {await response.text()}")
                    return await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KnowledgeUnavailable(str(exc) or type(exc).__name__) from exc
