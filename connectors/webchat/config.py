"""The one place the web chat reads its environment."""

import os
from pathlib import Path

from shop.settings import StoreSettings, store_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Operator-editable store files: the page shows the store's name from store.yml.
STORE_DATA_DIR = Path(os.environ.get("STORE_DATA_DIR", PROJECT_ROOT / "data" / "store"))
# The copy experiment's event store: the page records impressions and clicks; the action server assigns variants.
COPY_EVENTS_DB = Path(os.environ.get("COPY_EVENTS_DB", PROJECT_ROOT / "data" / "copy_events.db"))
# Where shoppers' browsers reach Rasa's socket.io, when that is not the URL this server was given (a proxy, a
# public host name). Taken from configuration only, never from a request's Host header.
PUBLIC_RASA_URL = os.environ.get("WEBCHAT_PUBLIC_RASA_URL", "").strip()
# End-of-conversation ratings (1-5 and a comment), reported by `make report-conversations`.
CONVERSATION_RATINGS_DB = Path(os.environ.get("CONVERSATION_RATINGS_DB",
                                              PROJECT_ROOT / "data" / "conversation_ratings.db"))
# Store sites allowed to frame the chat page (the widget's panel, issue 14): CSP sources separated by spaces, e.g.
# "https://shop.example https://*.shop.example". The chat server's own origin ('self') is always allowed.
FRAME_ANCESTORS = os.environ.get("WEBCHAT_FRAME_ANCESTORS", "").split()


def store() -> StoreSettings:
    """The store's name (and currency) as store.yml says."""
    return store_settings(STORE_DATA_DIR / "store.yml")
