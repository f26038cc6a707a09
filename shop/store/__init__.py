"""The shop behind the assistant: the `StoreBackend` interface (`backend`), its embedded SQLite implementation
(`sqlite`, loaded by `loader`), and the one chosen by the STORE_BACKEND setting (`store()`)."""

from shop.store.chosen import store

__all__ = ["store"]
