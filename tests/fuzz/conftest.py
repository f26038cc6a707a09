"""After a run that fuzzed anything: the inputs per target in test-results/fuzz.json, the total on the terminal, and
with FUZZ_REPORT=path (`make fuzz`) the same as a Markdown report."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from tests.fuzz.counts import INPUTS, SCALE, SERVER_ERRORS, SLOWEST, STATUSES

ROOT = Path(__file__).resolve().parents[2]


def statuses(target: str) -> dict:
    return {"statuses": {str(k): v for k, v in sorted(STATUSES[target].items())}} if target in STATUSES else {}


def summary(exitstatus: int) -> dict:
    return {"total_inputs": sum(INPUTS.values()), "server_errors": sum(SERVER_ERRORS.values()), "scale": SCALE,
            "passed": exitstatus == 0,
            "targets": {t: {"inputs": n, "server_errors": SERVER_ERRORS.get(t, 0),
                            "slowest_s": round(SLOWEST.get(t, 0.0), 3),
                            **statuses(t)}
                        for t, n in sorted(INPUTS.items())}}


def markdown(result: dict) -> str:
    lines = ["# Fuzzing", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, `make fuzz` (FUZZ_SCALE={result['scale']:g}): "
             f"**{result['total_inputs']:,} generated inputs, {result['server_errors']} server errors (5xx)**, "
             f"tests {'passed' if result['passed'] else 'FAILED'}.", "",
             "Parsers: hypothesis (tests/fuzz/test_parsers.py). HTTP APIs: schemathesis against the real servers "
             "(tests/fuzz/test_schemathesis.py, descriptions in docs/openapi/).", "",
             "| target | inputs | 5xx | slowest input (s) | HTTP answers |", "|---|---:|---:|---:|---|"]
    lines += [f"| {t} | {v['inputs']:,} | {v['server_errors']} | {v['slowest_s']:.3f} | "
              f"{', '.join(f'{k}: {n}' for k, n in v.get('statuses', {}).items())} |"
              for t, v in result["targets"].items()]
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session, exitstatus):
    if not INPUTS:
        return
    result = summary(int(exitstatus))
    out = ROOT / "test-results" / "fuzz.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if os.environ.get("FUZZ_REPORT"):
        report = Path(os.environ["FUZZ_REPORT"])
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(markdown(result), encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    if INPUTS:
        terminalreporter.write_line(f"fuzz: {sum(INPUTS.values()):,} generated inputs over {len(INPUTS)} targets, "
                                    f"{sum(SERVER_ERRORS.values())} server errors (test-results/fuzz.json)")
