"""The action server: custom actions the Rasa assistant calls over HTTP.

Actions reach the company's systems only through :mod:`actions.backend`.
"""
