"""Handing a conversation over from the bot to a person.

The package is split by concern, so that a reader can follow a conversation
from "should a person take over?" to "which agent sees it, and where":

- ``handoff.escalation``: the rules that decide when to escalate (an explicit
  request, anger, a conversation the bot cannot resolve, a sensitive matter),
  how urgent the escalation is, and why. Pure decision logic: no I/O, no Rasa.
  The only part of ``handoff`` that ``bot`` and ``actions`` import, and it
  imports no other part: import contracts in pyproject.toml (``make lint``).

- ``handoff.settings``: the service's ``HANDOFF_*`` settings, business hours.
- ``handoff.models`` / ``handoff.migrations`` / ``handoff.migrate``: the tables
  (handoffs, transcripts, agents) and their Alembic migrations.
- ``handoff.store``: storage and the queue; idempotent creates and appends,
  atomic claims.
- ``handoff.events``: the change journal read live: the server-sent event
  stream's reader, and the hub that wakes the journal's readers.
- ``handoff.service``: the JSON API and event stream (sanic), with bearer-token
  auth; ``python -m handoff.service``. ``handoff/openapi.yaml`` describes it
  (served at ``/api/openapi.json`` by ``handoff.openapi``). Its routes are in
  ``handoff.routes`` (handoffs, agents, events, public); what they share is
  ``handoff.context`` (the app's typed context), ``handoff.bodies`` (request
  bodies as typed models) and ``handoff.errors`` (every error with its answer).
- ``handoff.inputs``: what callers send, read without a 500 (on top of
  plumbing.untrusted): JSON bodies, ids, limits, times, storable text.
- ``handoff.agents``: ``python -m handoff.agents create NAME`` prints a token.
- ``handoff.broker``: customer messages sent during a handoff (the bot is
  paused), read from Rasa's event broker into the transcript: ``sql`` (Rasa's
  SQL event broker) or ``rabbitmq`` (production), on what ``events`` shares.
- ``handoff.rasa_client``: Rasa's HTTP API; closing a handoff resumes the bot.
- ``handoff.operations``: what an agent does (reply, close), whichever surface
  they work in.
- ``handoff.catch_up``: a handoff created late gets the messages sent meanwhile.
- ``handoff.pickup``: handoffs nobody claims in time; the customer is told.
- ``handoff.auth``: bearer tokens and desk sessions, roles.
- ``handoff.desk``: the agents' web desk at ``/desk``; ``handoff.stats`` its
  supervisor figures.
- ``handoff.integrations``: adapters into a contact center's own tools
  (a signed generic webhook, Zendesk), fed by the store's change journal.
- ``handoff.insights``: a conversation as one structured record (contact
  reasons, order numbers, sentiment, outcome), folded from Rasa's events;
  ``make export-records`` writes them from a tracker store.
"""
