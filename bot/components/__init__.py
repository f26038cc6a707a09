"""Custom Rasa 3.6 graph components for the NLU pipeline."""
