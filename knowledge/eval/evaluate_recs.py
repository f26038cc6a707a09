"""`make eval-recs`: the recommender against plain dense search over product chunks (no filters, no state) on
knowledge/eval/recs.jsonl. The gold set of each turn is computed here from the raw catalogue with its own simple
predicate (nothing is shared with the recommender's filters). Writes reports/recs_eval.{md,json,png}."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

from ..index import Index
from ..recommend import Recommender
from .evaluate import pct

K = 5
HARD = ("category", "category_in", "brand", "audience", "max_price", "min_price", "size", "color", "exclude_color",
        "not_ids", "cheaper_than_turn", "exclude_shown")
COLORS = {"black": "黑色", "white": "白色", "grey": "灰色", "navy": "藏青色", "blue": "蓝色", "green": "绿色",
          "olive": "橄榄绿", "red": "红色", "orange": "橙色", "yellow": "黄色", "pink": "粉色", "purple": "紫色",
          "brown": "棕色", "beige": "米色"}


# ---------- ground truth: one plain predicate over catalogue records ----------

def in_stock(p: dict, color: str | None = None, size: str | None = None, avoid=()) -> bool:
    return any(v["stock"] > 0 and (color is None or v["color"] == color) and (size is None or v["size"] == size)
               and v["color"] not in avoid for v in p.get("variants", []))


def for_audience(p: dict, audience: str) -> bool:
    a = p["attributes"]
    if audience == "kids":
        return a.get("age") == "kids"
    return a.get("age") != "kids" and a.get("gender") in (None, "unisex", audience)


def broken(p: dict, e: dict, ceiling: float | None, shown_before: set[str]) -> list[str]:
    """The hard constraints of `e` this product breaks (out of stock counts as one)."""
    out = []
    checks = {
        "category": lambda: p["category"] == e["category"],
        "category_in": lambda: p["category"] in e["category_in"],
        "brand": lambda: p["brand"] == e["brand"],
        "audience": lambda: for_audience(p, e["audience"]),
        "max_price": lambda: p["price"] <= e["max_price"],
        "min_price": lambda: p["price"] >= e["min_price"],
        "color": lambda: in_stock(p, e["color"]),
        "exclude_color": lambda: in_stock(p, e.get("color"), None, e["exclude_color"]),
        "size": lambda: in_stock(p, e.get("color"), e["size"], e.get("exclude_color", [])),
        "not_ids": lambda: p["id"] not in e["not_ids"],
        "cheaper_than_turn": lambda: ceiling is None or p["price"] < ceiling,
        "exclude_shown": lambda: p["id"] not in shown_before,
    }
    for key in HARD:
        if key in e and not checks[key]():
            out.append(key)
    if not in_stock(p):
        out.append("in_stock")
    return out


def relevant(p: dict, e: dict) -> bool:
    """What the shopper described beyond the hard constraints (hand-written per request)."""
    a = p["attributes"]
    return (all(a.get(k) == v for k, v in e.get("attrs", {}).items())
            and all(isinstance(a.get(k), (int, float)) and a[k] >= v for k, v in e.get("min_attr", {}).items())
            and all(isinstance(a.get(k), (int, float)) and a[k] <= v for k, v in e.get("max_attr", {}).items())
            and (not e.get("name_any") or any(w in p["name"].lower() for w in e["name_any"])))


# ---------- reason faithfulness ----------

def numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)}


def faithful(reason: str, p: dict, e: dict) -> list[str]:
    """Problems with a reason: every number, colour, size, material and waterproof/stock claim must be the
    product's own data (a budget number may be the one the shopper stated)."""
    problems = []
    data = json.dumps(p, ensure_ascii=False)
    allowed = numbers(data) | {float(e[k]) for k in ("max_price", "min_price") if k in e}
    text = reason.replace("/5", "")
    for n in numbers(text) - allowed:
        problems.append(f"number {n:g}")
    colors = {v["color"] for v in p["variants"]} | set(p["attributes"].get("colors", []))
    sizes = {v["size"] for v in p["variants"]}
    said_colors = {c for c, zh in COLORS.items() if re.search(rf"\b{c}\b", text) or zh in text}
    problems += [f"colour {c}" for c in said_colors - colors]
    said_sizes = set(re.findall(r"\bsize (\S+?)(?=[,.\s]|$)", text)) | set(re.findall(r"([A-Za-z0-9.]+) 码", text))
    said_sizes |= {w for w in re.findall(r"in stock in (\S+?)(?=[,.\s]|$)", text) if w not in COLORS}
    problems += [f"size {s}" for s in said_sizes - sizes]
    if ("in stock" in text or "有货" in text) and not any(
            in_stock(p, c, s) for c in (said_colors or {None}) for s in (said_sizes or {None})):
        problems.append("stock")
    material = str(p["attributes"].get("material", ""))
    for m in re.findall(r"made of (.+?)(?=, | and |\.$)|材质为 (.+?)(?=，|。)", reason):
        if (m[0] or m[1]) not in material:
            problems.append("material")
    if re.search(r"waterproof|防水", reason) and p["attributes"].get("waterproof") is not True:
        problems.append("waterproof")
    return problems


# ---------- running both systems ----------

def run_system(items: list[dict], catalog: dict[str, dict], ask) -> list[dict]:
    rows = []
    for item in items:
        state, shown, history, last_prices = None, set(), [], {}
        for t, turn in enumerate(item["turns"]):
            e = turn["expect"]
            history.append(turn["message"])
            started = time.perf_counter()
            ids, reasons, state = ask(item, turn, history, state)
            seconds = time.perf_counter() - started
            ceiling = last_prices.get(e["cheaper_than_turn"]) if "cheaper_than_turn" in e else None
            gold = {pid for pid, p in catalog.items() if not broken(p, e, ceiling, shown) and relevant(p, e)}
            ids = ids[:K]
            row = {"id": item["id"], "turn": t, "lang": item["lang"], "message": turn["message"], "shown": ids,
                   "expect_empty": bool(e.get("empty")),
                   "gold": len(gold), "seconds": seconds, "hit": bool(gold & set(ids)),
                   "precision": len(gold & set(ids)) / len(ids) if ids else 0.0,
                   "violations": {pid: broken(catalog[pid], e, ceiling, shown) for pid in ids
                                  if broken(catalog[pid], e, ceiling, shown)}}
            if reasons is not None:
                row["reasons"] = {pid: r for pid, r in zip(ids, reasons)}
                row["unfaithful"] = {pid: faithful(r, catalog[pid], e) for pid, r in zip(ids, reasons)
                                     if faithful(r, catalog[pid], e)}
            rows.append(row)
            last_prices[t] = min((catalog[i]["price"] for i in ids), default=None)
            shown |= set(ids)
    return rows


def summarise(rows: list[dict]) -> dict:
    findable = [r for r in rows if r["gold"]]
    empty = [r for r in rows if r["expect_empty"]]
    shown = sum(len(r["shown"]) for r in rows)
    out = {"turns": len(rows), "turns_without_gold": len(rows) - len(findable),
           "hit@5": pct([r["hit"] for r in findable]),
           "precision@5": round(statistics.mean(r["precision"] for r in findable), 3) if findable else None,
           "empty_when_nothing_fits": pct([not r["shown"] for r in empty]),
           "items_violating": sum(len(r["violations"]) for r in rows),
           "items_shown": shown,
           "latency_p50_ms": round(1000 * statistics.median(r["seconds"] for r in rows), 1),
           "latency_p95_ms": round(1000 * statistics.quantiles([r["seconds"] for r in rows], n=20)[-1], 1)}
    if rows and "reasons" in rows[0]:
        reasons, bad = sum(len(r["reasons"]) for r in rows), sum(len(r["unfaithful"]) for r in rows)
        out["reason_faithfulness"] = round(1 - bad / reasons, 3) if reasons else None
    return out


def run_recs_eval(index_dir: Path, requests: Path, catalog_path: Path, out_dir: Path) -> int:
    items = [json.loads(line) for line in requests.open(encoding="utf-8") if line.strip()]
    catalog = {p["id"]: p for p in map(json.loads, catalog_path.open(encoding="utf-8")) if p}
    index = Index(index_dir)
    if not index.products:
        raise SystemExit(f"{index_dir} has no products.json: re-run `python -m knowledge ingest` (incremental)")
    recommender = Recommender(index)
    ids = list(index.products)

    def ours(item, turn, history, state):
        res = recommender.recommend(turn["message"], item["lang"], state, turn.get("hints"), None,
                                    item.get("mode", "search"), item.get("product_id"), K)
        return [i["id"] for i in res["items"]], [i["reason"] for i in res["items"]], res["state"]

    def baseline(item, turn, history, state):
        query = " ".join(history)
        if item.get("product_id"):
            query = f"{catalog[item['product_id']]['name']} {query}"
        hits = index.search(query, 4 * K, item["lang"], mode="dense", products=ids)
        seen = list(dict.fromkeys(h.meta["product_id"] for h in hits))
        return seen[:K], None, None

    recommender.recommend("warm up", "en")  # loads the embedder, so the first turn's latency is a real one
    systems = {"ours (filters + hybrid + re-rank)": run_system(items, catalog, ours),
               "baseline (dense search, no filters)": run_system(items, catalog, baseline)}
    report = {name: {lang: summarise([r for r in rows if lang == "all" or r["lang"] == lang])
                     for lang in ("all", "en", "zh")} for name, rows in systems.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "recs_eval.json").write_text(json.dumps({"summary": report, "rows": systems}, ensure_ascii=False,
                                                       indent=1), encoding="utf-8")
    markdown = render(report, systems, items)
    (out_dir / "recs_eval.md").write_text(markdown, encoding="utf-8")
    plot(report, out_dir / "recs_eval.png")
    print(markdown)
    return 0


METRICS = ["turns", "turns_without_gold", "hit@5", "precision@5", "empty_when_nothing_fits", "items_violating",
           "items_shown", "reason_faithfulness", "latency_p50_ms", "latency_p95_ms"]


def render(report: dict, systems: dict, items: list[dict]) -> str:
    turns = sum(len(i["turns"]) for i in items)
    zh = sum(i["lang"] == "zh" for i in items)
    lines = [f"# Recommendation evaluation ({len(items)} requests, {zh} in Chinese, {turns} turns)", "", " ".join((
             "Gold set per turn: in-stock products meeting the hand-written constraints (`expect`) and the",
             "described need, computed from data/store/catalog.jsonl by an independent predicate. hit@5: share of",
             "turns with a non-empty gold set where one of the first 5 shown is gold; precision@5: gold share of",
             "what was shown (0 when nothing was shown); turns_without_gold (not in hit@5): requests nothing can",
             "meet, and follow-ups after the system already showed every fitting item; empty_when_nothing_fits:",
             "share of the requests written to be impossible (`empty`) answered with no items; items_violating:",
             "shown items that break a stated hard constraint or are out of stock (target 0); reason faithfulness:",
             "share of reasons whose every number, colour, size, material, waterproof and stock claim is in that",
             "product's data (or is the shopper's stated budget).")), ""]
    for lang in ("all", "en", "zh"):
        lines += [f"## {lang}", "", "| system | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 1) + "|"]
        for name in report:
            m = report[name][lang]
            lines.append(f"| {name} | " + " | ".join("-" if m.get(x) is None else str(m[x]) for x in METRICS) + " |")
        lines.append("")
    ours = next(iter(systems.values()))
    misses = [r for r in ours if r["gold"] and not r["hit"]]
    lines += ["## Turns where ours showed no gold item", ""]
    lines += [f"- {r['id']} turn {r['turn']}: “{r['message']}” → {', '.join(r['shown']) or 'nothing'} "
              f"({r['gold']} gold)" for r in misses] or ["- none"]
    bad = [(r["id"], pid, why) for r in ours for pid, why in r["violations"].items()]
    bad += [(r["id"], pid, "reason: " + ", ".join(why)) for r in ours for pid, why in r.get("unfaithful", {}).items()]
    lines += ["", "## Violations and unfaithful reasons (ours)", ""]
    lines += [f"- {i} {pid}: {why}" for i, pid, why in bad] or ["- none"]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["hit@5", "precision@5", "empty_when_nothing_fits", "no violation", "reason_faithfulness"]
    fig, (ax, lat) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / len(report)
    for i, (name, m) in enumerate(report.items()):
        m = dict(m["all"])
        m["no violation"] = 1 - m["items_violating"] / m["items_shown"] if m["items_shown"] else 1
        ax.bar([x + i * width for x in range(len(shown))], [m.get(k) or 0 for k in shown], width, label=name)
        lat.bar([i], [m["latency_p50_ms"]], 0.6, label=name)
        lat.errorbar([i], [m["latency_p50_ms"]], yerr=[[0], [m["latency_p95_ms"] - m["latency_p50_ms"]]],
                     color="black", capsize=4)
    ax.set_xticks([x + width / 2 for x in range(len(shown))], shown, rotation=15, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.set_title("Recommendations (all turns)")
    lat.set_xticks(range(len(report)), ["ours", "baseline"])
    lat.set_title("latency ms (p50, bar to p95)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
