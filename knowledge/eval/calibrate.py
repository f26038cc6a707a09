"""`make calibrate-rag`: how the quote thresholds (READ_FLOOR, QUOTE_SURE, READ_YES, and for policy questions
POLICY_READ_FLOOR in answer.py) are set. Every
shopper-style question is answered with the quote step wide open (any score reaches it, the model reads every best
quote and vetoes nothing), recording the best quote's score, the model's P(yes) that it answers, and whether the
quote as served would be right. Then each setting on a grid is scored offline: correct on answerable and refused
unanswerable per language, beside the same with the score alone (no model). Writes
reports/rag_calibration.{md,json}; ~10 minutes on two cores (one model call per question that reaches the quote)."""
from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from ..answer import (POLICY_READ_FLOOR, READ_FLOOR, READ_YES, QUOTE_SURE, about_policy, build_answerer,
                      previous_question)
from ..config import Settings
from ..reader import Reader, Reading
from .evaluate import correct

FLOORS = [0.86, 0.88, 0.90, 0.91, 0.92, 0.93]
SURES = [0.92, 0.93, 0.94, 0.95, 0.96, 1.01]
YES = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
POLICY_FLOORS = [0.86, 0.87, 0.88, 0.90, 1.01]  # 1.01: policy questions get no floor of their own


class RecordingReader(Reader):
    """The reader as served, also keeping what it read and judged for the last question."""

    def __init__(self, model):
        super().__init__(model)
        self.last: dict | None = None

    def read(self, question, candidates, threshold, yes_no=False) -> Reading:
        reading = super().read(question, candidates, threshold, yes_no)
        # whether a veto would be lifted because the passage says a clear no (Reader.read)
        self.last = {"score": candidates[0].score, "p_yes": reading.judged[0],
                     "clear_no": self.clear_no(question, candidates[0])}
        return reading


def observe(settings: Settings, index_dir: Path, questions: list[dict]) -> list[dict]:
    answerer = build_answerer(settings, index_dir)
    answerer.read_floor, answerer.quote_sure, answerer.read_yes = 0.0, 9.0, 0.0  # every best quote is read
    answerer.reader = recorder = RecordingReader(answerer.model)
    rows, started = [], time.time()
    for n, item in enumerate(questions, 1):
        recorder.last = None
        result = answerer.answer(item["question"], item["lang"], item.get("history") or [])
        right = not result["refused"] and item["answerable"] and correct(result["answer"], item["must"])
        row = {"id": item["id"], "lang": item["lang"], "answerable": item["answerable"], "route": result["route"],
               "refused": result["refused"], "right": right,
               "policy": about_policy(f"{previous_question(item['question'], item.get('history') or [])} "
                                     f"{item['question']}")}
        if recorder.last is not None:  # reached the quote step: the served quote is judged at any threshold
            row |= recorder.last
        rows.append(row)
        if n % 25 == 0 or n == len(questions):
            print(f"[calibrate {n}/{len(questions)}] {time.time() - started:.0f}s", flush=True)
    return rows


def shown_at(row: dict, floor: float, sure: float, yes: float, policy_floor: float) -> bool:
    """Whether the question's quote would be served with these thresholds (as Answerer.read decides)."""
    if row["refused"]:  # a question refused after its quote was read (a "do you sell…" with no product) stays so
        return False
    if "score" not in row or row["score"] >= sure:
        return True
    lowest = min(floor, policy_floor) if row.get("policy") else floor
    return row["score"] >= lowest and (row["p_yes"] >= yes or row.get("clear_no", False))


def outcome(rows: list[dict], floor: float, sure: float, yes: float, policy_floor: float = 1.01) -> dict:
    """Correct on answerable and refused unanswerable per language, had these thresholds been in place."""
    out = {}
    for lang in sorted({r["lang"] for r in rows}):
        mine = [r for r in rows if r["lang"] == lang]
        shown = [shown_at(r, floor, sure, yes, policy_floor) for r in mine]
        answerable = [(s, r) for s, r in zip(shown, mine) if r["answerable"]]
        unanswerable = [s for s, r in zip(shown, mine) if not r["answerable"]]
        out[lang] = {"correct_answerable": round(sum(s and r["right"] for s, r in answerable) / len(answerable), 3),
                     "refused_unanswerable": round(sum(not s for s in unanswerable) / max(1, len(unanswerable)), 3)}
    return out


def frontier(rows: list[dict]) -> list[dict]:
    """The settings no other setting beats on both figures in both languages at once."""
    points = []
    for floor, sure, yes, policy_floor in itertools.product(FLOORS, SURES, YES, POLICY_FLOORS):
        if sure >= floor:
            result = outcome(rows, floor, sure, yes, policy_floor)
            figures = tuple(v for lang in sorted(result) for v in result[lang].values())
            points.append({"read_floor": floor, "quote_sure": sure, "read_yes": yes, "policy_floor": policy_floor,
                           "result": result, "figures": figures})
    kept = [p for p in points if not any(all(a >= b for a, b in zip(q["figures"], p["figures"]))
                                         and q["figures"] != p["figures"] for q in points)]
    unique = {p["figures"]: p for p in kept}
    return sorted(unique.values(), key=lambda p: p["figures"])


def run_calibration(settings: Settings, index_dir: Path, question_file: Path, out_dir: Path) -> int:
    questions = [json.loads(line) for line in question_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = observe(settings, index_dir, questions)
    chosen = outcome(rows, READ_FLOOR, QUOTE_SURE, READ_YES, POLICY_READ_FLOOR)
    without_policy_floor = outcome(rows, READ_FLOOR, QUOTE_SURE, READ_YES)
    score_alone = outcome(rows, READ_FLOOR, READ_FLOOR, 0.0)
    best = frontier(rows)
    report = {"chosen": {"read_floor": READ_FLOOR, "quote_sure": QUOTE_SURE, "read_yes": READ_YES,
                         "policy_floor": POLICY_READ_FLOOR, "result": chosen},
              "without_policy_floor": without_policy_floor, "score_alone_from_floor": score_alone,
              "frontier": best, "rows": rows}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rag_calibration.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    markdown = render(report, question_file)
    (out_dir / "rag_calibration.md").write_text(markdown)
    print(markdown)
    return 0


def _cells(result: dict) -> str:
    return " | ".join(f"{result[lang]['correct_answerable']} | {result[lang]['refused_unanswerable']}"
                      for lang in sorted(result))


def render(report: dict, question_file: Path) -> str:
    reached = sum("score" in r for r in report["rows"])
    langs = sorted(report["chosen"]["result"])
    head = " | ".join(f"{lang} correct | {lang} refused" for lang in langs)
    lines = ["# Quote thresholds, calibrated", "",
             f"{len(report['rows'])} questions from `{question_file.name}`; {reached} reached the quote step (the "
             "others were answered from the catalogue, a prepared or labelled quote, or refused before it). "
             "`correct`: answerable questions answered right; `refused`: unanswerable questions refused. Targets: "
             "0.90 and 0.93.", "",
             f"| setting | {head} |", "|---|" + "---|" * (2 * len(langs)),
             f"| chosen: floor {READ_FLOOR} (policy questions {POLICY_READ_FLOOR}), sure {QUOTE_SURE}, veto under "
             f"P(yes) {READ_YES} | "
             f"{_cells(report['chosen']['result'])} |",
             f"| the same without the policy questions' floor | {_cells(report['without_policy_floor'])} |",
             f"| the score alone from {READ_FLOOR} (no model) | {_cells(report['score_alone_from_floor'])} |", "",
             "Settings no other beats on all four figures (READ_FLOOR, QUOTE_SURE, READ_YES, POLICY_READ_FLOOR "
             "(1.01: none)):", "",
             f"| floor | sure | P(yes) | policy floor | {head} |", "|---|---|---|---|" + "---|" * (2 * len(langs))]
    lines += [f"| {p['read_floor']} | {p['quote_sure']} | {p['read_yes']} | {p['policy_floor']} | "
              f"{_cells(p['result'])} |" for p in report["frontier"]]
    return "\n".join(lines) + "\n"
