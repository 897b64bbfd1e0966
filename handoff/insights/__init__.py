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
- ``handoff.insights.figures``: the supervisors' figures from any records,
  by period and channel: containment, handoff and abandonment rates, top
  contact reasons and their daily counts, the daily sentiment, and the
  sessions the bot got wrong (abandoned after a fallback, handed off after a
  rephrasing). Checked against a simulated week whose truth is known
  (``tests/handoff/insights/simulated_week.py``, 520 sessions).

Planned, reusing the record as it is:

- a table of records kept up to date from the live event stream
  (``handoff.broker`` already consumes it): ``build_records`` again over a
  conversation's events as they arrive; a record is final once its session
  is followed by another or has been quiet ``quiet_s``;
- the figures the handoff database knows (handoff reason, wait and handle
  times) filled into the fields left for them, and the customer's identity
  (``customer_id``) from the channel;
- a supervisors' insights page and JSON API over that table, showing
  ``figures``, and its CSV download through ``handoff.insights.export``;
- CSAT surveys and CRM webhooks sending ``ConversationRecord.to_json()``.
"""
