"""Shared fixtures: the running stack (see scripts/stack.py), conversation ids and demo orders."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Iterator, List

import pytest

from scripts.stack import STORE_DIR, Stack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture
def sender() -> str:
    """A fresh conversation id per test."""
    return f"test-{uuid.uuid4().hex[:10]}"


def demo_orders() -> List[Dict[str, Any]]:
    return json.loads((STORE_DIR / "orders.json").read_text(encoding="utf-8"))
