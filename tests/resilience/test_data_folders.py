"""A data folder the service cannot write to (read-only, full, or not a folder at all) is named at start-up, and the
service exits with status 2 instead of serving and failing at the first rating, order change or sign-in.

The tests run as root, for whom permission bits stop nothing, so the folders are made unwritable for real: a path
under a regular file (ENOTDIR, needs no privilege), a read-only bind mount (EROFS) and a full 64 KiB tmpfs (ENOSPC).
The two mounts need mount privileges; where those are missing the tests say so and skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from scripts.stack import ROOT, _environment, free_port
from shop.datadir import probe, require_writable, unwritable


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}); needs root with mount rights")


@pytest.fixture
def under_a_file(tmp_path) -> Path:
    (tmp_path / "not-a-folder").write_text("a regular file where a folder should be")
    return tmp_path / "not-a-folder" / "data"


@pytest.fixture
def read_only(tmp_path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    mount("--bind", str(folder), str(folder))
    try:
        mount("-o", "remount,bind,ro", str(folder))
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def full(tmp_path) -> Iterator[Path]:
    folder = tmp_path / "full"
    folder.mkdir()
    mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(folder))
    try:
        with open(folder / "filler", "wb", buffering=0) as filler:  # fill it to the last block
            try:
                while filler.write(b"\0" * 4096):
                    pass
            except OSError:
                pass
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


BAD_FOLDERS = ["under_a_file", "read_only", "full"]
REASONS = {"under_a_file": "Not a directory", "read_only": "Read-only file system", "full": "No space left on device"}


@pytest.mark.parametrize("kind", BAD_FOLDERS)
def test_the_probe_really_writes(kind, request, tmp_path):
    bad = request.getfixturevalue(kind)
    assert probe(tmp_path) is None
    assert probe(bad) == REASONS[kind]
    assert unwritable([tmp_path / "fine.db", f"sqlite:///{bad}/desk.db", "postgresql://db/desk"]) == \
        [(bad, REASONS[kind])]
    assert list(tmp_path.glob(".write-probe-*")) == []  # the probe cleans up after itself


def test_a_file_where_the_folder_should_be_is_named(tmp_path, capsys):
    (tmp_path / "data").write_text("")
    with pytest.raises(SystemExit) as exit_:
        require_writable("demo", [tmp_path / "data" / "demo.db"])
    assert exit_.value.code == 2
    assert f"demo: data folder {tmp_path / 'data'} is not writable: it is a file, not a folder" in \
        capsys.readouterr().err


def start(tmp_path: Path, argv: List[str], env_change: Callable[[Path], Dict[str, str]], bad: Path):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEBCHAT_PORT", "KNOWLEDGE_PORT", "DESK_PORT")}
    env = {**_environment(tmp_path, ports), **env_change(bad)}
    try:
        return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=90)
    except subprocess.TimeoutExpired as served:
        pytest.fail(f"{argv[0]} started serving with an unwritable data folder: {served.stderr}")


# Each service that writes data, started as `make run` starts it, with one of its data files in the bad folder.
SERVICES = {
    "actions": (["actions.server"], lambda bad: {"STORE_DB": str(bad / "store.db")}),
    "desk": (["desk", "serve"], lambda bad: {"DESK_DATABASE_URL": f"sqlite:///{bad / 'desk.db'}"}),
    "webchat": (["connectors.webchat"], lambda bad: {"CONVERSATION_RATINGS_DB": str(bad / "ratings.db")}),
    "knowledge": (["knowledge", "serve", "--index", "{bad}/index"], lambda bad: {}),
}


@pytest.mark.parametrize("kind", BAD_FOLDERS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_service_names_its_unwritable_data_folder_and_exits(service, kind, request, tmp_path):
    bad = request.getfixturevalue(kind)
    argv, env_change = SERVICES[service]
    argv = [arg.replace("{bad}", str(bad)) for arg in argv]
    done = start(tmp_path, argv, env_change, bad)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{service}: data folder {bad} is not writable: {REASONS[kind]}" in done.stderr, done.stderr[-2000:]
