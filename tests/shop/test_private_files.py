"""Files that hold personal data are created owner-only (0600) by our own code, whatever the umask of whoever runs
it: `make setup`'s store load and direct `python -m ...` runs have the shell's usual 022, not supervisord's 077."""

import os
import stat
import subprocess
import sys
from contextlib import contextmanager

import pytest

from desk.db import connect as desk_connect
from scripts.stack import ROOT, STORE_DIR
from shop.erasure import Eraser, Stores
from shop.experiments.events import assign
from shop.feedback import record_rating


@contextmanager
def usual_umask():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_store_loaded_by_make_setup(tmp_path):
    subprocess.run([sys.executable, "-m", "shop.store", "load", "--db", str(tmp_path / "store.db")], cwd=ROOT,
                   env=dict(os.environ, STORE_DATA_DIR=str(STORE_DIR)), check=True, capture_output=True,
                   umask=0o022, timeout=120)
    assert mode(tmp_path / "store.db") == 0o600


@pytest.mark.parametrize("name, create", [
    ("copy_events.db", lambda path: assign(path, "conversation-1", "benefit", "ab")),
    ("conversation_ratings.db", lambda path: record_rating(path, "conversation-1", 5)),
    ("desk.db", lambda path: desk_connect(f"sqlite:///{path}").dispose()),
    ("erasure_queue.db", lambda path: Eraser(Stores(), path).request("conversation-1", marker="action_x")),
])
def test_databases_our_services_create(tmp_path, name, create):
    with usual_umask():
        create(tmp_path / name)
    assert mode(tmp_path / name) == 0o600
    for companion in tmp_path.glob(f"{name}-*"):  # SQLite's -wal and -shm files follow the database's mode
        assert mode(companion) == 0o600, companion
