"""Reply latency of the assistant over Rasa's REST channel: 200 turns of realistic conversations.

Starts the real stack on the test ports (scripts/stack.py), replays a mix of English and Chinese
conversations one turn at a time, and reports p50/p95 per turn kind to reports/bench-chat.md with a
histogram (reports/bench-chat.png).

Usage: .venv/bin/python scripts/bench_chat.py [--turns 200]   (or: make bench-chat)
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.stack import STORE_DIR, running_stack  # noqa: E402


def conversations():
    """Endless supply of scripted conversations, each a list of (kind, message)."""
    orders = json.loads((STORE_DIR / "orders.json").read_text(encoding="utf-8"))
    shipped = [o for o in orders if o["status"] in ("shipped", "delivered")]
    i = 0
    while True:
        order = shipped[i % len(shipped)]
        yield [
            ("greeting", "hi there" if i % 2 else "你好"),
            ("form start", f"where is my order {order['id']}?" if i % 2 else f"我的订单{order['id']}到哪了"),
            ("form submit", order["email"]),
            ("recommendation", "can you recommend a rain jacket under $200" if i % 2 else "推荐一个背包，预算100美元"),
            ("recommendation", "anything cheaper?" if i % 2 else "有便宜点的吗"),
            ("out of scope", "what's the weather tomorrow" if i % 2 else "今天天气怎么样"),
            ("complaint", "the courier was really rude to me" if i % 2 else "快递员态度太差了，我要投诉"),
            ("greeting", "thanks, bye" if i % 2 else "谢谢"),
        ]
        i += 1


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()

    samples = []  # (kind, seconds)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        for script in conversations():
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for kind, message in script:
                started = time.perf_counter()
                reply = stack.say(sender, message)
                samples.append((kind, time.perf_counter() - started))
                assert reply.messages, f"no reply to {message!r}"
                if len(samples) >= args.turns:
                    break
            if len(samples) >= args.turns:
                break

    all_ms = [s * 1000 for _, s in samples]
    rows = [("all turns", all_ms)] + [
        (kind, [s * 1000 for k, s in samples if k == kind]) for kind in dict.fromkeys(k for k, _ in samples)
    ]
    lines = [
        f"# Chat reply latency ({len(samples)} REST turns, one at a time)",
        "",
        "| turns | n | p50 ms | p95 ms | mean ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in rows:
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | "
            f"{statistics.mean(values):.0f} | {max(values):.0f} |"
        )
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench-chat.md").write_text(report)
    print(report)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(all_ms, bins=40, color="#2a7f8f")
    for q, style in ((50, "--"), (95, ":")):
        ax.axvline(percentile(all_ms, q), color="black", linestyle=style, label=f"p{q}")
    ax.set_xlabel("reply latency (ms)")
    ax.set_ylabel("turns")
    ax.set_title("Tidepool assistant: REST reply latency")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "bench-chat.png", dpi=110)
    print(f"wrote {args.out / 'bench-chat.md'} and bench-chat.png")


if __name__ == "__main__":
    main()
