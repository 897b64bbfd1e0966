"""The handoff service's own routes, one module per thing they serve (the desk's
and the adapters' are in handoff.desk and handoff.integrations)::

    public    GET  /health, GET /api/openapi.json      no credentials
    handoffs  /api/handoffs...                          the queue, a handoff's lifecycle
    agents    POST /api/agents, /api/agents/..., /api/queues
                                                        agents, their routing profiles, queues
    events    GET  /api/events                          the live event stream (server-sent)
    customers /api/handoffs/<id>/history, /api/customers/links/...
                                                        one customer across channels
    privacy   POST /api/privacy/export, /api/privacy/erase  admin: one customer's data

Each module's handlers are plain functions at module level; its
:func:`blueprint` registers them on a new blueprint (Sanic binds a blueprint
to its apps, and tests make many apps). Handlers reach the service's parts
through :func:`handoff.context.context_of`, the caller through
:func:`handoff.auth.caller`, and read bodies with :func:`handoff.bodies.parse_body`;
what goes wrong, they raise (handoff.errors), and the service's one error
handler answers.
"""

from __future__ import annotations

from sanic import Blueprint

from handoff.routes import agents, customers, events, handoffs, privacy, public


def blueprints() -> list[Blueprint]:
    """New blueprints for every route of the service's own."""
    return [
        public.blueprint(),
        handoffs.blueprint(),
        agents.blueprint(),
        events.blueprint(),
        customers.blueprint(),
        privacy.blueprint(),
    ]
