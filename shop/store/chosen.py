"""The store backend the actions use, chosen by the STORE_BACKEND setting and built once."""

from __future__ import annotations

import importlib
from functools import lru_cache

from shop.store import config
from shop.store.backend import StoreBackend


@lru_cache(maxsize=1)
def store() -> StoreBackend:
    """The configured backend: "sqlite" (the embedded default) or "package.module:ClassName" for a shop platform,
    whose class is built as `ClassName(db_path, data_dir)` from STORE_DB and STORE_DATA_DIR."""
    choice = config.STORE_BACKEND
    if choice == "sqlite":
        from shop.store.sqlite import SqliteStore

        return SqliteStore(config.STORE_DB, config.STORE_DATA_DIR)
    module_name, _, class_name = choice.partition(":")
    if not module_name or not class_name:
        raise ValueError(f'STORE_BACKEND={choice!r}: use "sqlite" or "package.module:ClassName"')
    backend = getattr(importlib.import_module(module_name), class_name)(config.STORE_DB, config.STORE_DATA_DIR)
    if not isinstance(backend, StoreBackend):
        raise TypeError(f"STORE_BACKEND={choice!r} is not a StoreBackend")
    return backend
