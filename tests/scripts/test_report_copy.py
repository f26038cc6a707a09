"""The copy experiment report (scripts/report_copy.py): per-variant counts, Wilson intervals and bandit shares."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from shop.experiments import events as copy_events
from shop.experiments.bandit import wilson_interval
from tests.card_copy_data import record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path):
    return tmp_path / "copy_events.db"


def run_report(db, out):
    script = ROOT / "scripts" / "report_copy.py"
    return subprocess.run([sys.executable, str(script), "--db", str(db), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=True)


def test_the_report_counts_each_variant(db, tmp_path):
    record(db, "benefit", 40, 4)
    record(db, "social", 50, 10)
    for i in range(7):
        copy_events.assign(db, f"benefit-{i}", "benefit", "bandit")
    done = run_report(db, tmp_path)
    report = (tmp_path / "copy-report.md").read_text(encoding="utf-8")
    assert (tmp_path / "copy-report.png").stat().st_size > 1000
    row = re.compile(r"^\| (\w+) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+)% \| (.+?) \| ([\d.]+)% \|$", re.M)
    rows = {m.group(1): m.groups() for m in row.finditer(report)}
    assert rows["benefit"][1:5] == ("7", "40", "4", "10.0")
    assert rows["social"][1:5] == ("0", "50", "10", "20.0")
    assert rows["deal"][1:5] == ("0", "0", "0", "0.0")
    low, high = wilson_interval(10, 50)
    assert rows["social"][5] == f"{low:.1%} – {high:.1%}"
    assert rows["deal"][5] == "–"
    assert sum(float(r[6]) for r in rows.values()) == pytest.approx(100, abs=0.2)
    assert "14 clicks / 90 impressions" in report
    assert "| social | 0 | 50 | 10 | 20.0% |" in done.stdout


def test_the_report_says_so_when_nothing_was_recorded(tmp_path):
    done = run_report(tmp_path / "missing.db", tmp_path / "out")
    assert "No copy events recorded yet" in done.stdout
    assert "No copy events recorded yet" in (tmp_path / "out" / "copy-report.md").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "copy-report.png").exists()

