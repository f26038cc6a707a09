"""Shared secrets between two of our services: from the environment, else from an owner-only file made on first use.

A newcomer's `make run` then needs no setup step, and both services read the same value whichever starts first.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path


def shared_secret(env_name: str, path: Path) -> str:
    """$env_name if set; else the file's content, creating it (0600, exclusively) with a random value if missing."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other service may be writing it this instant
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it or set {env_name}")
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


if __name__ == "__main__":  # `python3 -m shop.secrets RASA_TOKEN data/.rasa-token`: for the Makefile's commands
    import sys

    print(shared_secret(sys.argv[1], Path(sys.argv[2])))
