"""Routing: handoffs go to agents with the skills they need, within their capacity.

Agents have skills (languages, ISO 639-1 codes like ``en``, ``es``; topics
such as ``returns``, ``payments``, ``fraud``, ``safety``), a capacity (how
many handoffs they hold at once, offers included: 3 unless a supervisor
sets it) and a state they set in the desk: ``available``, ``away`` or
``offline``. A handoff needs its customer's language and the topics its
reasons and intents map to (:mod:`.topics`). Both are mandatory: an agent is
offered a handoff only with its language *and* every one of its topics
(a fraud case goes to someone trained for fraud, never to whoever is free).

With ``HANDOFF_AUTO_ASSIGN=true`` the :class:`~.router.Router` offers each
waiting handoff to one agent at a time (``HANDOFF_OFFER_TIMEOUT_S`` to
accept or decline); the store's locks keep everyone within capacity
(handoff.store.routing). Claiming by hand stays available; with routing on
it also respects capacity (409 past it), while a supervisor's transfer may
exceed it on purpose. Routing off, nothing changes: no offers, no notices,
claims unlimited.

The modules::

    router    Router: the background worker (offers, timeouts, notices)
    topics    the skills a handoff needs, and the reasons/intents -> topics table
    notices   what the customer is told when nobody with the skills is there
    queues    the queues per skill, for supervisors (GET /api/queues)
"""

from __future__ import annotations

from handoff.routing.queues import skill_queues
from handoff.routing.router import Router, RoutingPass
from handoff.routing.topics import TOPICS, language_of, topics_for

__all__ = ["TOPICS", "Router", "RoutingPass", "language_of", "skill_queues", "topics_for"]
