"""Pure shop-domain code that every service may import: money, identifiers, language, numbers, store settings,
the card-copy templates and fact check, and the copy experiment (bandit and event store).

It imports nothing of ours (only the standard library and PyYAML), so `actions/`, `knowledge/` and `connectors/`
can all sit on top of it without importing each other. `make lint` enforces this (import-linter, `.importlinter`).
"""
