"""bot/lock_store.py on the machine's Redis: two lock stores (as two Rasa instances have) asking for the same
conversation's lock at the same moment never both hold it, and every turn is served. Rasa's own RedisLockStore,
in the same race, lets both in: that is why bot/endpoints.scale.yml uses ours (RasaHQ/rasa#9213)."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlsplit

import pytest

from scripts.stack import ROOT
from tests.scale import services

pytestmark = pytest.mark.scale
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def race(kind: str, rounds: int = 100) -> dict:
    redis_url = urlsplit(services.REDIS_URL)
    done = subprocess.run([str(RASA_PYTHON), "tests/scale/lock_race.py", kind, redis_url.hostname or "127.0.0.1",
                           str(redis_url.port or 6379), redis_url.path.strip("/") or "1", str(rounds)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_instances_never_hold_one_conversation_at_once():
    services.skip_unless_reachable("redis")
    ours = race("atomic")
    assert ours == {"overlaps": 0, "refused": 0, "served": ours["turns"], "turns": 200}


def test_rasas_own_redis_lock_store_lets_both_in():
    services.skip_unless_reachable("redis")
    assert race("rasa")["overlaps"] > 0
