"""Rasa's SQL tracker store and event broker, without their per-event round trips.

Named in endpoints.yml and endpoints.production.yml by their module paths.
"""
