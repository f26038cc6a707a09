"""Thompson sampling over an experiment's arms, and the interval the copy report shows for each arm's click rate."""

from __future__ import annotations

import math
import random
from typing import Dict, Mapping, Sequence, Tuple

Counts = Mapping[str, Mapping[str, int]]  # arm -> {"impressions": n, "clicks": k}


def thompson_pick(counts: Counts, arms: Sequence[str], rng: random.Random) -> str:
    """One Thompson-sampling draw: Beta(1 + clicks, 1 + impressions - clicks) per arm, highest draw wins."""
    best, best_draw = arms[0], -1.0
    for arm in arms:
        shown = int(counts.get(arm, {}).get("impressions", 0))
        clicked = min(int(counts.get(arm, {}).get("clicks", 0)), shown)
        draw = rng.betavariate(1 + clicked, 1 + shown - clicked)
        if draw > best_draw:
            best, best_draw = arm, draw
    return best


def thompson_shares(counts: Counts, arms: Sequence[str], draws: int = 10_000, seed: int = 0) -> Dict[str, float]:
    """The share of new conversations the bandit would give each arm now (P(arm draws highest))."""
    rng = random.Random(seed)
    wins = {arm: 0 for arm in arms}
    for _ in range(draws):
        wins[thompson_pick(counts, arms, rng)] += 1
    return {arm: wins[arm] / draws for arm in arms}


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> Tuple[float, float]:
    """95% (z=1.96) Wilson score interval for a proportion; (0, 0) when there are no trials."""
    if trials <= 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
