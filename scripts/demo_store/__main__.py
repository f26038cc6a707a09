"""Command line: python -m scripts.demo_store [--source DIR] [--out DIR]."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import OUT_DIR, SOURCE_DIR, SourceError, generate, write_files


def main(argv: list[str] | None = None) -> int:
    """Build the demo store and write it; returns the exit status (1 when the source has problems)."""
    parser = argparse.ArgumentParser(prog="python -m scripts.demo_store", description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help=f"hand-written YAML (default {SOURCE_DIR})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"where the files go (default {OUT_DIR})")
    args = parser.parse_args(argv)
    try:
        store = generate(args.source)
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 1
    write_files(args.out, store.files())
    print(f"{len(store.catalog)} products, {len(store.customers)} customers, {len(store.orders)} orders -> {args.out}")
    for key, oid in store.pinned.items():
        print(f"  {oid}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
