"""Which copy line a conversation's product cards lead with, and the line itself.

The lines and their fact check are `shop.cardcopy`; this module adds what the action server knows: the product's
record in the store backend, the operator's reviewed copy file, and the experiment's assignments in the event store.
A conversation's variant is chosen once and kept (`choose_variant`): by Thompson sampling over the impressions and
clicks recorded so far (COPY_POLICY=bandit, the default) or uniformly at random (COPY_POLICY=ab).
An operator-reviewed line in data/store/copy.jsonl replaces the template when it still passes the check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from actions import config
from shop.store import store
from shop.store.backend import Product
from shop.cardcopy import VARIANTS, check_copy, facts_of, template_line
from shop.experiments import events
from shop.experiments.bandit import thompson_pick

log = logging.getLogger(__name__)

POLICIES = ("bandit", "ab")
_rng = random.Random()
_rng_lock = threading.Lock()
_reviewed_cache: Dict[str, Any] = {"key": None, "lines": {}}
_reviewed_lock = threading.Lock()


def record_of(product: Product) -> Dict[str, Any]:
    """A store product as copy facts read it (rating, attributes, descriptions, price in whole units)."""
    record = dataclasses.asdict(product)
    record["price"] = product.price_cents / 100
    return record


def product_record(product_id: str) -> Dict[str, Any]:
    """The store's record of a product as copy facts read it ({} when the store does not know it)."""
    product = store().product(str(product_id))
    return record_of(product) if product is not None else {}


def reviewed_lines(path: Optional[Path] = None) -> Dict[Tuple[str, str, str], str]:
    """(product id, variant, lang) -> text from the operator's reviewed copy file; {} when there is none.

    Lines with "approved": false are skipped; a file the operator broke logs a warning and is ignored.
    """
    path = Path(path or config.COPY_FILE)
    try:
        stat = path.stat()
    except OSError:
        return {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _reviewed_lock:
        if _reviewed_cache["key"] != key:
            lines: Dict[Tuple[str, str, str], str] = {}
            with path.open(encoding="utf-8") as rows:
                for number, raw in enumerate(rows, 1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw)
                        if row.get("field", "copy") != "copy" or row.get("approved") is False:
                            continue
                        if row["variant"] in VARIANTS and str(row.get("text") or "").strip():
                            lines[(str(row["id"]), row["variant"], row.get("lang") or "en")] = row["text"].strip()
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        log.warning("copy file %s line %d ignored: %s", path, number, exc)
            _reviewed_cache.update(key=key, lines=lines)
        return _reviewed_cache["lines"]


# ---------- public API ----------


def copy_line(variant: str, item: Mapping[str, Any], lang: str, profile: Optional[Mapping[str, Any]] = None,
              record: Optional[Mapping[str, Any]] = None) -> str:
    """The card's copy line for `variant` in `lang` ('en'/'zh').

    `item` is a products-card item ({"id","name","price","currency","url","image","reason", "promotion"?});
    rating and attributes come from the store's record of that product (`record`, else read from the store) unless
    the item carries them.
    `profile` is the shopper profile (actions/shopper_profile.py): its stated needs ("uses", "needs", newest first) pick
    the attribute a benefit line leads with ("for rainy hikes" -> the waterproof rating).
    A reviewed line from the copy file wins when it still passes `check_copy` against today's data (a price
    may have changed since review); a deal line on a card with a live promotion always comes from the rules.
    """
    lang = "zh" if lang == "zh" else "en"
    if variant not in VARIANTS:
        raise ValueError(f"unknown copy variant {variant!r} ({', '.join(VARIANTS)})")
    facts = facts_of(item, record if record is not None else product_record(str(item.get("id"))))
    reviewed = reviewed_lines().get((facts.id, variant, lang))
    if reviewed and not (variant == "deal" and facts.promotion):
        verdict = check_copy(reviewed, facts)
        if verdict.ok:
            return reviewed
        log.warning("reviewed copy for %s/%s/%s no longer matches the data: %s", facts.id, variant, lang,
                    "; ".join(verdict.problems))
    return template_line(variant, facts, lang, profile)


STATS_TTL_S = 30.0  # the bandit's counts are re-read at most this often (a COUNT DISTINCT over all events)
_stats_cache: Dict[str, Tuple[float, Dict[str, Dict[str, int]]]] = {}


def _recent_stats(db_path: Path) -> Dict[str, Dict[str, int]]:
    key, now = str(db_path), time.monotonic()
    cached = _stats_cache.get(key)
    if cached is None or now - cached[0] > STATS_TTL_S:
        cached = (now, events.stats(db_path))
        _stats_cache[key] = cached
    return cached[1]


def _policy(policy: Optional[str]) -> str:
    chosen = (policy or config.COPY_POLICY or "bandit").strip().lower()
    if chosen not in POLICIES:
        log.warning("COPY_POLICY=%r is not one of %s; using bandit", chosen, ", ".join(POLICIES))
        return "bandit"
    return chosen


def choose_variant(
    conversation_id: str,
    *,
    policy: Optional[str] = None,
    db_path: Optional[Path] = None,
    rng: Optional[random.Random] = None,
) -> str:
    """The copy variant for this conversation: the one it already has, else a new draw that is stored.

    policy: "bandit" (Thompson sampling over recorded impressions/clicks) or "ab" (uniform); default COPY_POLICY.
    If the event store cannot be written the conversation still gets a variant (a stable hash of its id), and the
    problem is logged: the copy experiment never breaks a reply.
    """
    db_path = Path(db_path or config.COPY_EVENTS_DB)
    policy = _policy(policy)
    try:
        known = events.assigned_variant(db_path, conversation_id)
        if known in VARIANTS:
            return known
        if policy == "ab":
            with _rng_lock:
                variant = (rng or _rng).choice(VARIANTS)
        else:
            counts = _recent_stats(db_path)
            with _rng_lock:
                variant = thompson_pick(counts, VARIANTS, rng or _rng)
        return events.assign(db_path, conversation_id, variant, policy)
    except (sqlite3.Error, OSError) as exc:
        log.warning("copy variant for %r not stored (%s): using a fixed one", conversation_id, exc)
        digest = hashlib.sha256(str(conversation_id).encode()).digest()
        return VARIANTS[digest[0] % len(VARIANTS)]
