"""The store backend the actions use, built once from config."""

from functools import lru_cache

from actions import config
from actions.api.sqlite_store import SqliteStore
from actions.api.store import StoreBackend


@lru_cache(maxsize=1)
def store() -> StoreBackend:
    return SqliteStore(config.STORE_DB, config.STORE_DATA_DIR)
