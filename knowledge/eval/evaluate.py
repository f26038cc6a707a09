"""`make eval-rag`: the answer pipeline on two question sets, the shopper-style one (shopper_questions.jsonl,
written the way shoppers ask) and the generated one (questions.jsonl, close to the documents' wording), side by
side with the pipeline as it was before prepared and extractive answers ("before": the model answers every policy
question) and the naive langchain chain (baseline.py). Ours runs on every question; the two model-bound systems on
an even spread of `baseline_limit` per set (each of their answers takes the model 5-20 s on two cores).
Writes reports/rag_eval.{md,json,png}."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

from ..answer import ROUTES, Answerer, build_answerer
from ..checks import _methods, _numbers, strip_citations
from ..config import Settings
from ..index import Index
from .baseline import SAYS_UNKNOWN, naive_chain

K_VALUES = (3, 5)
BINS = [(0.0, 0.5), (0.5, 0.8), (0.8, 0.86), (0.86, 0.88), (0.88, 0.9), (0.9, 0.92), (0.92, 0.95), (0.95, 1.01)]
SETS = {"shopper": "shopper_questions.jsonl", "generated": "questions.jsonl"}
OURS, BEFORE, NAIVE = "ours", "before (model for every answer)", "naive langchain RAG"


def norm(text: str) -> str:
    text = text.lower().replace("–", "-").replace("—", "-").replace("’", "'")
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


def spread(items: list, limit: int) -> list:
    """An even spread of `limit` items, keeping the mix of languages and kinds."""
    if not limit or limit >= len(items):
        return items
    return [items[round(i * len(items) / limit)] for i in range(limit)]


def summarise(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out = {"n": len(rows)}
    for k in K_VALUES:
        out[f"recall@{k}"] = pct([r[f"hit@{k}"] for r in answerable if r.get("support") and f"hit@{k}" in r])
    if not rows or "refused" not in rows[0]:
        return out
    refused = [r for r in rows if r["refused"]]
    spoken = [r for r in rows if not r["refused"]]
    labelled = [r for r in spoken if r.get("label")]
    out["correct_answerable"] = pct([r["correct"] for r in answerable])
    out["refused_unanswerable"] = pct([r["refused"] for r in unanswerable])
    out["refusal_precision"] = pct([not r["answerable"] for r in refused])
    out["labelled_correct"] = pct([r["answerable"] and r["correct"] for r in labelled])
    out["labelled_share"] = pct([bool(r.get("label")) for r in answerable])
    out["faithfulness"] = pct([r["faithful"] for r in spoken])
    out["latency_p50_s"] = round(statistics.median(r["seconds"] for r in rows), 2)
    out["latency_p95_s"] = round(sorted(r["seconds"] for r in rows)[int(0.95 * (len(rows) - 1))], 2)
    routes = {}
    for r in rows:
        routes[r.get("route") or "-"] = routes.get(r.get("route") or "-", 0) + 1
    out["routes"] = routes
    return out


def reliability(rows: list[dict]) -> list[dict]:
    """For answers that were shown (not refused): how often they are right, per confidence bin and per route.
    Unanswerable questions that got an answer count as wrong."""
    out = []
    shown = [r for r in rows if not r["refused"]]
    for lo, hi in BINS:
        inside = [r for r in shown if lo <= r["groundedness"] < hi]
        out.append({"bin": f"{lo:.2f}-{min(hi, 1):.2f}", "n": len(inside),
                    "accuracy": pct([r["answerable"] and r["correct"] for r in inside]),
                    "labelled": sum(bool(r.get("label")) for r in inside),
                    "routes": ", ".join(f"{k} {v}" for k, v in sorted(
                        {r["route"]: sum(x["route"] == r["route"] for x in inside) for r in inside}.items()))})
    return out


def run_ours(answerer: Answerer, item: dict, common: dict, hits: list) -> dict:
    t = time.time()
    result = answerer.answer(item["question"], item["lang"], item.get("history") or [])
    row = {**common, "seconds": round(time.time() - t, 2), "answer": result["answer"], "refused": result["refused"],
           "groundedness": result["groundedness"], "route": result.get("route"), "label": result.get("label")}
    row["correct"] = not result["refused"] and correct(result["answer"], item["must"])
    row["faithful"] = faithful(result["answer"], [h.text for h in hits[:answerer.k]], item["answerable"])
    return row


def run_eval(settings: Settings, index_dir: Path, question_dir: Path, out_dir: Path, limit: int = 0,
             baseline_limit: int = 40) -> int:
    answerer = build_answerer(settings, index_dir)
    before = Answerer(answerer.index, answerer.model, routes=("catalogue", "generated"))
    index = answerer.index
    got = index.col.get()
    all_chunks = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
    naive = naive_chain(index, answerer.model)
    results: dict[str, dict[str, list[dict]]] = {}
    started = time.time()
    for set_name, file_name in SETS.items():
        items = spread([json.loads(line) for line in (question_dir / file_name).open(encoding="utf-8")
                        if line.strip()], limit)
        sampled = {id(x) for x in spread(items, baseline_limit)}
        systems = results[set_name] = {OURS: [], BEFORE: [], NAIVE: [], "BM25-only retrieval": []}
        for n, item in enumerate(items, 1):
            gold = support_ids(index, item, all_chunks)
            history = item.get("history") or []
            query = " ".join([h["content"] for h in history if h.get("role") == "user"][-1:] + [item["question"]])
            common = {"id": item["id"], "lang": item["lang"], "answerable": item["answerable"], "support": bool(gold),
                      "kind": item.get("kind", "")}
            hits = answerer.retrieve(query, item["lang"], k=max(K_VALUES))
            ours = run_ours(answerer, item, common, hits)
            systems[OURS].append(ours | {f"hit@{k}": bool(gold & {h.id for h in hits[:k]}) for k in K_VALUES})
            if id(item) in sampled:
                systems[BEFORE].append(run_ours(before, item, common, hits))
                dense = index.dense(item["question"], max(K_VALUES))
                t = time.time()
                text = naive.invoke(item["question"])
                said_unknown = bool(SAYS_UNKNOWN.search(text))
                systems[NAIVE].append({
                    **common, "seconds": round(time.time() - t, 2), "answer": text, "refused": said_unknown,
                    "groundedness": 0.0, "route": "naive", "label": None,
                    "correct": not said_unknown and correct(text, item["must"]),
                    "faithful": faithful(text, [h.text for h in dense[:3]], item["answerable"]),
                    **{f"hit@{k}": bool(gold & {h.id for h in dense[:k]}) for k in K_VALUES}})
            bm25 = index.search(query, max(K_VALUES), item["lang"], mode="bm25")
            systems["BM25-only retrieval"].append({**common, **{f"hit@{k}": bool(gold & {h.id for h in bm25[:k]})
                                                                  for k in K_VALUES}})
            if n % 10 == 0 or n == len(items):
                done = systems[OURS]
                print(f"[{set_name} {n}/{len(items)}] {time.time() - started:.0f}s  ours correct on answerable so far "
                      f"{pct([r['correct'] for r in done if r['answerable']])}", flush=True)
    report = {set_name: {name: {lang: summarise([r for r in rows if lang == "all" or r["lang"] == lang])
                                for lang in ("all", "en", "zh")} for name, rows in systems.items()}
              for set_name, systems in results.items()}
    report["reliability"] = {set_name: reliability(results[set_name][OURS]) for set_name in results}
    report["sampled_on_the_same_questions"] = {
        set_name: {OURS: summarise([r for r in results[set_name][OURS]
                                    if r["id"] in {x["id"] for x in results[set_name][BEFORE]}])}
        for set_name in results}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rag_eval.json").write_text(json.dumps({"summary": report, "rows": results}, ensure_ascii=False,
                                                      indent=1), encoding="utf-8")
    markdown = render(report, settings, time.time() - started, baseline_limit)
    (out_dir / "rag_eval.md").write_text(markdown, encoding="utf-8")
    plot(report, out_dir / "rag_eval.png")
    print(markdown)
    return 0


METRICS = ["n", "recall@5", "correct_answerable", "refused_unanswerable", "refusal_precision", "labelled_correct",
           "labelled_share", "faithfulness", "latency_p50_s", "latency_p95_s"]


def _cell(value) -> str:
    return "-" if value is None else str(value)


def render(report: dict, settings: Settings, seconds: float, baseline_limit: int) -> str:
    lines = [f"# RAG evaluation (model `{settings.llm_model}` via `{settings.llm_backend}`, "
             f"{seconds / 60:.0f} min)", "",
             "Targets on the shopper-style set: correct on answerable >= 0.90 per language, unanswerable refused "
             ">= 0.93, answers labelled \"based on our store policies\" correct >= 0.95.", "",
             f"`{OURS}` runs on every question; `{BEFORE}` (the pipeline before prepared and extractive answers) and "
             f"`{NAIVE}` on an even spread of {baseline_limit} questions per set, compared with ours on the same "
             "questions in the last table of each set. `labelled_correct`: share of labelled answers that are right "
             "(an answer to an unanswerable question is wrong); `labelled_share`: answerable questions answered "
             "with a label.", ""]
    for set_name in SETS:
        if set_name not in report:
            continue
        for lang in ("all", "en", "zh"):
            lines += [f"## {set_name} set: {lang}", "", "| system | " + " | ".join(METRICS) + " |",
                      "|---" * (len(METRICS) + 1) + "|"]
            for name, by_lang in report[set_name].items():
                m = by_lang[lang]
                lines.append(f"| {name} | " + " | ".join(_cell(m.get(x)) for x in METRICS) + " |")
            lines.append("")
        same = report["sampled_on_the_same_questions"][set_name][OURS]
        lines += [f"Ours on the {same['n']} sampled questions: " + ", ".join(
            f"{x} {_cell(same.get(x))}" for x in METRICS[2:]), "",
            f"Routes (ours, all): {report[set_name][OURS]['all'].get('routes')}", ""]
        lines += [f"### Reliability ({set_name} set, ours): shown answers per confidence bin", "",
                  "| confidence | n | correct | labelled | routes |", "|---|---|---|---|---|"]
        lines += [f"| {b['bin']} | {b['n']} | {_cell(b['accuracy'])} | {b['labelled']} | {b['routes']} |"
                  for b in report["reliability"][set_name]]
        lines.append("")
    lines += ["Faithfulness: share of shown answers whose numbers and payment methods all occur in the retrieved "
              "text (answers to unanswerable questions count as unfaithful). Routes: " + ", ".join(ROUTES) + "."]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["correct_answerable", "refused_unanswerable", "labelled_correct", "recall@5"]
    sets = [s for s in SETS if s in report]
    fig, axes = plt.subplots(1, len(sets) + 1, figsize=(6 * len(sets) + 5, 4.5))
    for ax, set_name in zip(axes, sets):
        names = [n for n in report[set_name] if n != "BM25-only retrieval"]
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            values = [report[set_name][name]["all"].get(m) or 0 for m in shown]
            ax.bar([x + i * width for x in range(len(shown))], values, width, label=name)
        ax.set_xticks([x + width for x in range(len(shown))], shown, rotation=15)
        ax.set_ylim(0, 1.05)
        ax.axhline(0.9, color="grey", lw=0.8, ls="--")
        ax.set_title(f"{set_name} set")
        ax.legend(fontsize=7)
    bins = [b for b in report["reliability"]["shopper" if "shopper" in report else sets[0]] if b["n"]]
    cal = axes[-1]
    cal.bar([b["bin"] for b in bins], [b["accuracy"] or 0 for b in bins], color="tab:green")
    for x, b in enumerate(bins):
        cal.text(x, (b["accuracy"] or 0) + 0.02, str(b["n"]), ha="center", fontsize=8)
    cal.set_ylim(0, 1.1)
    cal.axhline(0.95, color="grey", lw=0.8, ls="--")
    cal.set_title("Shown answers correct, by confidence (n above)")
    cal.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
