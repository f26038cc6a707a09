"""Order of the candidates that passed the filters: the index's hybrid retrieval over their product chunks, plus
profile fit, rating and whether the product states what answers a need; complements show one per category first."""
from __future__ import annotations

from ..index import Index
from .catalog import Product
from .reasons import fact


def profile_fit(p: Product, profile: dict) -> float:
    """The share of the saved profile's categories, brands, colours and uses this product matches (0 without one)."""
    checks = []
    for key, value in (("categories", p.category), ("brands", p.brand.lower())):
        if profile.get(key):
            checks.append(value in [str(v).lower() for v in profile[key]])
    if profile.get("colors"):
        checks.append(any(p.variant(str(c).lower()) for c in profile["colors"]))
    if profile.get("uses"):
        checks.append(any(str(u).lower() in p.text for u in profile["uses"]))
    return sum(checks) / len(checks) if checks else 0.0


def rank(index: Index, pool: list[Product], st: dict, profile: dict, anchor: Product | None,
         lang: str) -> list[Product]:
    """Hybrid retrieval over the candidates' product chunks, plus profile fit and rating."""
    query = st.get("query", "")
    if anchor is not None:
        query = f"{anchor.name(lang)}. {anchor.data.get('description') or ''}"[:400] + " " + query
    retrieval: dict[str, float] = {}
    if query.strip() and pool:
        # restricted to the candidates' chunks; a very large pool searches everything and keeps what is in it
        only = [p.id for p in pool] if len(pool) <= 2000 else None
        for h in index.search(query, min(100, 2 * len(pool)), lang, products=only):
            pid = h.meta.get("product_id")
            retrieval[pid] = max(retrieval.get(pid, 0.0), h.score)
    top = max(retrieval.values(), default=0.0) or 1.0

    def score(p: Product) -> float:
        answers = sum(fact(p, n, False) is not None for n in st.get("needs", []))  # can say why it fits
        return (retrieval.get(p.id, 0.0) / top + 0.3 * profile_fit(p, profile) + 0.2 * p.rating / 5
                + 0.15 * min(answers, 2))

    ranked = sorted(pool, key=lambda p: (-score(p), p.id))
    if st.get("mode") == "complements":  # the best of each category first
        firsts = list({p.category: p for p in reversed(ranked)}.values())
        firsts.sort(key=ranked.index)
        ranked = firsts + [p for p in ranked if p not in firsts]
    return ranked
