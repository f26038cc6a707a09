"""Ingestion of every format, incremental re-ingest, a broken file, hybrid retrieval of an exact SKU."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.index import Index
from knowledge.ingest import ingest
from knowledge.loaders import parse_field_map

ROOT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def copy_fixtures(dest: Path) -> Path:
    shutil.copytree(FIXTURES, dest)
    return dest


def chunk_ids(index: Index) -> set[str]:
    return set(index.col.get()["ids"])


def test_every_format_is_indexed(fixture_index):
    ids = chunk_ids(fixture_index)
    sources = {m["source"] for m in fixture_index.col.get()["metadatas"]}
    assert {"en/returns.md", "zh/returns.md", "en/shipping.html", "en/care.txt", "en/warranty.pdf"} <= sources
    # JSONL products in both languages, CSV products through the field map
    assert {"product:TP-JKT-001:en:0", "product:TP-JKT-001:zh:0", "product:TP-HYD-900:en:0"} <= ids


def test_html_keeps_structure_and_drops_scripts(fixture_index):
    docs = fixture_index.col.get(where={"source": "en/shipping.html"})["documents"]
    text = "\n".join(docs)
    assert "| Express | 14.95 USD |" in text
    assert "ignore me" not in text and "Home | Shop" not in text
    assert any(d.startswith("Shipping information > Delivery times") for d in docs)


def test_csv_unknown_columns_become_attributes(fixture_index):
    doc = fixture_index.col.get(ids=["product:TP-LGT-310:en:0"])["documents"][0]
    assert "colorway: black" in doc and "Price: 44.00 USD" in doc


def test_broken_file_is_reported_and_skipped(fixture_index):
    assert any("broken.pdf" in e for e in fixture_index.errors)
    assert "en/broken.pdf" not in {m["source"] for m in fixture_index.col.get()["metadatas"]}


def test_incremental_reingest(tmp_path):
    root = copy_fixtures(tmp_path / "fx")
    index = Index(tmp_path / "index")
    first = ingest(index, root / "catalog.jsonl", root / "docs", progress=False)
    assert first["changed"] == first["units"]
    again = ingest(index, root / "catalog.jsonl", root / "docs", progress=False)
    assert again["changed"] == 0 and again["removed"] == 0

    (root / "docs" / "en" / "care.txt").write_text("Caring for tents\n\nDry your tent before storing it.\n")
    (root / "docs" / "zh" / "payment.md").unlink()
    lines = (root / "catalog.jsonl").read_text().splitlines()
    (root / "catalog.jsonl").write_text("\n".join(lines[:2]) + "\n")  # drop the tent
    third = ingest(index, root / "catalog.jsonl", root / "docs", progress=False)
    assert third["changed"] == 1 and third["removed"] == 2
    ids = chunk_ids(index)
    assert not any(i.startswith(("doc:zh/payment.md", "product:TP-TNT-014")) for i in ids)
    assert "Dry your tent" in index.col.get(ids=["doc:en/care.txt:0"])["documents"][0]
    # a fresh process sees the same index (persistent, BM25 included)
    assert Index(tmp_path / "index").search("Dry tent storing", 1, mode="bm25")[0].id == "doc:en/care.txt:0"


def test_exact_sku_is_found_first(fixture_index):
    for sku in ("TP-HYD-900", "tp-lgt-310"):
        hits = fixture_index.search(f"tell me about {sku}", 3)
        assert hits[0].meta["product_id"] == sku.upper()


def test_hybrid_retrieval_in_both_languages(fixture_index):
    assert fixture_index.search("how long do refunds take", 3, "en")[0].meta["source"] == "en/returns.md"
    assert fixture_index.search("能用花呗分期吗？", 3, "zh")[0].meta["source"] == "zh/payment.md"
    assert fixture_index.search("Emberfox Headlamp", 3, mode="bm25")[0].meta["product_id"] == "TP-LGT-310"


def test_bad_field_map_is_rejected():
    with pytest.raises(ValueError):
        parse_field_map("sku=id")  # reversed: our field goes first


def test_cli_ingest_reports_and_continues(tmp_path):
    root = copy_fixtures(tmp_path / "fx")
    (root / "docs" / "en" / "bad.html").write_bytes(b"\x00\x01binary\xff")
    out = subprocess.run([sys.executable, "-m", "knowledge", "ingest", "--docs", str(root / "docs"),
                          "--index", str(tmp_path / "index")], capture_output=True, text=True, cwd=ROOT_DIR,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "skipped:" in out.stderr and "bad.html" in out.stderr and "broken.pdf" in out.stderr
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    assert stats["skipped"] == 2 and stats["total_chunks"] > 5
