"""A named product's own text as quotable passages: its description's sentences and its attributes as
"label: value". A question about the product that no catalogue-field pattern covers ("how many litres can the
filter do before it's done?", "夜跑 900 头灯电池多大") is then answered in the store's own words about it, chosen by
the reader (reader.py) like any other quote; nothing is invented and nothing internal is shown."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .embed import E5EmbeddingFunction, EmbeddingCache, embed_cached
from .extractive import LEXICAL_WEIGHT, Extract
from .index import CACHE_FILE, Hit, Index
from .injection import without_instructions
from .loaders import INTERNAL_FIELDS, field_label
from .passages import Passage, plain, sentences
from .text import tokenize

LONG_VALUE = 80  # characters: an attribute value this long is prose (a bullet, a review), not a value


def product_passages(record: dict, chunk_id: str, lang: str) -> list[Passage]:
    """The product's description sentences (in `lang` when the catalogue has it) and its attributes, each one
    passage under the heading "Product > Name (ID)" so a quote names what it is about."""
    name = (record.get("name_zh") if lang == "zh" else None) or record.get("name") or record.get("id", "")
    heading = f"Product > {name} ({record.get('id', '')})"
    description = (record.get(f"description_{lang}") if lang != "en" else None) or record.get("description") or ""
    texts = sentences(plain(without_instructions(str(description))))
    for key, value in (record.get("attributes") or {}).items():
        if key in INTERNAL_FIELDS or value in (None, "", []) or isinstance(value, (dict, bool)):
            continue
        items = value if isinstance(value, list) else [value]
        if any(len(str(v)) > LONG_VALUE for v in items):
            # bullets, reviews, Q&A: prose, quoted sentence by sentence like the description
            texts.extend(s for v in items for s in sentences(plain(without_instructions(str(v)))))
            continue
        texts.append(f"{field_label(key).capitalize()}: {', '.join(map(str, items))}")
    return [Passage(chunk_id, i, heading, t) for i, t in enumerate(texts) if len(t) > 1]


class ProductPassages:
    """Scores one product's passages against a question (e5 cosine plus shared words, as extractive.py does for
    documents); vectors come from the index's embedding cache, so each passage is embedded once."""

    def __init__(self, index: Index, embedder: E5EmbeddingFunction):
        self.index = index
        self.embedder = embedder
        # (index version, chunk id) -> its passages and their vectors: the cache file is read once per product
        self._seen: dict[tuple[int, str], tuple[list[Passage], np.ndarray]] = {}

    def _embedded(self, record: dict, chunk_id: str, lang: str) -> tuple[list[Passage], np.ndarray]:
        key = (self.index.version, chunk_id)
        if key not in self._seen:
            items = product_passages(record, chunk_id, lang)
            cache = EmbeddingCache(Path(self.index.path) / CACHE_FILE)
            try:
                matrix, _ = embed_cached([f"{p.heading}: {p.text}" for p in items], cache, progress=False)
            finally:
                cache.close()
            self._seen = {k: v for k, v in self._seen.items() if k[0] == self.index.version}
            self._seen[key] = (items, matrix)
        return self._seen[key]

    def candidates(self, focus: str, vector: np.ndarray, hit: Hit, lang: str, count: int = 2) -> list[Extract]:
        record = self.index.products.get(hit.meta.get("product_id", ""))
        if not record:
            return []
        items, matrix = self._embedded(record, hit.id, lang)
        if not items:
            return []
        wanted = set(tokenize(focus))
        scored = []
        for i, p in enumerate(items):
            cosine = float(matrix[i] @ vector)
            lexical = len(wanted & set(tokenize(p.text))) / len(wanted) if wanted else 0.0
            scored.append((cosine + LEXICAL_WEIGHT * lexical, cosine, lexical, p))
        scored.sort(key=lambda s: -s[0])
        return [Extract([p], hit.id, score, cosine, lexical, meta=hit.meta)
                for score, cosine, lexical, p in scored[:count]]
