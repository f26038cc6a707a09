"""Offline retrieval-augmented answering for the store: ingestion, hybrid retrieval, grounded generation."""
