"""Plumbing shared by every process (Rasa server, action server, handoff service).

Rasa-free and free of our other packages: ``bot``, ``actions`` and ``handoff``
may import it, it imports none of them (an import contract in pyproject.toml).

- ``db``: SQLAlchemy engines, one builder with a named profile per use
- ``settings``: settings dataclasses read from the environment, one rule per type
- ``backoff``: the delay before a retry, one formula
- ``worker``: a background task that runs a step again and again
- ``clock``: the current time, as the databases store it
- ``untrusted``: parsers of values from outside (JSON, ids, numbers, times)
- ``http_logs``: keeping secrets out of HTTP client logs
- ``rasa_events``: reading Rasa's SQL tracker store (its ``events`` table) without Rasa
"""
