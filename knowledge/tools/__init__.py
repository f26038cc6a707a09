"""Operator tools that run next to the service, not in it."""
