"""Shared fixtures: the running stack (see scripts/stack.py), conversation ids and demo orders."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Iterator, List

import pytest

from scripts.stack import STORE_DIR, Stack, running_stack
from shop.lockout import Lockout


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture(autouse=True)
def fresh_verification_lockout(request) -> Iterator[None]:
    """Every stack test talks from 127.0.0.1: wrong e-mails in one test must not lock the address for the next."""
    yield
    if "stack" in request.fixturenames:
        stack = request.getfixturevalue("stack")
        Lockout(f"sqlite:///{stack.env['VERIFY_LOCKOUT_DB']}").clear()


@pytest.fixture
def sender() -> str:
    """A fresh conversation id per test."""
    return f"test-{uuid.uuid4().hex[:10]}"


def demo_orders() -> List[Dict[str, Any]]:
    return json.loads((STORE_DIR / "orders.json").read_text(encoding="utf-8"))
