"""Clients of the outside services the actions call, one module per service.

    handoff.py  the handoff service: create a handoff (POST /api/handoffs)
"""
