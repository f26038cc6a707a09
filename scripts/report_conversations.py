"""Conversation report: how shoppers rated their conversations with the assistant (the web chat's "Rate this chat").

Reads the ratings store (CONVERSATION_RATINGS_DB, default data/conversation_ratings.db, written by the web chat's
POST /api/rating) and writes reports/conversations.md with the rating distribution, the mean and the latest 20
comments, plus a bar chart (reports/conversations.png). One rating per conversation: the latest wins.

Only conversations with the assistant are counted: ratings of a person on the agent desk (after a handoff) are the
desk's own and are reported by `make report-handoff`.

Usage: .venv/bin/python scripts/report_conversations.py [--db FILE] [--out reports]   (or: make report-conversations)
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shop import feedback  # noqa: E402

RATINGS_DB = Path(os.environ.get("CONVERSATION_RATINGS_DB", ROOT / "data" / "conversation_ratings.db"))
LATEST_COMMENTS = 20


def mean(counts: dict[int, int]) -> float:
    total = sum(counts.values())
    return sum(n * c for n, c in counts.items()) / total if total else 0.0


def table(counts: dict[int, int]) -> str:
    total = sum(counts.values())
    lines = ["| rating | conversations | share |", "|---|---:|---:|"]
    for n in sorted(counts, reverse=True):
        share = counts[n] / total if total else 0.0
        lines.append(f"| {'★' * n}{'☆' * (5 - n)} ({n}) | {counts[n]} | {share:.0%} |")
    return "\n".join(lines)


def comments_section(comments: list[dict]) -> str:
    if not comments:
        return "No comments yet."
    lines = []
    for c in comments:
        when = datetime.fromtimestamp(c["ts"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        text = " ".join(c["comment"].split()).replace("|", "\\|")  # one line each, safe in Markdown
        lang = f" · {c['language']}" if c["language"] else ""
        lines.append(f"- {c['rating']}/5 · {when}{lang}: {text}")
    return "\n".join(lines)


def plot(counts: dict[int, int], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratings = sorted(counts)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.bar([str(n) for n in ratings], [counts[n] for n in ratings], color="#0f5c6e")
    ax.set_xlabel("rating (stars)")
    ax.set_ylabel("conversations")
    ax.set_title(f"Ratings of chats with the assistant (mean {mean(counts):.2f})")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=RATINGS_DB)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)

    counts = feedback.distribution(args.db)
    total = sum(counts.values())
    report, chart = args.out / "conversations.md", args.out / "conversations.png"
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    shown_db = args.db.relative_to(ROOT) if args.db.is_relative_to(ROOT) else args.db  # no machine paths in reports
    header = (
        f"# Conversation ratings\n\nRatings store: `{shown_db}` · generated {stamp}\n\n"
        "Shoppers rate their chat with the assistant from the web chat's \"Rate this chat\" control (1–5 stars and "
        "an optional comment; one rating per conversation, the latest wins). Ratings of a person on the agent desk "
        "are not included here: see `make report-handoff`.\n\n"
    )
    if not total:
        message = f"No ratings recorded yet in {shown_db}: nothing to report."
        report.write_text(header + message + "\n", encoding="utf-8")
        chart.unlink(missing_ok=True)  # a chart from an older store would contradict the report
        print(message)
        return 0

    text = table(counts)
    plot(counts, chart)
    comments = feedback.latest_comments(args.db, LATEST_COMMENTS)
    report.write_text(
        header
        + f"**{total}** rated conversations · mean **{mean(counts):.2f}** / 5\n\n"
        + text
        + f"\n\n![Rating distribution]({chart.name})\n\n"
        + f"## Latest comments (up to {LATEST_COMMENTS}, newest first)\n\n"
        + comments_section(comments)
        + "\n",
        encoding="utf-8",
    )
    print(text)
    print(f"mean {mean(counts):.2f} over {total} conversations; wrote {report} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
