"""The RAG evaluation sets are well-formed: every line parses, ids are unique, each item's support text really
occurs in the named policy page (or names a real product), and the shopper set is new and large enough."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "knowledge" / "eval"
POLICIES = ROOT / "data" / "store" / "policies"
SETS = {"questions": EVAL / "questions.jsonl", "shopper": EVAL / "shopper_questions.jsonl"}
KINDS = {"vague", "typo", "yes_no", "follow_up", "product_policy", "product_fact", "unanswerable", "manipulation",
         "false_premise"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def load(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                pytest.fail(f"{path.name}:{n}: not JSON ({e})")
    return rows


def plain(text: str) -> str:
    return text.replace("**", "")


@pytest.fixture(scope="module")
def product_ids() -> set[str]:
    return {json.loads(line)["id"] for line in (ROOT / "data/store/catalog.jsonl").open(encoding="utf-8")}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {str(p.relative_to(POLICIES)): plain(p.read_text(encoding="utf-8")) for p in POLICIES.glob("*/*.md")}


@pytest.mark.parametrize("name", SETS)
def test_items_are_well_formed(name, product_ids, pages):
    rows = load(SETS[name])
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in rows:
        where = r["id"]
        assert isinstance(r["question"], str) and r["question"].strip(), where
        assert r["lang"] in ("en", "zh"), where
        assert isinstance(r["answerable"], bool), where
        assert isinstance(r["must"], list) and all(isinstance(g, list) and g and all(isinstance(a, str) and a
                                                   for a in g) for g in r["must"]), where
        assert isinstance(r["support"], list), where
        for turn in r.get("history", []):
            assert turn["role"] in ("user", "assistant") and isinstance(turn["content"], str), where
        if r["answerable"]:
            assert r["must"] and r["support"], f"{where}: an answerable item needs must and support"
        else:
            assert r["must"] == [], f"{where}: an unanswerable item has nothing to match"
        if r["lang"] == "zh":
            assert CJK.search(r["question"]), f"{where}: a Chinese question without Chinese"
        for s in r["support"]:
            if s["source"] == "catalog":
                assert s["contains"] in product_ids, f"{where}: no product {s['contains']}"
            else:
                assert s["source"] in pages, f"{where}: no page {s['source']}"
                assert plain(s["contains"]) in pages[s["source"]], f"{where}: {s['contains']!r} not in {s['source']}"


def test_shopper_set_shape(pages):
    rows = load(SETS["shopper"])
    for lang in ("en", "zh"):
        assert sum(r["lang"] == lang for r in rows) >= 150, lang
    for r in rows:
        where = r["id"]
        assert set(r) >= {"id", "lang", "question", "history", "answerable", "kind", "reference", "must", "support"}
        assert r["kind"] in KINDS, where
        assert isinstance(r["reference"], str) and bool(r["reference"]) == r["answerable"], where
        if not r["answerable"]:
            assert r["support"] == [], where
        if r["kind"] == "follow_up":
            assert r["history"], f"{where}: a follow-up needs the earlier turns"
        for s in r["support"]:
            if s["source"] != "catalog":  # short and on one line, so it lands whole in one chunk
                text = plain(s["contains"])
                assert 10 <= len(text) <= 80, f"{where}: {text!r}"
                assert any(text in line for line in pages[s["source"]].splitlines()), f"{where}: {text!r}"


def test_shopper_questions_are_new():
    def key(q: str) -> str:
        return re.sub(r"[\W_]+", "", q.lower())

    old = {key(r["question"]) for r in load(SETS["questions"])}
    repeated = [r["id"] for r in load(SETS["shopper"]) if key(r["question"]) in old]
    assert not repeated, f"also in questions.jsonl: {repeated}"
