"""`python -m shop.store load|profile`: load the store files into the embedded database, or print what the
assistant remembers about a shopper (the agent's view)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shop.store import config
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore


def main() -> None:
    """`load`: (re)build the database from the store files and print the row counts; `profile --shopper ID`: print
    that shopper's saved profile as JSON."""
    parser = argparse.ArgumentParser(prog="python -m shop.store")
    parser.add_argument("command", choices=["load", "profile"], help="load the store files, or print a profile")
    parser.add_argument("--data", type=Path, default=config.STORE_DATA_DIR)
    parser.add_argument("--db", type=Path, default=config.STORE_DB)
    parser.add_argument("--shopper", help="conversation (sender) id, for `profile`")
    args = parser.parse_args()
    if args.command == "profile":  # the agent's view of what the assistant remembers
        if not args.shopper:
            parser.error("profile needs --shopper")
        print(json.dumps(SqliteStore(args.db, args.data).profile(args.shopper), ensure_ascii=False, indent=2))
        return
    counts = load_store(args.data, args.db)
    print(f"loaded {args.db}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
