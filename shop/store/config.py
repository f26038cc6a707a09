"""Where the store lives, from the environment: which backend, its database, and the operator's store files."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

# Which StoreBackend to use: "sqlite" (embedded) or "package.module:ClassName" (shop/store/chosen.py).
STORE_BACKEND = os.environ.get("STORE_BACKEND", "sqlite").strip()
# SQLite file holding orders, customers, products, returns and tickets.
STORE_DB = Path(os.environ.get("STORE_DB", PROJECT_ROOT / "data" / "store.db"))
# Operator-editable store files (store.yml, catalog.jsonl, policies/).
STORE_DATA_DIR = Path(os.environ.get("STORE_DATA_DIR", PROJECT_ROOT / "data" / "store"))
