"""Fixtures for the action server's unit tests: a fresh copy of the demo store behind `shop.store.store()`, and a
fresh verification lockout for every test (never the one in data/)."""

from __future__ import annotations

import pytest

from shop import lockout as lockouts
from shop.store import chosen, config
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore
from scripts.stack import STORE_DIR


@pytest.fixture
def fresh_store(tmp_path, monkeypatch) -> SqliteStore:
    """The demo store loaded into a temporary database and chosen by every action (STORE_DB points at it)."""
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    monkeypatch.setattr(config, "STORE_DB", db)
    monkeypatch.setattr(config, "STORE_DATA_DIR", STORE_DIR)
    chosen.store.cache_clear()
    yield chosen.store()
    chosen.store.cache_clear()


@pytest.fixture(autouse=True)
def fresh_lockout(tmp_path, monkeypatch) -> None:
    """Every action's `shop.lockout.lockout()` is an empty one in this test's folder (made when first asked for)."""
    monkeypatch.delenv("VERIFY_LOCKOUT_URL", raising=False)
    monkeypatch.setenv("VERIFY_LOCKOUT_DB", str(tmp_path / "verify_lockout.db"))
    lockouts.lockout.cache_clear()
    yield
    if lockouts.lockout.cache_info().currsize:
        lockouts.lockout().engine.dispose()
    lockouts.lockout.cache_clear()
