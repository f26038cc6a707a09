"""The handoff queue: a conversation waits for a person, one agent claims it, may pass it on, and hands it back.

Every change is one conditional UPDATE, so two agents claiming at once cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine

from desk.db import agents, handoffs, transfers

OPEN = ("waiting", "active")
# Complaints first, then members by tier; inside a priority, whoever waited longest.
REASON_PRIORITY = {"angry_complaint": 100, "complaint": 80}
TIER_PRIORITY = {"platinum": 30, "gold": 20, "silver": 10}
RULE_PRIORITY = 50


class HandoffError(Exception):
    """A queue operation that cannot happen (the message says why); `status` is the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 409, **details: Any):
        super().__init__(message)
        self.status = status
        self.details = details


def priority(reason: str, tier: str) -> int:
    base = REASON_PRIORITY.get(reason, RULE_PRIORITY if reason.startswith("rule:") else 0)
    return base + TIER_PRIORITY.get(tier, 0)


def _row(db, handoff_id: int):
    query = (select(handoffs, agents.c.name.label("agent_name"))
             .select_from(handoffs.outerjoin(agents, agents.c.id == handoffs.c.agent_id))
             .where(handoffs.c.id == handoff_id))
    return db.execute(query).first()


def as_dict(row, now: Optional[float] = None) -> dict:
    now = now or time.time()
    end = row.claimed_at or row.closed_at or now
    return {
        "id": row.id, "conversation_id": row.conversation_id, "status": row.status, "reason": row.reason,
        "summary": row.summary, "language": row.language, "channel": row.channel, "tier": row.tier,
        "priority": row.priority, "ticket_id": row.ticket_id, "created_at": row.created_at,
        "waited_s": round(max(0.0, end - row.created_at), 1),
        "agent": {"id": row.agent_id, "name": row.agent_name} if row.agent_id else None,
        "claimed_at": row.claimed_at, "closed_at": row.closed_at, "resolution": row.resolution, "rating": row.rating,
    }


def get(engine: Engine, handoff_id: int) -> dict:
    with engine.connect() as db:
        row = _row(db, handoff_id)
    if row is None:
        raise HandoffError("no such handoff", status=404)
    return as_dict(row)


def open_for(engine: Engine, conversation_id: str) -> Optional[dict]:
    """The conversation's waiting or active handoff, if any."""
    with engine.connect() as db:
        found = db.execute(select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id,
                                                       handoffs.c.status.in_(OPEN))
                           .order_by(handoffs.c.id.desc())).first()
        return as_dict(_row(db, found.id)) if found else None


def latest_for(engine: Engine, conversation_id: str) -> Optional[dict]:
    with engine.connect() as db:
        found = db.execute(select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id)
                           .order_by(handoffs.c.id.desc())).first()
        return as_dict(_row(db, found.id)) if found else None


def create(engine: Engine, *, conversation_id: str, reason: str, summary: dict, language: str, channel: str,
           tier: str, status: str = "waiting", ticket_id: Optional[str] = None) -> dict:
    """A new handoff; asking again while one is open returns the open one (a double click is not a second ticket)."""
    existing = open_for(engine, conversation_id)
    if existing and status == "waiting":
        return existing
    with engine.begin() as db:
        new_id = db.execute(insert(handoffs).values(
            conversation_id=conversation_id, status=status, reason=reason, summary=summary, language=language,
            channel=channel, tier=tier, priority=priority(reason, tier), ticket_id=ticket_id, created_at=time.time(),
            closed_at=time.time() if status != "waiting" else None,
        )).inserted_primary_key[0]
    return get(engine, new_id)


def waiting(engine: Engine) -> list[dict]:
    """The queue in the order agents should take it."""
    with engine.connect() as db:
        rows = db.execute(select(handoffs, agents.c.name.label("agent_name"))
                          .select_from(handoffs.outerjoin(agents, agents.c.id == handoffs.c.agent_id))
                          .where(handoffs.c.status == "waiting")
                          .order_by(handoffs.c.priority.desc(), handoffs.c.created_at, handoffs.c.id)).all()
    now = time.time()
    return [as_dict(row, now) for row in rows]


def position(engine: Engine, handoff_id: int) -> int:
    """1 for the next conversation an agent will take."""
    ids = [h["id"] for h in waiting(engine)]
    return ids.index(handoff_id) + 1 if handoff_id in ids else 0


def owned_by(engine: Engine, agent_id: int) -> list[dict]:
    with engine.connect() as db:
        rows = db.execute(select(handoffs, agents.c.name.label("agent_name"))
                          .select_from(handoffs.outerjoin(agents, agents.c.id == handoffs.c.agent_id))
                          .where(handoffs.c.status == "active", handoffs.c.agent_id == agent_id)
                          .order_by(handoffs.c.claimed_at)).all()
    return [as_dict(row) for row in rows]


def recently_closed(engine: Engine, limit: int = 50) -> list[dict]:
    with engine.connect() as db:
        rows = db.execute(select(handoffs, agents.c.name.label("agent_name"))
                          .select_from(handoffs.outerjoin(agents, agents.c.id == handoffs.c.agent_id))
                          .where(handoffs.c.status.in_(("closed", "cancelled", "unavailable")))
                          .order_by(handoffs.c.closed_at.desc()).limit(limit)).all()
    return [as_dict(row) for row in rows]


def claim(engine: Engine, handoff_id: int, agent_id: int) -> dict:
    """The handoff, now the agent's; HandoffError "already taken" when someone else got it first."""
    now = time.time()
    with engine.begin() as db:
        won = db.execute(update(handoffs)
                         .where(handoffs.c.id == handoff_id, handoffs.c.status == "waiting")
                         .values(status="active", agent_id=agent_id, claimed_at=now)).rowcount
    if not won:
        current = get(engine, handoff_id)
        owner = (current["agent"] or {}).get("name")
        if current["status"] == "active":
            raise HandoffError("already taken", agent=owner)
        raise HandoffError(f"this conversation is {current['status']}")
    return get(engine, handoff_id)


def _owned(db, handoff_id: int, agent_id: int, is_admin: bool):
    row = _row(db, handoff_id)
    if row is None:
        raise HandoffError("no such handoff", status=404)
    if row.status != "active":
        raise HandoffError(f"this conversation is {row.status}")
    if row.agent_id != agent_id and not is_admin:
        raise HandoffError("this conversation belongs to another agent", status=403)
    return row


def check_owner(engine: Engine, handoff_id: int, agent_id: int, is_admin: bool = False) -> dict:
    with engine.connect() as db:
        return as_dict(_owned(db, handoff_id, agent_id, is_admin))


def transfer(engine: Engine, handoff_id: int, from_agent: int, to_agent: int, is_admin: bool = False) -> dict:
    with engine.begin() as db:
        row = _owned(db, handoff_id, from_agent, is_admin)
        moved = db.execute(update(handoffs)
                           .where(handoffs.c.id == handoff_id, handoffs.c.agent_id == row.agent_id,
                                  handoffs.c.status == "active")
                           .values(agent_id=to_agent)).rowcount
        if not moved:
            raise HandoffError("the conversation changed hands meanwhile")
        db.execute(insert(transfers).values(handoff_id=handoff_id, from_agent_id=row.agent_id,
                                            to_agent_id=to_agent, at=time.time()))
    return get(engine, handoff_id)


def responded(engine: Engine, handoff_id: int) -> None:
    """Stamp the first agent reply (the first-response time starts at the handoff)."""
    with engine.begin() as db:
        db.execute(update(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.first_response_at.is_(None))
                   .values(first_response_at=time.time()))


def close(engine: Engine, handoff_id: int, agent_id: int, resolution: str, is_admin: bool = False) -> dict:
    with engine.begin() as db:
        _owned(db, handoff_id, agent_id, is_admin)
        db.execute(update(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.status == "active")
                   .values(status="closed", closed_at=time.time(), resolution=resolution))
    return get(engine, handoff_id)


def cancel(engine: Engine, handoff_id: int) -> bool:
    """The shopper stopped waiting; False when an agent had already claimed it."""
    with engine.begin() as db:
        return bool(db.execute(update(handoffs)
                               .where(handoffs.c.id == handoff_id, handoffs.c.status == "waiting")
                               .values(status="cancelled", closed_at=time.time(), resolution="shopper_left")
                               ).rowcount)


def rate(engine: Engine, conversation_id: str, rating: int) -> Optional[int]:
    """The rating lands on the conversation's latest closed handoff; its id, or None if there is none to rate."""
    with engine.begin() as db:
        found = db.execute(select(handoffs.c.id)
                           .where(handoffs.c.conversation_id == conversation_id, handoffs.c.status == "closed")
                           .order_by(handoffs.c.closed_at.desc())).first()
        if not found:
            return None
        db.execute(update(handoffs).where(and_(handoffs.c.id == found.id))
                   .values(rating=rating, rated_at=time.time()))
        return found.id
