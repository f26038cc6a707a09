"""Shopper-facing web chat page that talks to Rasa's socket.io channel."""
