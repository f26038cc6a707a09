"""`make eval-rag`: our pipeline against two baselines (BM25-only retrieval; naive langchain RAG with the same
model and no checks) on knowledge/eval/questions.jsonl. Writes reports/rag_eval.{md,json,png}."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

from ..answer import Answerer, build_answerer
from ..checks import _methods, _numbers, strip_citations
from ..config import Settings
from ..index import Index
from .baseline import SAYS_UNKNOWN, naive_chain

K_VALUES = (3, 5)
BINS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01)]


def norm(text: str) -> str:
    text = text.lower().replace("–", "-").replace("’", "'")
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def plain(text: str) -> str:
    return norm(text).replace("*", "")


def mentions(text: str, alternative: str) -> bool:
    """English words match whole ("no" is not in "normal"); Chinese and numbers match as substrings."""
    alt = norm(alternative)
    if re.fullmatch(r"[a-z' ]+", alt):
        return re.search(rf"\b{re.escape(alt)}\b", text) is not None
    return alt in text


def correct(answer: str, must: list[list[str]]) -> bool:
    text = norm(answer)
    return all(any(mentions(text, alt) for alt in group) for group in must)


def support_ids(index: Index, item: dict, all_chunks: dict) -> set[str]:
    """Chunks that contain the supporting text (recomputed, so the set survives changes to chunking)."""
    out = set()
    for s in item["support"]:
        for cid, (text, meta) in all_chunks.items():
            if s["source"] == "catalog":
                if meta.get("product_id") == s["contains"] and meta.get("lang") == item["lang"]:
                    out.add(cid)
            elif meta.get("source") == s["source"] and plain(s["contains"]) in plain(text):
                out.add(cid)
    return out


def faithful(answer: str, context: list[str], answerable: bool) -> bool:
    """Every number and payment method the answer states occurs in the retrieved text; an answer to a question
    the documents cannot answer is unfaithful by definition."""
    body = strip_citations(answer)
    evidence = "\n".join(context)
    return answerable and _numbers(body) <= _numbers(evidence) and _methods(body) <= _methods(evidence)


def pct(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def summarise(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if r.get("refused")]
    spoken = [r for r in rows if "refused" in r and not r["refused"]]
    out = {"n": len(rows)}
    for k in K_VALUES:
        out[f"recall@{k}"] = pct([r[f"hit@{k}"] for r in answerable if r["support"]])
    if spoken or refused:
        out["correct_answerable"] = pct([r["correct"] for r in answerable])
        out["refusal_recall"] = pct([r["refused"] for r in unanswerable])
        out["refusal_precision"] = pct([not r["answerable"] for r in refused])
        out["faithfulness"] = pct([r["faithful"] for r in spoken])
        out["latency_p50_s"] = round(statistics.median(r["seconds"] for r in rows), 2)
    return out


def calibration(rows: list[dict]) -> list[dict]:
    """Accuracy of answered (not refused) answerable questions per groundedness bin."""
    out = []
    for lo, hi in BINS:
        inside = [r for r in rows if r["answerable"] and not r["refused"] and lo <= r["groundedness"] < hi]
        accuracy = pct([r["correct"] for r in inside])
        out.append({"bin": f"{lo:.2f}-{min(hi, 1):.2f}", "n": len(inside), "accuracy": accuracy})
    return out


def run_eval(settings: Settings, index_dir: Path, questions: Path, out_dir: Path, limit: int = 0) -> int:
    items = [json.loads(line) for line in questions.open(encoding="utf-8") if line.strip()]
    if limit:  # an even spread over the set keeps the mix of languages, kinds and unanswerable questions
        items = [items[round(i * len(items) / limit)] for i in range(min(limit, len(items)))]
    answerer: Answerer = build_answerer(settings, index_dir)
    index = answerer.index
    got = index.col.get()
    all_chunks = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
    naive = naive_chain(index, answerer.model)
    systems = {"ours (hybrid + checks)": [], "naive langchain RAG": [], "BM25-only retrieval": []}
    started = time.time()
    for n, item in enumerate(items, 1):
        gold = support_ids(index, item, all_chunks)
        history = item.get("history") or []
        query = (history[-1]["content"] + " " + item["question"]) if history else item["question"]
        common = {"id": item["id"], "lang": item["lang"], "answerable": item["answerable"], "support": bool(gold)}

        hits = answerer.retrieve(query, item["lang"], k=max(K_VALUES))
        t = time.time()
        result = answerer.answer(item["question"], item["lang"], history)
        ours = {**common, "seconds": time.time() - t, "answer": result["answer"], "refused": result["refused"],
                "groundedness": result["groundedness"]}
        ours["correct"] = not result["refused"] and correct(result["answer"], item["must"])
        ours["faithful"] = faithful(result["answer"], [h.text for h in hits[:answerer.k]], item["answerable"])
        for k in K_VALUES:
            ours[f"hit@{k}"] = bool(gold & {h.id for h in hits[:k]})
        systems["ours (hybrid + checks)"].append(ours)

        dense = index.dense(item["question"], max(K_VALUES))
        t = time.time()
        text = naive.invoke(item["question"])
        said_unknown = bool(SAYS_UNKNOWN.search(text))
        row = {**common, "seconds": time.time() - t, "answer": text, "refused": said_unknown, "groundedness": 0.0,
               "correct": not said_unknown and correct(text, item["must"]),
               "faithful": faithful(text, [h.text for h in dense[:3]], item["answerable"])}
        for k in K_VALUES:
            row[f"hit@{k}"] = bool(gold & {h.id for h in dense[:k]})
        systems["naive langchain RAG"].append(row)

        bm25 = index.search(query, max(K_VALUES), item["lang"], mode="bm25")
        systems["BM25-only retrieval"].append({**common, **{f"hit@{k}": bool(gold & {h.id for h in bm25[:k]})
                                                              for k in K_VALUES}})
        if n % 10 == 0 or n == len(items):
            done = systems["ours (hybrid + checks)"]
            print(f"[{n}/{len(items)}] {time.time() - started:.0f}s  ours correct so far "
                  f"{pct([r['correct'] for r in done if r['answerable']])}", flush=True)

    report = {name: {lang: summarise([r for r in rows if lang == "all" or r["lang"] == lang])
                     for lang in ("all", "en", "zh")} for name, rows in systems.items()}
    report["calibration"] = calibration(systems["ours (hybrid + checks)"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rag_eval.json").write_text(json.dumps({"summary": report, "rows": systems}, ensure_ascii=False,
                                                      indent=1), encoding="utf-8")
    markdown = render(report, settings, len(items))
    (out_dir / "rag_eval.md").write_text(markdown, encoding="utf-8")
    plot(report, out_dir / "rag_eval.png")
    print(markdown)
    return 0


METRICS = ["recall@3", "recall@5", "correct_answerable", "faithfulness", "refusal_recall", "refusal_precision",
           "latency_p50_s"]


def render(report: dict, settings: Settings, n: int) -> str:
    lines = [f"# RAG evaluation ({n} questions, model `{settings.llm_model}` via `{settings.llm_backend}`)", "",
             "Targets: correct on answerable >= 0.90, unanswerable refused >= 0.90, faithfulness >= 0.95.", ""]
    for lang in ("all", "en", "zh"):
        lines += [f"## {lang}", "", "| system | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
        for name in [k for k in report if k != "calibration"]:
            m = report[name][lang]
            lines.append(f"| {name} | " + " | ".join("-" if m.get(x) is None else str(m[x]) for x in METRICS) + " |")
        lines.append("")
    lines += ["## Groundedness calibration (ours: accuracy of answered, answerable questions per score bin)", "",
              "| groundedness | n | accuracy |", "|---|---|---|"]
    lines += [f"| {c['bin']} | {c['n']} | {c['accuracy']} |" for c in report["calibration"]]
    lines += ["", "Faithfulness: share of non-refused answers whose numbers and payment methods all occur in the "
              "retrieved text (answers to unanswerable questions count as unfaithful). Our pipeline enforces a "
              "stricter form of this check before answering, so its score mostly reflects the catalogue-fact path "
              "and the check's coverage."]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [k for k in report if k != "calibration"]
    shown = METRICS[:-1]
    fig, (ax, cal) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [report[name]["all"].get(m) or 0 for m in shown]
        ax.bar([x + i * width for x in range(len(shown))], values, width, label=name)
    ax.set_xticks([x + width for x in range(len(shown))], shown, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.axhline(0.9, color="grey", lw=0.8, ls="--")
    ax.legend(fontsize=8)
    ax.set_title("All questions")
    bins = report["calibration"]
    cal.bar([b["bin"] for b in bins], [b["accuracy"] or 0 for b in bins], color="tab:green")
    cal.set_ylim(0, 1.05)
    cal.set_title("Accuracy by groundedness (ours)")
    cal.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
