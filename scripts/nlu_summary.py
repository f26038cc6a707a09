"""Summarise `rasa test nlu` results per language: intent macro-F1 and the worst intents."""

import json
import sys
from pathlib import Path


def main(results: Path) -> None:
    lines = [
        "# NLU held-out evaluation",
        "",
        "| language | examples | accuracy | intent macro-F1 | weakest intents (F1) |",
        "|---|---|---|---|---|",
    ]
    for lang_dir in sorted(p for p in results.iterdir() if p.is_dir()):
        report = json.loads((lang_dir / "intent_report.json").read_text())
        per_intent = {
            k: v
            for k, v in report.items()
            if isinstance(v, dict) and "f1-score" in v and k not in ("macro avg", "weighted avg", "micro avg")
        }
        weakest = sorted(per_intent.items(), key=lambda kv: kv[1]["f1-score"])[:3]
        macro = report["macro avg"]
        weakest_text = ", ".join(f"{name} {v['f1-score']:.2f}" for name, v in weakest)
        lines.append(
            f"| {lang_dir.name} | {macro['support']} | {report.get('accuracy', 0):.3f} "
            f"| {macro['f1-score']:.3f} | {weakest_text} |"
        )
    summary = "\n".join(lines) + "\n"
    (results / "summary.md").write_text(summary)
    print(summary)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
