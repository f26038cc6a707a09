import random

from shop.experiments.bandit import thompson_pick, thompson_shares

ARMS = ("a", "b", "c")


def test_thompson_sampling_prefers_the_arm_that_is_clicked():
    counts = {arm: {"impressions": 300, "clicks": clicks} for arm, clicks in (("a", 6), ("b", 60), ("c", 9))}
    rng = random.Random(1)
    picks = [thompson_pick(counts, ARMS, rng) for _ in range(500)]
    assert picks.count("b") > 480


def test_an_arm_never_shown_is_explored():
    counts = {"a": {"impressions": 300, "clicks": 6}, "b": {"impressions": 300, "clicks": 60}}
    rng = random.Random(1)
    picks = [thompson_pick(counts, ARMS, rng) for _ in range(500)]
    assert picks.count("c") > 300 and picks.count("a") == 0  # uniform prior vs. a known 2% arm


def test_shares_sum_to_one_and_are_reproducible():
    counts = {"a": {"impressions": 10, "clicks": 2}}
    shares = thompson_shares(counts, ARMS, draws=2000, seed=3)
    assert abs(sum(shares.values()) - 1) < 1e-9
    assert shares == thompson_shares(counts, ARMS, draws=2000, seed=3)
    assert shares["a"] < shares["b"] and shares["a"] < shares["c"]  # a is known to be poor; b, c are unknown
