"""The one place the desk reads its environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DESK_DATA_DIR", PROJECT_ROOT / "data"))

HOST = os.environ.get("DESK_HOST", "127.0.0.1")
PORT = int(os.environ.get("DESK_PORT", "8090"))
# SQLite by default; any SQLAlchemy URL (postgresql+psycopg://...) runs the same code.
DATABASE_URL = os.environ.get("DESK_DATABASE_URL", f"sqlite:///{DATA_DIR / 'desk.db'}")
RASA_URL = os.environ.get("RASA_URL", f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}").rstrip("/")
# Rasa's HTTP API token (RASA_TOKEN, else the owner-only file `make run` shares with Rasa; see shop/secrets.py).
RASA_TOKEN_FILE = Path(os.environ.get("RASA_TOKEN_FILE", DATA_DIR / ".rasa-token"))
KNOWLEDGE_URL = os.environ.get("KNOWLEDGE_URL", "http://127.0.0.1:8000").rstrip("/")
# Rasa's SQL event broker (bot/endpoints.yml) writes every conversation event here; the desk reads it.
EVENTS_DATABASE_URL = os.environ.get("EVENTS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'events.db'}")
# The scale-out profile (bot/endpoints.scale.yml): Rasa publishes to RabbitMQ instead, and the desk consumes the queue
# EVENTS_QUEUE at DESK_EVENTS (amqp://user:password@host:5672/), which then replaces the table above.
EVENTS_URL = os.environ.get("DESK_EVENTS") or EVENTS_DATABASE_URL
EVENTS_QUEUE = os.environ.get("EVENTS_QUEUE", "tidepool_desk_events")
STORE_DATA_DIR = Path(os.environ.get("STORE_DATA_DIR", PROJECT_ROOT / "data" / "store"))
# "store.yml" (the store's opening hours), "always" or "never": tests and demos pin the answer.
OPEN_HOURS = os.environ.get("DESK_OPEN_HOURS", "store.yml").strip().lower()
# Shared with the action server, which files handoffs through the desk's service API.
SERVICE_TOKEN_FILE = Path(os.environ.get("DESK_SERVICE_TOKEN_FILE", DATA_DIR / ".desk-service-token"))
SECRET_KEY_FILE = Path(os.environ.get("DESK_SECRET_KEY_FILE", DATA_DIR / ".desk-secret-key"))
SECURE_COOKIES = os.environ.get("DESK_SECURE_COOKIES", "0") == "1"
# Sign-in attempts allowed per e-mail and per client address in LOGIN_WINDOW_S, before 429.
LOGIN_ATTEMPTS = int(os.environ.get("DESK_LOGIN_ATTEMPTS", "5"))
LOGIN_WINDOW_S = float(os.environ.get("DESK_LOGIN_WINDOW_S", "300"))
# An agent whose desk page has not been connected for this long is offline.
ONLINE_GRACE_S = float(os.environ.get("DESK_ONLINE_GRACE_S", "20"))
FEED_POLL_S = float(os.environ.get("DESK_FEED_POLL_S", "0.2"))
