"""Rasa-side Python: the server entry point, and later channels, NLU components, policies."""
