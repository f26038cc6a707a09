"""`make report-handoff` (python -m scripts.report_handoff): the agent desk's figures (the admin view's) as a report
with a chart: handoffs by reason and their rate, waiting, first-response and handle times, satisfaction, and the
reply assistant's drafts.

Reads the desk's database (DESK_DATABASE_URL, default data/desk.db). Writes reports/handoff.md and handoff.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from desk import config, metrics  # noqa: E402
from desk.db import connect  # noqa: E402
from scripts.stack import ROOT  # noqa: E402


def seconds(value) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def chart(figures: dict, path: Path) -> None:
    reasons = figures["handoffs_by_reason"]
    ratings = figures["csat"]["distribution"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    names = sorted(reasons, key=lambda r: -reasons[r]["count"])
    left.barh(names or ["(none)"], [reasons[r]["count"] for r in names] or [0], color="#2f6f8f")
    left.invert_yaxis()
    left.set_title("Handoffs by reason")
    left.set_xlabel("handoffs")
    right.bar(list(ratings), list(ratings.values()), color="#e0a030")
    right.set_title(f"Ratings (mean {figures['csat']['mean'] or '–'}, n={figures['csat']['n']})")
    right.set_xlabel("stars")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(database_url: str, out: Path, source: str = "") -> dict:
    figures = metrics.compute(connect(database_url))
    out.mkdir(parents=True, exist_ok=True)
    chart(figures, out / "handoff.png")
    timing = [("Waiting for an agent (handoff → claim)", figures["wait_s"]),
              ("First response (handoff → first agent message)", figures["first_response_s"]),
              ("Handle time (claim → hand-back)", figures["handle_s"])]
    lines = ["# Handoffs to people", "", f"`make report-handoff`{f' over {source}' if source else ''}: "
             f"{figures['handoffs']} handoffs in {figures['conversations']} conversations "
             f"(handoff rate {figures['handoff_rate'] if figures['handoff_rate'] is not None else '–'}), "
             f"{figures['waiting_now']} waiting now.", "", "![handoffs by reason and ratings](handoff.png)", "",
             "| time | p50 | p95 | n |", "|---|---|---|---|"]
    lines += [f"| {name} | {seconds(s['p50'])} | {seconds(s['p95'])} | {s['n']} |" for name, s in timing]
    lines += ["", "| reason | handoffs | share of conversations |", "|---|---|---|"]
    for reason, slot in sorted(figures["handoffs_by_reason"].items(), key=lambda kv: -kv[1]["count"]):
        lines.append(f"| {reason} | {slot['count']} | {slot['rate']:.1%} |" if slot["rate"] is not None
                     else f"| {reason} | {slot['count']} | – |")
    csat, drafts = figures["csat"], figures["drafts"]
    lines += ["", f"Satisfaction: mean {csat['mean'] if csat['mean'] is not None else '–'} of 5 over {csat['n']} "
              "ratings (" + ", ".join(f"{k}★ {v}" for k, v in csat["distribution"].items()) + ").",
              f"Reply-assistant drafts: {drafts['as_is']} sent as drafted, {drafts['edited']} edited, "
              f"{drafts['discarded']} discarded."]
    (out / "handoff.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=config.DATABASE_URL)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    write_report(args.database_url, args.out)
    print((args.out / "handoff.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
