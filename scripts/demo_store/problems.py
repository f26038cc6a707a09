"""Reading YAML source files and collecting the problems found in them."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class SourceError(ValueError):
    """One or more problems in the source files, one per line, each naming the file and entry."""


class Problems:
    """Collects problems while reading; raise_if_any() turns them into one SourceError."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        """Record one problem found at `where` (a file, optionally with the entry)."""
        self.lines.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        """Raise a SourceError listing every problem recorded so far, if there is one."""
        if self.lines:
            raise SourceError("the demo store source has problems:\n  " + "\n  ".join(self.lines))


def read_yaml(path: Path, label: str) -> Any:
    """The parsed YAML of `path`; a missing or malformed file raises SourceError naming `label`."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{label}: file not found ({path})") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{label}: not valid YAML: {exc}") from None


def check_keys(entry: dict, allowed: tuple, required: tuple, where: str, problems: Problems) -> None:
    """Record missing `required` keys and keys outside `allowed` in `entry`."""
    missing = [k for k in required if k not in entry]
    unknown = [k for k in entry if k not in allowed]
    if missing:
        problems.add(where, f"missing {', '.join(missing)}")
    if unknown:
        problems.add(where, f"unknown keys {', '.join(map(str, unknown))}; allowed: {', '.join(allowed)}")


def is_text_list(value: Any) -> bool:
    """True for a non-empty list of strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
