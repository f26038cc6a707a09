"""Clients for the services the actions call over HTTP."""
