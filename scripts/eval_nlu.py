"""Intent quality on our held-out split and on the stranger set, for the current pipeline and a baseline, side by side.

Run in the Rasa venv (`make eval-nlu`): every message is parsed by each trained model, exactly as `/model/parse` does
it (the whole NLU pipeline, in process), and scored:
  * accuracy and macro-F1 per language and set, recall per intent, confusion matrices;
  * out-of-scope: recall of `out_of_scope` messages, and in-scope accuracy, while a threshold on the top in-scope
    confidence sends less certain messages to out-of-scope too (the curve; the deployed threshold is marked);
  * parse latency p50/p95 per message, measured around each parse.
Writes REPORT.md, .json and .png files under --out, and prints the summary table.

Usage: .venv-rasa/bin/python scripts/eval_nlu.py --model NAME=PATH [--model NAME=PATH ...] --out reports
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's own components (bot/components/) load by module path
SETS = {"held-out": ROOT / "tests" / "nlu", "stranger": ROOT / "tests" / "nlu" / "stranger"}
LANGS = ("en", "zh")
OOS = "out_of_scope"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 20)]


def examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file; retrieval intents count as their top-level intent."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        intent = block["intent"].split("/")[0]
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((ANNOTATION.sub(r"\1", line[2:]).strip(), intent))
    return pairs


def parse_all(model_path: Path, texts: List[str], progress: str) -> List[dict]:
    """Each text through the model's NLU pipeline: top intent, its confidence, the ranking and the time taken."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def run() -> List[dict]:
        await agent.parse_message("warm up")  # jieba loads its dictionary on first use
        out = []
        for i, text in enumerate(texts, 1):
            start = time.perf_counter()
            parsed = await agent.parse_message(text)
            elapsed = time.perf_counter() - start
            out.append({"intent": (parsed.get("intent") or {}).get("name"),
                        "confidence": float((parsed.get("intent") or {}).get("confidence") or 0.0),
                        "ranking": [(r["name"], float(r["confidence"])) for r in parsed.get("intent_ranking", [])],
                        "seconds": elapsed})
            if i % 100 == 0 or i == len(texts):
                print(f"  {progress}: {i}/{len(texts)}", file=sys.stderr, flush=True)
        return out

    return asyncio.run(run())


def http_latency(model_path: Path, texts: List[str]) -> Dict[str, float]:
    """p50/p95 of POST /model/parse on a real `rasa run --enable-api` serving the model (loopback, free port)."""
    import socket
    import subprocess

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/model/parse"
    rasa = Path(sys.executable).parent / "rasa"
    server = subprocess.Popen([str(rasa), "run", "--enable-api", "--model", str(model_path), "--port", str(port),
                               "--interface", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.post(url, json={"text": "hi"}, timeout=30).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("rasa run did not start")
            time.sleep(2)
        seconds = []
        for text in texts:
            start = time.perf_counter()
            requests.post(url, json={"text": text}, timeout=30).raise_for_status()
            seconds.append(time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait(timeout=60)
    seconds.sort()
    return {"p50": 1000 * statistics.median(seconds), "p95": 1000 * seconds[int(0.95 * (len(seconds) - 1))]}


def decide(result: dict, threshold: float) -> str:
    """The intent after an out-of-scope threshold: a top in-scope intent below it counts as out-of-scope."""
    intent = (result["intent"] or "").split("/")[0]
    if intent == "nlu_fallback":  # the FallbackClassifier's answer: its next guess is the ranking's first
        ranked = [name for name, _ in result["ranking"] if name != "nlu_fallback"]
        intent = ranked[0].split("/")[0] if ranked else OOS
    if intent != OOS and threshold and result["confidence"] < threshold:
        return OOS
    return intent


def scores(gold: List[str], predicted: List[str]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    in_scope = [(g, p) for g, p in zip(gold, predicted) if g != OOS]
    oos = [p for g, p in zip(gold, predicted) if g == OOS]
    recall = {}
    for label in labels:
        hits = [p == g for g, p in zip(gold, predicted) if g == label]
        recall[label] = sum(hits) / len(hits)
    return {
        "n": len(gold),
        "accuracy": accuracy_score(gold, predicted),
        "macro_f1": f1_score(gold, predicted, labels=labels, average="macro", zero_division=0),
        "in_scope_accuracy": sum(g == p for g, p in in_scope) / len(in_scope) if in_scope else None,
        "oos_recall": sum(p == OOS for p in oos) / len(oos) if oos else None,
        "recall": recall,
    }


def confusion_png(gold: List[str], predicted: List[str], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(gold) | set(predicted))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                    color="white" if value > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_png(curves: Dict[str, List[dict]], marks: Dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    for name, points in curves.items():
        xs = [p["oos_recall"] for p in points]
        ys = [p["in_scope_accuracy"] for p in points]
        line, = ax.plot(xs, ys, marker=".", label=name)
        mark = next((p for p in points if p["threshold"] == marks.get(name)), None)
        if mark:
            ax.scatter([mark["oos_recall"]], [mark["in_scope_accuracy"]], s=90, color=line.get_color(), zorder=3,
                       edgecolors="black", label=f"{name}: deployed (threshold {mark['threshold']})")
    ax.set_xlabel("out-of-scope recall")
    ax.set_ylabel("in-scope accuracy")
    ax.set_title("Stranger set, en+zh: out-of-scope threshold sweep")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH[@THRESHOLD]; first is ours")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    parser.add_argument("--http", action="store_true", help="also time /model/parse over HTTP for the first model")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    logging.getLogger("rasa").setLevel(logging.ERROR)
    import structlog  # Rasa logs every parse at debug level through structlog: keep the progress readable

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    models = {}
    for spec in args.model:
        name, _, rest = spec.partition("=")
        path, _, threshold = rest.partition("@")
        models[name] = (Path(path), float(threshold or 0))
    data = {(s, lang): examples(folder / f"{lang}.yml") for s, folder in SETS.items() for lang in LANGS
            if (folder / f"{lang}.yml").exists()}
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"models": {}, "sets": {f"{s}/{lang}": len(v) for (s, lang), v in data.items()}}
    curves: Dict[str, List[dict]] = {}
    for name, (path, threshold) in models.items():
        texts = [t for pairs in data.values() for t, _ in pairs]
        results = iter(parse_all(path, texts, name))
        per_set, latencies, stranger = {}, [], ([], [])
        for (set_name, lang), pairs in data.items():
            rows = [next(results) for _ in pairs]
            latencies += [r["seconds"] for r in rows]
            gold = [intent for _, intent in pairs]
            predicted = [decide(r, threshold) for r in rows]
            per_set[f"{set_name}/{lang}"] = scores(gold, predicted)
            per_set[f"{set_name}/{lang}"]["errors"] = [
                {"text": t, "gold": g, "predicted": p} for (t, g), p in zip(pairs, predicted) if g != p][:40]
            if set_name == "stranger":
                stranger[0].extend(rows)
                stranger[1].extend(gold)
                if name == next(iter(models)):
                    confusion_png(gold, predicted, f"{name}: stranger set ({lang})",
                                  args.out / f"nlu_confusion_stranger_{lang}.png")
        if stranger[0]:
            curves[name] = []
            for t in THRESHOLDS:
                s = scores(stranger[1], [decide(r, t) for r in stranger[0]])
                curves[name].append({"threshold": t, "in_scope_accuracy": s["in_scope_accuracy"],
                                     "oos_recall": s["oos_recall"]})
        ordered = sorted(latencies)
        report["models"][name] = {
            "path": str(path), "threshold": threshold, "sets": per_set,
            "latency_ms": {"p50": 1000 * statistics.median(ordered),
                           "p95": 1000 * ordered[int(0.95 * (len(ordered) - 1))]},
        }
    if args.http:
        first = next(iter(models))
        print(f"  {first}: timing /model/parse over HTTP", file=sys.stderr, flush=True)
        texts = [t for (set_name, _), pairs in data.items() if set_name == "stranger" for t, _ in pairs]
        report["models"][first]["http_latency_ms"] = http_latency(models[first][0], texts)
    if curves:
        curve_png(curves, {n: t for n, (_, t) in models.items()}, args.out / "nlu_oos_curve.png")
        report["oos_curve"] = curves
    (args.out / "nlu_eval.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    markdown = render(report)
    (args.out / "nlu_eval.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


def render(report: dict) -> str:
    def pct(x):
        return "–" if x is None else f"{x:.3f}"

    lines = ["# NLU evaluation: held-out split and stranger set", "",
             "Made by `make eval-nlu` (scripts/eval_nlu.py). Every message goes through the whole trained NLU "
             "pipeline in process, as `/model/parse` does. The stranger set (`tests/nlu/stranger/`) was written by a "
             "second author who never saw the training data, in other stores' vocabularies; nothing trains on it.",
             "", "| model | set | n | accuracy | macro-F1 | in-scope accuracy | out-of-scope recall |",
             "|---|---|---|---|---|---|---|"]
    for name, model in report["models"].items():
        for set_name, s in model["sets"].items():
            lines.append(f"| {name} | {set_name} | {s['n']} | {pct(s['accuracy'])} | {pct(s['macro_f1'])} | "
                         f"{pct(s['in_scope_accuracy'])} | {pct(s['oos_recall'])} |")
    lines += ["", "| model | out-of-scope threshold | parse p50 ms | parse p95 ms | HTTP /model/parse p50 / p95 ms |",
              "|---|---|---|---|---|"]
    for name, model in report["models"].items():
        http = model.get("http_latency_ms")
        http_text = f"{http['p50']:.1f} / {http['p95']:.1f}" if http else "–"
        lines.append(f"| {name} | {model['threshold'] or '–'} | {model['latency_ms']['p50']:.1f} | "
                     f"{model['latency_ms']['p95']:.1f} | {http_text} |")
    lines += ["", "![out-of-scope curve](nlu_oos_curve.png)", "",
              "Confusion matrices of the first model on the stranger set: `nlu_confusion_stranger_en.png`, "
              "`nlu_confusion_stranger_zh.png`.", "", "## Recall per intent (stranger set)", ""]
    names = list(report["models"])
    for lang in LANGS:
        key = f"stranger/{lang}"
        if not all(key in report["models"][n]["sets"] for n in names):
            continue
        lines += [f"### {lang}", "", "| intent | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        intents = sorted(report["models"][names[0]]["sets"][key]["recall"])
        for intent in intents:
            row = [pct(report["models"][n]["sets"][key]["recall"].get(intent)) for n in names]
            lines.append(f"| {intent} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
