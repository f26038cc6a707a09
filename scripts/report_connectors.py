"""`python -m scripts.report_connectors`: the messaging-app connectors' webhook-to-reply latency, one table
(reports/connectors/latency.md) from the per-platform results the latency tests write
(`make bench-connectors` runs them with 100 messages each against the platform doubles)."""

from __future__ import annotations

import json

from scripts.stack import PLATFORMS, ROOT

OUT = ROOT / "reports" / "connectors"


def main() -> None:
    lines = ["# Messaging-app connectors: webhook to reply", "",
             "Signed webhook POST to Rasa's channel → the reply's API call received by the platform double (loopback,"
             " real Rasa and action server), messages sent one after another.", "",
             "| platform | messages | p50 | p95 |", "|---|---|---|---|"]
    for platform in PLATFORMS:
        path = OUT / f"{platform}_latency.json"
        if not path.exists():
            lines.append(f"| {platform} | – | not measured | |")
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        lines.append(f"| {platform} | {result['messages']} | {result['p50_s']:.3f} s | {result['p95_s']:.3f} s |")
    (OUT / "latency.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
