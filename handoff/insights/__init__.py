"""Every conversation as structured data: what the customer wanted, how it went, how they felt.

What the package holds:

- ``handoff.insights.record``: :class:`ConversationRecord` and
  ``build_records``/``build_record``, a pure fold of Rasa's serialised
  events (the dicts of the tracker store's ``events.data`` column and of the
  event broker) into one record per session: channel, times, contact
  reasons (FAQ topics in full), order numbers, the customer's sentiment and
  anger message by message, the outcome (resolved, handed off, abandoned,
  opted out) and the turn, fallback and rephrasing counts. No I/O and no
  Rasa, like :mod:`handoff.escalation`, whose anger detector it uses.
- ``handoff.insights.export``: records as CSV or JSON Lines, written as they
  come (bounded memory). The command that exports a tracker store's
  conversations is the trainers' ``python -m training.export_records``
  (``make export-records``): it reads Rasa's database with Rasa's URL rules
  and scrubs with the trainers' rules, neither of which the handoff service
  may import.

Planned, reusing the record as it is:

- a table of records kept up to date from the live event stream
  (``handoff.broker`` already consumes it): ``build_records`` again over a
  conversation's events as they arrive; a record is final once its session
  is followed by another or has been quiet ``quiet_s``;
- the figures the handoff database knows (handoff reason, wait and handle
  times) filled into the fields left for them, and the customer's identity
  (``customer_id``) from the channel;
- a supervisors' insights page over that table (contact reasons, outcomes,
  sentiment), and its CSV download through ``handoff.insights.export``;
- CSAT surveys and CRM webhooks sending ``ConversationRecord.to_json()``.
"""
