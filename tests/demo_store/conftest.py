"""Fixtures over the demo store's generated files (data/store/)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.demo_store.demo import STORE


@pytest.fixture(scope="module")
def store():
    return yaml.safe_load((STORE / "store.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    lines = (STORE / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def products(catalog):
    return {p["id"]: p for p in catalog}


@pytest.fixture(scope="module")
def customers():
    return json.loads((STORE / "customers.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def orders():
    return json.loads((STORE / "orders.json").read_text(encoding="utf-8"))
