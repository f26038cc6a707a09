"""How strongly negative a shopper's message is: VADER for English, SnowNLP (trained on product reviews) for Chinese.

Both ship their lexicon or model inside the package, so nothing downloads. Used to hand an angry complaint to a
person first; a mild complaint ("it arrived damaged, I want a refund") stays with the bot's complaint flow.
"""

from __future__ import annotations

from functools import lru_cache

# VADER's compound score runs from -1 to 1; "the worst service ever! I'm furious!!" is -0.92, "arrived damaged,
# I want a refund" -0.38.
ENGLISH_STRONG = -0.6
# SnowNLP gives the probability that a text is positive: "太差劲了！…我非常生气！" 0.001, "坏了，我想退款" 0.058.
CHINESE_STRONG = 0.02


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def negativity(text: str, language: str) -> float:
    """0 (not negative) to 1 (as negative as the model can tell), on one scale for both languages."""
    if not text.strip():
        return 0.0
    if language == "zh":
        from snownlp import SnowNLP

        positive = SnowNLP(text[:2000]).sentiments
        if positive < CHINESE_STRONG:  # the strong band maps onto 0.6..1
            return 0.6 + 0.4 * (1 - positive / CHINESE_STRONG)
        return 0.6 * (1 - positive)  # anything milder stays below 0.6
    compound = _vader().polarity_scores(text[:2000])["compound"]
    return max(0.0, -compound)


def strongly_negative(text: str, language: str) -> bool:
    """True when the message reads as angry, not merely unhappy."""
    return negativity(text, language) >= 0.6
