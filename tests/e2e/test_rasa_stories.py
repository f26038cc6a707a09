"""Rasa's own end-to-end test stories (tests/stories/) against the trained model."""

import subprocess

import pytest

from scripts.stack import MODEL, RASA_BIN, ROOT


@pytest.mark.stack
def test_end_to_end_stories_pass(stack, tmp_path):
    result = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--stories",
            "tests/stories",
            "--model",
            str(MODEL),
            "--endpoints",
            "bot/endpoints.yml",
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + details
