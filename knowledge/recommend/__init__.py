"""Product recommendations. A shopper's message (English or Chinese) becomes a JSON request state that follow-ups
("cheaper", "in blue", "换几个") refine; a product that breaks a hard constraint (budget, colour and size in stock,
category, brand, audience, excluded colours) is never returned; the rest are ranked by the index's hybrid retrieval,
profile fit and rating, and each pick is explained in one sentence made only of that product's own data.

vocabulary.py (words), catalog.py (the products), request.py (the message and follow-ups), filters.py, ranking.py,
reasons.py (what the shopper reads), recommender.py (one request through all of them)."""
from __future__ import annotations

from .recommender import Recommender, UnknownProduct

__all__ = ["Recommender", "UnknownProduct"]
