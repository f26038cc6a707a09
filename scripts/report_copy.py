"""Copy experiment report: which product card copy variant gets clicked (actions/card_copy.py).

Reads the event store (COPY_EVENTS_DB, default data/copy_events.db) and writes reports/copy-report.md with a bar
chart of click-through rates and their 95% Wilson intervals (reports/copy-report.png); prints the table.

Impressions are distinct (conversation, product) pairs shown with a variant; clicks are those pairs clicked at
least once. "Bandit share now" is the share of new conversations Thompson sampling would give each variant today
(10,000 seeded draws from the Beta posteriors); "assigned" counts conversations given each variant so far.

Usage: .venv/bin/python scripts/report_copy.py [--db FILE] [--out reports]   (or: make report-copy)
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shop.cardcopy import VARIANTS  # noqa: E402
from shop.experiments import events as copy_events  # noqa: E402
from shop.experiments.bandit import thompson_shares, wilson_interval  # noqa: E402

# The event store the action server and the web chat write (their COPY_EVENTS_DB).
EVENTS_DB = Path(os.environ.get("COPY_EVENTS_DB", ROOT / "data" / "copy_events.db"))


def rows(counts: dict) -> list[dict]:
    shares = thompson_shares(counts, VARIANTS)
    out = []
    for variant in VARIANTS:
        c = counts[variant]
        low, high = wilson_interval(c["clicks"], c["impressions"])
        out.append({
            "variant": variant,
            "assigned": c["conversations"],
            "impressions": c["impressions"],
            "clicks": c["clicks"],
            "ctr": c["clicks"] / c["impressions"] if c["impressions"] else 0.0,
            "low": low,
            "high": high,
            "share": shares[variant],
        })
    return out


def table(data: list[dict]) -> str:
    lines = [
        "| variant | conversations assigned | impressions | clicks | CTR | 95% CI (Wilson) | bandit share now |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in data:
        ci = f"{r['low']:.1%} – {r['high']:.1%}" if r["impressions"] else "–"
        lines.append(
            f"| {r['variant']} | {r['assigned']} | {r['impressions']} | {r['clicks']} | {r['ctr']:.1%} | {ci} "
            f"| {r['share']:.1%} |"
        )
    return "\n".join(lines)


def plot(data: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["variant"] for r in data]
    ctr = [100 * r["ctr"] for r in data]
    below = [100 * (r["ctr"] - r["low"]) for r in data]
    above = [100 * (r["high"] - r["ctr"]) for r in data]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(names, ctr, yerr=[below, above], capsize=6, color=["#0f5c6e", "#4f9aa8", "#a3c9d1"])
    for i, r in enumerate(data):
        ax.text(i, 0, f" n={r['impressions']}", rotation=90, va="bottom", ha="center", fontsize=8, color="white")
    ax.set_ylabel("click-through rate (%)")
    ax.set_title("Product card copy: CTR with 95% Wilson intervals")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=EVENTS_DB)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)

    counts = copy_events.stats(args.db)
    report, chart = args.out / "copy-report.md", args.out / "copy-report.png"
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = f"# Product card copy experiment\n\nEvent store: `{args.db}` · generated {stamp}\n\n"
    if not any(c["impressions"] or c["conversations"] for c in counts.values()):
        message = (
            f"No copy events recorded yet in {args.db}: nothing to report. Product cards record impressions and "
            "clicks once the chatbot shows recommendations in the web chat (POST /api/events)."
        )
        report.write_text(header + message + "\n", encoding="utf-8")
        chart.unlink(missing_ok=True)  # a chart from an older store would contradict the report
        print(message)
        return 0

    data = rows(counts)
    text = table(data)
    total_i = sum(r["impressions"] for r in data)
    total_c = sum(r["clicks"] for r in data)
    plot(data, chart)
    report.write_text(
        header
        + text
        + f"\n\nAll variants: {total_c} clicks / {total_i} impressions.\n\n"
        + "Impressions: distinct (conversation, product) pairs shown; clicks: those pairs whose View link or "
        + "Ask button was clicked at least once. Bandit share now: Thompson sampling's share of new "
        + "conversations (10,000 seeded draws from Beta(1 + clicks, 1 + impressions − clicks)).\n\n"
        + f"![CTR by variant]({chart.name})\n",
        encoding="utf-8",
    )
    print(text)
    print(f"wrote {report} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
