"""Plumbing shared by every process (Rasa server, action server, handoff service).

Rasa-free and free of our other packages: ``bot``, ``actions`` and ``handoff``
may import it, it imports none of them.
"""
