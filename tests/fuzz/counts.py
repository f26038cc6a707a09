"""How many inputs each fuzz target was given, and the settings every fuzz test shares.

`FUZZ_SCALE` (default 1) multiplies every example budget: `make test` runs the default, `make fuzz` a larger one.
tests/fuzz/conftest.py writes the counts to test-results/fuzz.json (and reports/fuzz.md for `make fuzz`)."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any, Callable

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("FUZZ_SCALE", "1") or "1")
INPUTS: Counter = Counter()  # target -> inputs tried
SERVER_ERRORS: Counter = Counter()  # target -> 5xx answers seen (schemathesis)
SLOWEST: dict[str, float] = {}  # target -> the slowest single input, seconds
STATUSES: dict[str, Counter] = {}  # target -> HTTP status -> answers (schemathesis): shows what the inputs reached


def examples(n: int) -> int:
    """The example budget for one target at this FUZZ_SCALE."""
    return max(1, round(n * SCALE))


def fuzz_settings(n: int) -> settings:
    """Deterministic (the same inputs every run, so a failure reproduces), no per-example deadline (the bound is
    checked by `bounded` with room for a busy machine), and no health checks that would stop a slow generator."""
    return settings(max_examples=examples(n), derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


def bounded(target: str, limit_s: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `fn`, count the input for `target`, and fail if the call took longer than `limit_s` (a hang)."""
    INPUTS[target] += 1
    started = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        took = time.perf_counter() - started
        SLOWEST[target] = max(SLOWEST.get(target, 0.0), took)
        assert took < limit_s, f"{target} took {took:.1f} s on one input (limit {limit_s} s)"
