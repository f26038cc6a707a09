"""Shared secrets between two of our services: from the environment, else from an owner-only file made on first use.

A newcomer's `make run` then needs no setup step, and both services read the same value whichever starts first.
With TIDEPOOL_PROFILE=production every secret must come from the environment: a missing one is an error naming
the variable, never a file made on the spot. Each service checks its own at start (`require_secrets`).
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import List

PROFILE_ENV = "TIDEPOOL_PROFILE"
EXIT_CODE = 2
# The secrets each service reads (the messaging channels' own are optional: a channel is off until they are set).
SERVICE_SECRETS = {
    "rasa": ("RASA_TOKEN", "ACTION_TOKEN", "WEBCHAT_SESSION_SECRET"),  # HTTP API, action endpoint, socket.io tickets
    "actions": ("ACTION_TOKEN", "DESK_SERVICE_TOKEN"),  # Rasa's calls; filing handoffs with the desk
    "knowledge": (),
    "webchat": ("WEBCHAT_SESSION_SECRET",),  # signs the conversation cookie and socket.io tickets
    "desk": ("RASA_TOKEN", "DESK_SERVICE_TOKEN", "DESK_SECRET_KEY"),  # Rasa's API; the action server; cookies
}


class MissingSecret(RuntimeError):
    """A secret the production profile requires from the environment is not set."""


def production() -> bool:
    """Whether TIDEPOOL_PROFILE=production: secrets from the environment only."""
    return os.environ.get(PROFILE_ENV, "").strip().lower() == "production"


def missing_secrets(*services: str) -> List[str]:
    """The secrets these services need that the environment does not set."""
    needed = dict.fromkeys(name for service in services for name in SERVICE_SECRETS[service])
    return [name for name in needed if not os.environ.get(name, "").strip()]


def require_secrets(*services: str) -> None:
    """At a service's start: under the production profile, exit with EXIT_CODE naming every secret it lacks."""
    missing = missing_secrets(*services) if production() else []
    if missing:
        print(f"{', '.join(services)}: {PROFILE_ENV}=production takes every secret from the environment, and "
              f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. Set "
              f"{'it' if len(missing) == 1 else 'them'} and start again.", file=sys.stderr, flush=True)
        sys.exit(EXIT_CODE)


def shared_secret(env_name: str, path: Path) -> str:
    """$env_name if set; else the file's content, creating it (0600, exclusively) with a random value if missing.
    Under the production profile a missing $env_name raises MissingSecret instead."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    if production():
        raise MissingSecret(f"{env_name} is not set: with {PROFILE_ENV}=production every secret comes from the "
                            "environment, never from a file")
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


def main(argv: List[str]) -> int:
    """`python -m shop.secrets RASA_TOKEN data/.rasa-token` prints the secret (for the Makefile's commands);
    `python -m shop.secrets --check rasa actions ...` exits non-zero, naming them, when a production profile lacks
    any of those services' secrets."""
    if argv[:1] == ["--check"]:
        require_secrets(*argv[1:])
        return 0
    try:
        print(shared_secret(argv[0], Path(argv[1])))
    except MissingSecret as error:
        print(error, file=sys.stderr)
        return EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
