"""Agent accounts: argon2 password hashes (argon2-cffi), roles, and sign-in attempts limited per e-mail and address."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from desk.db import agents, login_attempts

ROLES = ("agent", "admin")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """An account could not be created or changed (the message says why)."""


@dataclass(frozen=True)
class Agent:
    id: int
    email: str
    name: str
    role: str

    def public(self, online: bool = False) -> dict:
        return {"id": self.id, "email": self.email, "name": self.name, "role": self.role, "online": online}


def _agent(row) -> Agent:
    return Agent(id=row.id, email=row.email, name=row.name, role=row.role)


def _check(email: str, password: Optional[str], role: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    return email


def add(engine: Engine, email: str, name: str, password: str, role: str = "agent") -> Agent:
    """A new active account; AccountError if the e-mail is taken or a field is unfit."""
    email = _check(email, password, role)
    with engine.begin() as db:
        if db.execute(select(agents.c.id).where(agents.c.email == email)).first():
            raise AccountError(f"{email} already has an account")
        db.execute(insert(agents).values(email=email, name=name.strip() or email, role=role,
                                         password_hash=_hasher.hash(password), active=True, created_at=time.time()))
    return by_email(engine, email)


def ensure_admin(engine: Engine, email: str, password: str, name: str = "Admin") -> Optional[Agent]:
    """The first admin from DESK_ADMIN_EMAIL / DESK_ADMIN_PASSWORD: created once, never overwritten."""
    if not email or not password:
        return None
    existing = by_email(engine, email)
    return existing or add(engine, email, name, password, role="admin")


def set_password(engine: Engine, email: str, password: str) -> None:
    email = _check(email, password, "agent")
    with engine.begin() as db:
        if not db.execute(update(agents).where(agents.c.email == email)
                          .values(password_hash=_hasher.hash(password))).rowcount:
            raise AccountError(f"no account for {email}")


def set_active(engine: Engine, email: str, active: bool) -> None:
    with engine.begin() as db:
        if not db.execute(update(agents).where(agents.c.email == email.strip().lower())
                          .values(active=active)).rowcount:
            raise AccountError(f"no account for {email}")


def by_email(engine: Engine, email: str) -> Optional[Agent]:
    with engine.connect() as db:
        row = db.execute(select(agents).where(agents.c.email == email.strip().lower(), agents.c.active)).first()
    return _agent(row) if row else None


def by_id(engine: Engine, agent_id: int) -> Optional[Agent]:
    with engine.connect() as db:
        row = db.execute(select(agents).where(agents.c.id == agent_id, agents.c.active)).first()
    return _agent(row) if row else None


def all_agents(engine: Engine) -> list[tuple[Agent, Optional[float]]]:
    """Every active account with the last moment its desk page was connected."""
    with engine.connect() as db:
        rows = db.execute(select(agents).where(agents.c.active).order_by(agents.c.name)).all()
    return [(_agent(row), row.last_seen) for row in rows]


def seen(engine: Engine, agent_id: int, at: float) -> None:
    with engine.begin() as db:
        db.execute(update(agents).where(agents.c.id == agent_id).values(last_seen=at))


def attempts_left(engine: Engine, limits: dict[str, int], window_s: float) -> tuple[bool, float]:
    """(allowed, seconds to wait) for {key: limit}: a key with `limit` failures inside the window waits for the
    oldest to expire."""
    now = time.time()
    with engine.begin() as db:
        db.execute(delete(login_attempts).where(login_attempts.c.at < now - window_s))
        for key, limit in limits.items():
            count, oldest = db.execute(select(func.count(), func.min(login_attempts.c.at))
                                       .where(login_attempts.c.key == key)).one()
            if count >= limit:
                return False, max(1.0, oldest + window_s - now)
    return True, 0.0


def record_failure(engine: Engine, keys: list[str]) -> None:
    with engine.begin() as db:
        db.execute(insert(login_attempts), [{"key": key, "at": time.time()} for key in keys])


def clear_failures(engine: Engine, key: str) -> None:
    with engine.begin() as db:
        db.execute(delete(login_attempts).where(login_attempts.c.key == key))


def verify(engine: Engine, email: str, password: str) -> Optional[Agent]:
    """The account if the password is right; None otherwise, after the same hashing work either way."""
    with engine.connect() as db:
        row = db.execute(select(agents).where(agents.c.email == email.strip().lower(), agents.c.active)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return _agent(row) if row else None
