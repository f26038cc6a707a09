"""The admin view's figures (also `make report-handoff`): waits, first responses, handle times, handoffs by reason
against all conversations, satisfaction, and what agents did with the reply assistant's drafts."""

from __future__ import annotations

import statistics
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from desk import accounts
from desk.db import conversations, drafts, handoffs


def spread(values: Iterable[float]) -> dict:
    values = sorted(v for v in values if v is not None and v >= 0)
    if not values:
        return {"p50": None, "p95": None, "n": 0}

    def pct(q: float) -> float:
        return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))], 2)

    return {"p50": pct(0.5), "p95": pct(0.95), "n": len(values), "mean": round(statistics.fmean(values), 2)}


def compute(engine: Engine, online: Optional[set[int]] = None) -> dict:
    online = online or set()
    with engine.connect() as db:
        rows = db.execute(select(handoffs)).all()
        seen = db.execute(select(func.count()).select_from(conversations)).scalar_one()
        outcomes = dict(db.execute(select(drafts.c.outcome, func.count()).group_by(drafts.c.outcome)).all())
    conversations_seen = max(seen, len({r.conversation_id for r in rows}))
    by_reason: dict[str, dict] = {}
    for row in rows:
        slot = by_reason.setdefault(row.reason, {"count": 0, "rate": 0.0})
        slot["count"] += 1
    for slot in by_reason.values():
        slot["rate"] = round(slot["count"] / conversations_seen, 4) if conversations_seen else None
    ratings = [r.rating for r in rows if r.rating]
    active = {}
    for row in rows:
        if row.status == "active" and row.agent_id:
            active[row.agent_id] = active.get(row.agent_id, 0) + 1
    return {
        "agents": [{"name": a.name, "role": a.role, "online": a.id in online, "active": active.get(a.id, 0)}
                   for a, _ in accounts.all_agents(engine)],
        "waiting_now": sum(r.status == "waiting" for r in rows),
        "handoffs": len(rows),
        "conversations": conversations_seen,
        "handoff_rate": round(len(rows) / conversations_seen, 4) if conversations_seen else None,
        "wait_s": spread(r.claimed_at - r.created_at for r in rows if r.claimed_at),
        "first_response_s": spread(r.first_response_at - r.created_at for r in rows if r.first_response_at),
        "handle_s": spread(r.closed_at - r.claimed_at for r in rows if r.closed_at and r.claimed_at),
        "handoffs_by_reason": by_reason,
        "by_status": {s: sum(r.status == s for r in rows) for s in sorted({r.status for r in rows})},
        "csat": {"mean": round(statistics.fmean(ratings), 2) if ratings else None, "n": len(ratings),
                 "distribution": {str(k): ratings.count(k) for k in range(1, 6)}},
        "drafts": {k: outcomes.get(k, 0) for k in ("as_is", "edited", "discarded")},
    }
