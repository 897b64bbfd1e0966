"""Dialogue policies of our own, used in config.yml next to Rasa's.

    escalation.py  EscalationPolicy: hands the conversation to a person
                   (action_handoff) when handoff.escalation says so
"""
