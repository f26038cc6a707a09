"""The one place the action server reads its environment."""

import os
from pathlib import Path

from shop.settings import StoreSettings, store_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Which StoreBackend the actions use: "sqlite" (embedded) or "package.module:ClassName" (actions/store/chosen.py).
STORE_BACKEND = os.environ.get("STORE_BACKEND", "sqlite").strip()
# SQLite file holding orders, customers, products, returns and tickets.
STORE_DB = Path(os.environ.get("STORE_DB", PROJECT_ROOT / "data" / "store.db"))
# Operator-editable store files (store.yml, catalog.jsonl, policies/).
STORE_DATA_DIR = Path(os.environ.get("STORE_DATA_DIR", PROJECT_ROOT / "data" / "store"))
# The store's name and currency, from its store.yml.
STORE: StoreSettings = store_settings(STORE_DATA_DIR / "store.yml")
# The knowledge service (retrieval-augmented answers).
KNOWLEDGE_URL = os.environ.get("KNOWLEDGE_URL", "http://127.0.0.1:8000")
KNOWLEDGE_TIMEOUT_S = float(os.environ.get("KNOWLEDGE_TIMEOUT_S", "60"))
# Copy experiment (actions/card_copy.py): which marketing line a conversation's product cards lead with.
# SQLite file of variant assignments and card impressions/clicks; the web chat records into the same file.
COPY_EVENTS_DB = Path(os.environ.get("COPY_EVENTS_DB", PROJECT_ROOT / "data" / "copy_events.db"))
# "bandit" (Thompson sampling over recorded clicks) or "ab" (uniform random); sticky per conversation either way.
COPY_POLICY = os.environ.get("COPY_POLICY", "bandit").strip().lower()
# Operator-reviewed copy lines (written by `python -m knowledge copy`, copied here after review).
COPY_FILE = Path(os.environ.get("COPY_FILE", STORE_DATA_DIR / "copy.jsonl"))
