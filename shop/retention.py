"""`python -m shop.retention --days N [--dry-run]` (`make retention DAYS=N`): erases every conversation whose last
event is older than N days from each store that keeps conversations (shop/erasure.py: Rasa's tracker store and
event broker, the agent desk, the copy experiment's events, the ratings). A conversation's last event is its latest
one in any of them, so one that carries on in any store is kept, and only what was stored before the cut-off is
erased, even if the shopper comes back while this runs. Progress goes to stderr, one summary line to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Dict, List, Optional, TextIO, Tuple

from shop.erasure import STORE_NAMES, Stores, erase, last_activity

DAY_S = 86_400
PROGRESS_EVERY = 100


def old_conversations(stores: Stores, cutoff: float) -> List[Tuple[str, float]]:
    """(conversation id, time of its last event) for those with nothing since `cutoff`, oldest first."""
    return sorted(((c, at) for c, at in last_activity(stores).items() if at < cutoff), key=lambda item: item[1])


def run(stores: Stores, days: float, dry_run: bool = False, now: Optional[float] = None,
        out: TextIO = sys.stdout, progress: TextIO = sys.stderr) -> Dict[str, int]:
    """Erases (or, with `dry_run`, counts) the old conversations; returns rows per store plus "conversations"."""
    cutoff = (time.time() if now is None else now) - days * DAY_S
    old = old_conversations(stores, cutoff)
    totals = dict.fromkeys(STORE_NAMES, 0)
    verb = "would erase" if dry_run else "erased"
    for done, (conversation_id, _) in enumerate(old, 1):
        for name, count in erase(stores, conversation_id, until=cutoff, dry_run=dry_run).items():
            totals[name] += count
        if done % PROGRESS_EVERY == 0 or done == len(old):
            print(f"retention: {verb} {done}/{len(old)} conversations", file=progress, flush=True)
    rows = ", ".join(f"{name} {count}" for name, count in totals.items())
    print(f"retention: {verb} {len(old)} conversations with no event in the last {days:g} days "
          f"(rows: {rows}){' [dry run]' if dry_run else ''}", file=out, flush=True)
    return {"conversations": len(old), **totals}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, required=True, help="keep conversations with an event in the last N days")
    parser.add_argument("--dry-run", action="store_true", help="count what would be erased; erase nothing")
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("--days must be 0 or more")
    run(Stores.from_env(), args.days, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
