"""Every conversation as structured data: what the customer wanted, how it went, how they felt.

What the package holds:

- ``handoff.insights.record``: :class:`ConversationRecord`, one session of
  one conversation (channel, times, contact reasons with FAQ topics in full,
  order numbers, the customer's sentiment and anger per message, the outcome
  (resolved, handed off, abandoned, opted out), the turn, fallback and
  rephrasing counts), with its JSON and CSV forms.
- ``handoff.insights.fold``: ``build_records``/``build_record``, a pure fold
  of Rasa's serialised events (the dicts of the tracker store's
  ``events.data`` column and of the event broker) into one record per
  session. No I/O and no Rasa, like :mod:`handoff.escalation`, whose anger
  detector it uses.
- ``handoff.insights.products``: the product catalogue
  (``products.yml``, or ``HANDOFF_PRODUCTS_FILE``) and its matcher, which
  finds the products a customer names in their messages, in linear time,
  for the records' ``products`` and the sentiment per product.
- ``handoff.insights.export``: records as CSV or JSON Lines, written as they
  come (bounded memory). The command that exports a tracker store's
  conversations is the trainers' ``python -m training.export_records``
  (``make export-records``): it reads Rasa's database with Rasa's URL rules
  and scrubs with the trainers' rules, neither of which the handoff service
  may import.
- ``handoff.insights.figures``: the supervisors' figures from any records,
  by period and channel: containment, handoff and abandonment rates, top
  contact reasons and their daily counts, the daily sentiment (overall and
  per product), customer
  satisfaction, and the sessions the bot got wrong (abandoned after a fallback, handed off after a
  rephrasing). Checked against a simulated week whose truth is known
  (``tests/handoff/insights/simulated_week.py``, 520 sessions).

- ``handoff.insights.keeper``: :class:`RecordKeeper`, the table of records
  (``conversation_records``) kept up to date from the live event stream:
  both broker consumers (handoff.broker) give it every event, it stores each
  once (``insight_events``), folds the conversation again when a turn ends,
  and joins in the handoff database's reason, wait and handle times.
- ``handoff.insights.backfill``: the conversations from before, read from
  Rasa's tracker store into the same keeper (``make backfill-records``).

The supervisors read the records through handoff.desk.insights (``GET
/api/insights``, the desk's *Insights* tab, the records' download).

- ``handoff.insights.outbox``: a finished record (and a later change of
  one) written to ``record_events`` in the transaction of its upsert, for
  the CRM's signed webhook (handoff.integrations.records).

A record also carries the customer's satisfaction survey (handoff.surveys)
and the SMS opt-out, both set by the channels outside any turn. Records and
their events are purged after ``HANDOFF_RETENTION_DAYS`` (handoff.retention).
"""
