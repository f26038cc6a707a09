"""The desk's tables (SQLAlchemy Core): agents, handoffs, notes, drafts, transfers, sign-in attempts, conversations.

SQLite by default, PostgreSQL by URL; every statement here runs on both.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import (
    JSON, Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text, create_engine, event,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

agents = Table(
    "desk_agents", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), unique=True, nullable=False),
    Column("name", String(120), nullable=False),
    Column("role", String(16), nullable=False),  # agent | admin
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("last_seen", Float),  # the last moment its desk page was connected
    Column("created_at", Float, nullable=False),
)

handoffs = Table(
    "desk_handoffs", metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),  # waiting|active|closed|cancelled|unavailable
    Column("reason", String(120), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("ticket_id", String(64)),
    Column("created_at", Float, nullable=False),
    Column("agent_id", Integer, ForeignKey("desk_agents.id")),
    Column("claimed_at", Float),
    Column("first_response_at", Float),
    Column("closed_at", Float),
    Column("resolution", String(64)),
    Column("rating", Integer),
    Column("rated_at", Float),
)

notes = Table(
    "desk_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("desk_handoffs.id"), nullable=False, index=True),
    Column("agent_id", Integer, ForeignKey("desk_agents.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

drafts = Table(
    "desk_drafts", metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("desk_handoffs.id"), nullable=False, index=True),
    Column("agent_id", Integer, ForeignKey("desk_agents.id"), nullable=False),
    Column("question", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("groundedness", Float, nullable=False),
    Column("refused", Boolean, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("outcome", String(16)),  # as_is | edited | discarded; null while undecided
)

transfers = Table(
    "desk_transfers", metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("desk_handoffs.id"), nullable=False),
    Column("from_agent_id", Integer),
    Column("to_agent_id", Integer, nullable=False),
    Column("at", Float, nullable=False),
)

login_attempts = Table(
    "desk_login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(400), nullable=False, index=True),  # "email:<address>" or "ip:<address>"
    Column("at", Float, nullable=False),
)

# Every conversation the broker has shown the desk: the denominator of the handoff rate.
conversations = Table(
    "desk_conversations", metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)


def connect(url: str) -> Engine:
    """An engine for `url` with the tables created; a SQLite file is created owner-only (it holds e-mails)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record) -> None:  # readers never wait for the writer
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine
