"""Secrets (shop/secrets.py): from the environment, else an owner-only file made on first use; with
TIDEPOOL_PROFILE=production only from the environment, and a service missing one stops at start, naming it."""

import os
import stat
import subprocess
import sys

import pytest

from scripts.stack import ROOT
from shop.secrets import SERVICE_SECRETS, MissingSecret, main, missing_secrets, require_secrets, shared_secret

ALL_SECRETS = sorted({name for names in SERVICE_SECRETS.values() for name in names})


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch):
    for name in ALL_SECRETS + ["TIDEPOOL_PROFILE"]:
        monkeypatch.delenv(name, raising=False)


def test_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTION_TOKEN", " from-env ")
    assert shared_secret("ACTION_TOKEN", tmp_path / "token") == "from-env"
    assert not (tmp_path / "token").exists()


def test_otherwise_an_owner_only_file_made_once(tmp_path):
    first = shared_secret("ACTION_TOKEN", tmp_path / "data" / "token")
    assert len(first) >= 32 and shared_secret("ACTION_TOKEN", tmp_path / "data" / "token") == first
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "token").st_mode) == 0o600


def test_production_never_falls_back_to_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TIDEPOOL_PROFILE", "production")
    (tmp_path / "token").write_text("left over from a development run")
    with pytest.raises(MissingSecret, match="ACTION_TOKEN is not set"):
        shared_secret("ACTION_TOKEN", tmp_path / "token")
    with pytest.raises(MissingSecret):
        shared_secret("RASA_TOKEN", tmp_path / "new-token")
    assert not (tmp_path / "new-token").exists()
    monkeypatch.setenv("ACTION_TOKEN", "set")
    assert shared_secret("ACTION_TOKEN", tmp_path / "token") == "set"


def test_each_service_names_what_it_lacks(monkeypatch, capsys):
    monkeypatch.setenv("DESK_SECRET_KEY", "set")
    assert missing_secrets("desk") == ["RASA_TOKEN", "DESK_SERVICE_TOKEN"]
    assert missing_secrets("actions", "desk") == ["ACTION_TOKEN", "DESK_SERVICE_TOKEN", "RASA_TOKEN"]
    assert missing_secrets("knowledge") == []
    require_secrets("desk")  # not production: the files stand in
    monkeypatch.setenv("TIDEPOOL_PROFILE", "production")
    with pytest.raises(SystemExit) as stopped:
        require_secrets("desk")
    assert stopped.value.code == 2
    assert "desk: TIDEPOOL_PROFILE=production takes every secret from the environment, and RASA_TOKEN, " \
           "DESK_SERVICE_TOKEN are not set" in capsys.readouterr().err
    for name in ALL_SECRETS:
        monkeypatch.setenv(name, "set")
    require_secrets(*SERVICE_SECRETS)


def test_the_makefile_command(monkeypatch, tmp_path, capsys):
    assert main(["ACTION_TOKEN", str(tmp_path / "token")]) == 0
    assert capsys.readouterr().out.strip() == (tmp_path / "token").read_text()
    monkeypatch.setenv("TIDEPOOL_PROFILE", "production")
    assert main(["RASA_TOKEN", str(tmp_path / "rasa-token")]) == 2
    assert "RASA_TOKEN is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--check", "rasa", "actions"])
    assert "RASA_TOKEN, ACTION_TOKEN, WEBCHAT_SESSION_SECRET, DESK_SERVICE_TOKEN are not set" in capsys.readouterr().err


def test_the_action_server_refuses_to_start_without_its_token_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ALL_SECRETS}
    env.update(TIDEPOOL_PROFILE="production", DESK_SERVICE_TOKEN="set", ACTION_PORT="1",
               ACTION_TOKEN_FILE=str(tmp_path / ".action-token"), ERASURE_QUEUE_DB=str(tmp_path / "queue.db"),
               STORE_DB=str(tmp_path / "store.db"), COPY_EVENTS_DB=str(tmp_path / "copy_events.db"))
    done = subprocess.run([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "actions: TIDEPOOL_PROFILE=production takes every secret from the environment, and ACTION_TOKEN is " \
           "not set" in done.stderr
    assert not (tmp_path / ".action-token").exists()
