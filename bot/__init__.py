"""Rasa-side Python: NLU components loaded by config.yml (run inside the Rasa server, .venv-rasa)."""
