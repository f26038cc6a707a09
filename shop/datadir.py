"""A start-up check of the folders a service writes its data to: a read-only or full folder is named at start-up,
with the reason, instead of surfacing later as a failed turn or a lost rating.

Each service calls `require_writable(...)` with its data folders (or its files, whose folders are checked) before it
serves. The probe really writes: a file of PROBE_BYTES, flushed to disk and removed, so a read-only mount, a path
under a regular file and a full file system all fail here (permission bits alone do not stop root).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable, List, Optional, Tuple, Union

PROBE_BYTES = 64 * 1024  # a few SQLite pages and a journal: enough that a nearly full disk fails here too
EXIT_CODE = 2

Place = Union[str, Path]


def folder_of(place: Place) -> Optional[Path]:
    """The folder a path's data goes to: a folder itself, the parent of a file, and of a `sqlite:///` URL's file;
    None for another database URL (a server's storage is not ours to probe)."""
    text = str(place)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    elif "://" in text:
        return None
    path = Path(text)
    return path if path.is_dir() else path.parent


def probe(folder: Path) -> Optional[str]:
    """None when `folder` (created if missing) takes a file of PROBE_BYTES; else the reason it does not."""
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(b"\0" * PROBE_BYTES)
                file.flush()
                os.fsync(file.fileno())
        finally:
            os.unlink(name)
    except OSError as error:
        return error.strerror or str(error)
    return None


def unwritable(places: Iterable[Place]) -> List[Tuple[Path, str]]:
    """(folder, reason) for each distinct folder of `places` that cannot be written to."""
    folders = dict.fromkeys(folder for place in places if place and (folder := folder_of(place)) is not None)
    return [(folder, reason) for folder in folders if (reason := probe(folder)) is not None]


def require_writable(service: str, places: Iterable[Place]) -> None:
    """Exit with EXIT_CODE, naming each folder and why, when any of `places`' folders cannot be written to."""
    problems = unwritable(places)
    for folder, reason in problems:
        print(f"{service}: data folder {folder} is not writable: {reason}", file=sys.stderr, flush=True)
    if problems:
        sys.exit(EXIT_CODE)


def secret_file(env_name: str, path: Place) -> Optional[Place]:
    """`path` when the shared secret will be written there (shop/secrets.py: only if $env_name is unset), else None."""
    return None if os.environ.get(env_name, "").strip() else path
