"""Clients for the services the actions use: the store backend and the knowledge service."""
