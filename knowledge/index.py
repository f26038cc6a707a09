"""The index: chromadb (dense) plus BM25 (lexical) over the same chunks, fused with reciprocal rank fusion."""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Collection

import chromadb
from chromadb.config import Settings as ChromaSettings
from rank_bm25 import BM25Okapi
from tqdm import tqdm

from .embed import E5EmbeddingFunction, EmbeddingCache, embed_cached, passage_text, passage_version, text_key
from .loaders import Unit
from .text import CODE, tokenize

COLLECTION = "knowledge"
CACHE_FILE = "embeddings.sqlite"  # passage vectors by text hash (knowledge/embed.py)
STORE_BATCH = 1000  # chunks per chroma upsert/delete (vectors are computed beforehand)
RRF_K = 60


@dataclass
class Hit:
    """One retrieved chunk."""

    id: str
    text: str
    meta: dict
    score: float  # fused score, higher is better
    dense: float = 0.0  # cosine similarity, 0 when not among the dense hits


class Index:
    """The chunks of a catalogue and documents, searchable by meaning and by words, plus the normalised products
    (products.json) and a manifest for incremental ingestion, all under one folder. One process owns this
    (chromadb is thread-safe, not process-safe)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(path=str(self.path / "chroma"),
                                                settings=ChromaSettings(anonymized_telemetry=False))
        self.col = self.client.get_or_create_collection(
            COLLECTION, embedding_function=E5EmbeddingFunction(), metadata={"hnsw:space": "cosine"})
        self.manifest_path = self.path / "manifest.json"
        self.lexical_path = self.path / "lexical.json"
        self.products_path = self.path / "products.json"
        self.manifest: dict[str, dict] = self._load(self.manifest_path)  # unit key -> {digest, kind, chunks}
        self.lexical: dict[str, list[str]] = self._load(self.lexical_path)  # chunk id -> tokens
        self.products: dict[str, dict] = self._load(self.products_path)  # product id -> normalised product
        self.version = 0  # bumped on every change, so views built from `products` know when to rebuild
        self._lock = threading.Lock()
        self._build_bm25()

    @staticmethod
    def _load(path: Path) -> dict:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _save(self) -> None:
        self.version += 1
        for path, data in ((self.manifest_path, self.manifest), (self.lexical_path, self.lexical),
                           (self.products_path, self.products)):
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)

    def _build_bm25(self) -> None:
        self._ids = list(self.lexical)
        self._bm25 = BM25Okapi([self.lexical[i] or ["_"] for i in self._ids]) if self._ids else None

    def count(self) -> int:
        """How many chunks are indexed."""
        return self.col.count()

    # ---------- ingestion ----------

    def ingest(self, units: list[Unit], origins: set[str], progress: bool = True) -> dict:
        """Index new and changed units; drop units that came from one of `origins` but are no longer there.
        Vectors come from the embedding cache where a chunk's text was embedded before (by any ingest, even one
        before a reset), so only new text is embedded; they are computed here, in large batches, and handed to
        chroma ready-made. Returns counts ("embedded": texts that were not in the cache) and seconds per phase."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        seen = {u.key for u in units}
        stale = [k for k, v in self.manifest.items() if v.get("origin") in origins and k not in seen]
        embedded_as = passage_version()
        changed = [u for u in units if [self.manifest.get(u.key, {}).get(f) for f in ("digest", "embedded_as")]
                   != [u.digest, embedded_as]]
        chunks = list({c.id: c for u in changed for c in u.chunks}.values())  # a repeated unit: the last wins
        kept = {c.id for c in chunks}
        gone = []  # chunk ids that no new chunk replaces (upsert overwrites the rest in place)
        for key in stale + [u.key for u in changed if u.key in self.manifest]:
            old = self.manifest.pop(key)["chunks"]
            gone += [cid for cid in old if cid not in kept]
            for cid in old:
                self.lexical.pop(cid, None)
            if key.startswith("product:") and key not in seen:
                self.products.pop(key.removeprefix("product:"), None)
        for start in range(0, len(gone), STORE_BATCH):
            self.col.delete(ids=gone[start:start + STORE_BATCH])
        timings["diff_s"] = time.perf_counter() - clock

        clock = time.perf_counter()
        cache = EmbeddingCache(self.path / CACHE_FILE)
        try:
            vectors, embedded = embed_cached([passage_text(c.text, c.meta) for c in chunks], cache, progress)
            timings["embed_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            bar = tqdm(total=len(chunks), desc="storing", unit="chunk", disable=not progress or not chunks)
            for start in range(0, len(chunks), STORE_BATCH):
                batch = chunks[start:start + STORE_BATCH]
                self.col.upsert(ids=[c.id for c in batch], documents=[c.text for c in batch],
                                metadatas=[c.meta for c in batch], embeddings=vectors[start:start + STORE_BATCH])
                bar.update(len(batch))
            bar.close()
            timings["store_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            for c in chunks:
                self.lexical[c.id] = tokenize(c.text)
            timings["lexical_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            if changed or stale:  # texts still in these sources stay cached; long-gone ones expire
                cache.touch_and_prune(text_key(passage_text(c.text, c.meta)) for u in units for c in u.chunks)
            timings["cache_s"] = time.perf_counter() - clock
        finally:
            cache.close()
        for u in changed:
            self.manifest[u.key] = {"digest": u.digest, "kind": u.kind, "origin": u.origin, "embedded_as": embedded_as,
                                    "chunks": [c.id for c in u.chunks]}
        products_changed = False
        for u in units:  # every product, changed or not, so an index built before this file existed gets it
            if u.record is not None and self.products.get(u.record["id"]) != u.record:
                self.products[u.record["id"]] = u.record
                products_changed = True
        clock = time.perf_counter()
        if changed or stale or products_changed or not self.manifest_path.exists():
            self._save()
        timings["save_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if changed or stale:
            self._build_bm25()
        timings["bm25_s"] = time.perf_counter() - clock
        return {"units": len(units), "changed": len(changed), "removed": len(stale), "chunks_added": len(chunks),
                "embedded": embedded, "total_chunks": self.count(),
                "timings": {k: round(v, 3) for k, v in timings.items()}}

    def reset(self) -> None:
        """Drop every chunk, product and manifest entry (the embedding cache stays: unchanged text is not
        embedded again)."""
        self.client.delete_collection(COLLECTION)
        self.col = self.client.get_or_create_collection(
            COLLECTION, embedding_function=E5EmbeddingFunction(), metadata={"hnsw:space": "cosine"})
        self.manifest, self.lexical, self.products = {}, {}, {}
        self._save()
        self._build_bm25()

    # ---------- retrieval ----------

    def dense(self, query: str, n: int, products: Collection[str] | None = None) -> list[Hit]:
        """The n chunks closest in meaning (e5 embeddings, cosine), optionally only those products' chunks."""
        if not self.count() or products is not None and not products:
            return []
        where = {"product_id": {"$in": sorted(products)}} if products is not None else None
        res = self.col.query(query_texts=[query], n_results=min(n, self.count()), where=where)
        return [Hit(i, d, m, 1 - dist, 1 - dist) for i, d, m, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def lexical_search(self, query: str, n: int, products: Collection[str] | None = None) -> list[Hit]:
        """The n best BM25 matches with a positive score, optionally only those products' chunks."""
        tokens = tokenize(query)
        if not self._bm25 or not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        if products is not None:  # only those products' chunks compete for the top n
            allowed = {c for p in products for c in self.manifest.get(f"product:{p}", {}).get("chunks", [])}
            scores[[i for i, cid in enumerate(self._ids) if cid not in allowed]] = 0
        top = [i for i in scores.argsort()[::-1][:n] if scores[i] > 0]
        ids = [self._ids[i] for i in top]
        if not ids:
            return []
        got = self.col.get(ids=ids)
        by_id = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [Hit(cid, *by_id[cid], float(scores[i])) for cid, i in zip(ids, top) if cid in by_id]

    def search(self, query: str, k: int = 5, lang: str | None = None, mode: str = "hybrid",
               products: Collection[str] | None = None) -> list[Hit]:
        """Hybrid: reciprocal rank fusion of dense and BM25 lists; exact codes (SKUs) and the asker's language lead.
        `products` restricts the search to those product ids' chunks (the recommender's filtered candidates)."""
        with self._lock:
            pool = 4 * k + 10
            lists = []
            if mode in ("hybrid", "dense"):
                lists.append(self.dense(query, pool, products))
            if mode in ("hybrid", "bm25"):
                lists.append(self.lexical_search(query, pool, products))
        fused: dict[str, Hit] = {}
        for hits in lists:
            for rank, hit in enumerate(hits):
                cur = fused.setdefault(hit.id, Hit(hit.id, hit.text, hit.meta, 0.0, hit.dense))
                cur.score += 1 / (RRF_K + rank + 1)
                cur.dense = max(cur.dense, hit.dense)
        codes = {c.upper() for c in CODE.findall(query)}
        for hit in fused.values():
            if codes and (hit.meta.get("product_id", "").upper() in codes
                          or any(re.search(re.escape(c), hit.text, re.I) for c in codes)):
                hit.score += 1.0
            if lang and hit.meta.get("lang") != lang:
                hit.score *= 0.6  # the other language's copy of the same fact ranks below
        return sorted(fused.values(), key=lambda h: h.score, reverse=True)[:k]
