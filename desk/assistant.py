"""The reply assistant: a draft answer to the shopper's latest question from the store's own documents, with its
citations and groundedness, for the agent to edit or discard (it is never sent unseen)."""

from __future__ import annotations

import time
from typing import Optional

import aiohttp
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from desk.db import drafts


class AssistantUnavailable(Exception):
    """The knowledge service did not answer."""


async def ask_knowledge(knowledge_url: str, question: str, language: str, history: list[dict],
                        timeout_s: float = 90.0) -> dict:
    payload = {"question": question[:2000], "lang": language if language in ("en", "zh") else None,
               "history": history[-4:]}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http:
            async with http.post(f"{knowledge_url}/answer", json={k: v for k, v in payload.items() if v}) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"knowledge service answered {response.status}")
                return await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise AssistantUnavailable(f"knowledge service unreachable: {error}") from None


def save(engine: Engine, handoff_id: int, agent_id: int, question: str, answer: dict) -> dict:
    citations = [{"n": n, "title": c.get("title") or c.get("source", ""), "source": c.get("source", "")}
                 for n, c in enumerate(answer.get("citations") or [], start=1) if isinstance(c, dict)]
    row = {"handoff_id": handoff_id, "agent_id": agent_id, "question": question, "text": answer.get("answer", ""),
           "groundedness": float(answer.get("groundedness") or 0.0),
           "refused": bool(answer.get("refused") or answer.get("route") == "refusal"),
           "citations": citations, "created_at": time.time()}
    with engine.begin() as db:
        draft_id = db.execute(insert(drafts).values(**row)).inserted_primary_key[0]
    return {"id": draft_id, "question": question, "text": row["text"], "groundedness": row["groundedness"],
            "refused": row["refused"], "citations": citations}


def _normalised(text: str) -> str:
    return " ".join(text.split())


def settle(engine: Engine, draft_id: int, handoff_id: int, sent_text: Optional[str]) -> Optional[str]:
    """Record what became of a draft: "as_is", "edited" (sent after changes) or "discarded" (sent_text None)."""
    with engine.begin() as db:
        row = db.execute(select(drafts).where(drafts.c.id == draft_id, drafts.c.handoff_id == handoff_id)).first()
        if row is None:
            return None
        if sent_text is None:
            outcome = "discarded"
        else:
            outcome = "as_is" if _normalised(sent_text) == _normalised(row.text) else "edited"
        db.execute(update(drafts).where(drafts.c.id == draft_id).values(outcome=outcome))
    return outcome
