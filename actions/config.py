"""The one place the action server reads its environment."""

import os
from pathlib import Path

from shop.settings import StoreSettings, store_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Where the store lives (backend, database, store files): shared with every service that reads the store.
from shop.store.config import STORE_BACKEND, STORE_DATA_DIR, STORE_DB  # noqa: E402,F401
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
# The agent desk, where a handoff waits for a person (desk/); its service token is shared through this file
# unless DESK_SERVICE_TOKEN is set (shop/secrets.py).
DESK_URL = os.environ.get("DESK_URL", "http://127.0.0.1:8090").rstrip("/")
DESK_SERVICE_TOKEN_FILE = Path(os.environ.get("DESK_SERVICE_TOKEN_FILE", PROJECT_ROOT / "data" / ".desk-service-token"))
DESK_TIMEOUT_S = float(os.environ.get("DESK_TIMEOUT_S", "5"))
# The action server answers only Rasa: the shared token Rasa sends with every call (bot/endpoints.yml), from the
# environment or an owner-only file both read (shop/secrets.py); loopback unless ACTION_HOST says otherwise.
ACTION_TOKEN_FILE = Path(os.environ.get("ACTION_TOKEN_FILE", PROJECT_ROOT / "data" / ".action-token"))
ACTION_HOST = os.environ.get("ACTION_HOST", "127.0.0.1")
