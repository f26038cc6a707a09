"""`make run` under supervisor (supervisord.conf): when one service is killed, it is started again and the others
keep serving. Under honcho a crash of one process stopped all of them."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from scripts.stack import ROOT, _environment, free_port

SUPERVISORD = ROOT / ".venv" / "bin" / "supervisord"
SUPERVISORCTL = ROOT / ".venv" / "bin" / "supervisorctl"


def ctl(env, *args) -> str:
    return subprocess.run([str(SUPERVISORCTL), "-c", "supervisord.conf", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60).stdout


def pid(env, program: str) -> int:
    line = ctl(env, "status", program)
    assert "RUNNING" in line, line
    return int(line.split("pid", 1)[1].split(",", 1)[0])


def until(check, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("condition never held")


@pytest.fixture
def supervised(tmp_path):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEBCHAT_PORT", "KNOWLEDGE_PORT", "DESK_PORT")}
    env = {**_environment(tmp_path, ports), "RUN_DIR": str(tmp_path / "run"), "RASA_HOST": "127.0.0.1",
           "RASA_CORS": f"http://127.0.0.1:{ports['WEBCHAT_PORT']}", "DESK_DATABASE_URL":
           f"sqlite:///{tmp_path / 'desk.db'}", "EVENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'events.db'}"}
    (tmp_path / "run" / "logs").mkdir(parents=True)
    process = subprocess.Popen([str(SUPERVISORD), "-c", "supervisord.conf"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        until(lambda: "RUNNING" in ctl(env, "status", "webchat") and "RUNNING" in ctl(env, "status", "desk"))
        ctl(env, "stop", "rasa", "knowledge")  # not needed here; spares the two cores
        yield env, ports
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_a_killed_service_is_started_again_and_the_others_keep_serving(supervised):
    env, ports = supervised
    webchat, desk = f"http://127.0.0.1:{ports['WEBCHAT_PORT']}", f"http://127.0.0.1:{ports['DESK_PORT']}"
    until(lambda: requests.get(f"{webchat}/health", timeout=2).ok and requests.get(f"{desk}/health", timeout=2).ok)
    killed, desk_pid = pid(env, "webchat"), pid(env, "desk")
    os.kill(killed, signal.SIGKILL)
    until(lambda: "RUNNING" in ctl(env, "status", "webchat") and pid(env, "webchat") != killed)
    until(lambda: requests.get(f"{webchat}/health", timeout=2).ok)
    assert pid(env, "desk") == desk_pid and requests.get(f"{desk}/health", timeout=2).ok
    log = (ROOT / env["RUN_DIR"] / "logs" / "supervisord.log").read_text()
    assert "exited: webchat (terminated by SIGKILL" in log


def test_every_service_creates_its_files_owner_only(supervised):
    """Conversations, e-mails and orders live in files the services create: none is readable by other users."""
    env, _ = supervised
    for program in ("actions", "webchat", "desk"):
        status = (Path("/proc") / str(pid(env, program)) / "status").read_text()
        assert "Umask:\t0077" in status, (program, status)
