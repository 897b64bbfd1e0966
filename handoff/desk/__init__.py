"""The agent desk: a web page, served by the handoff service at ``/desk``, where
agents and supervisors work the queue of handoffs.

- ``settings``: ``DeskSettings.from_env()`` (``HANDOFF_DESK_*``).
- ``passwords``: scrypt hashes of desk passwords (stdlib; why, in the module).
- ``accounts``: sign-in and server-side sessions on the handoff database.
- ``throttle``: in-memory backoff of failed sign-ins per name and per IP.
- ``canned`` / ``canned_responses.yml``: ready-made replies, per language.
- ``window``: when WhatsApp's 24-hour window closes (``window_closes_at``).
- ``channels``: each channel's reply length limit, with its source.
- ``masking``: card numbers and the like masked in what people read
  (``HANDOFF_DESK_MASK``); the service's handoff routes and event stream use it.
- ``review``: the trainers' review inbox (``make review``), read-only, for
  supervisors (``/desk/review.html``, ``GET /api/review``);
- ``routes``: the page, sign-in/out and the JSON the page needs;
  ``parts``: what they share on the service's context (handoff.context).
- ``static/``: the page itself: plain HTML, JavaScript modules (``desk.js``;
  ``routing.js``, the agent's status, offers and queues; ``i18n.js``, every
  word of the interface in English and Spanish), one stylesheet; no framework
  and no build step (and the review page, its own HTML and module on the same
  stylesheet and words).

The page talks to the same JSON API as every other client (handoff.service),
authenticated by the session cookie (handoff.auth checks it, and the CSRF
token on every change), and follows the live event stream (``/api/events``)
with an EventSource. Wire it with :func:`install`::

    app = create_app(settings)
    install(app, DeskSettings.from_env())
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from handoff.context import context_of
from handoff.desk.accounts import AccountStore
from handoff.desk.canned import load_canned_responses
from handoff.desk.parts import DeskParts, load_assets
from handoff.desk.review import page_assets
from handoff.desk.routes import blueprint
from handoff.desk.settings import DeskSettings

__all__ = ["DeskSettings", "install"]


def install(app: Sanic, settings: DeskSettings) -> None:
    """Add the desk to a handoff service app made by ``handoff.service.create_app``.

    Reads the canned responses and the page's files now, so that a broken
    file stops the service at start. The session store is made when the
    server starts, on the handoff store's engine (opened by the service's
    own listener, which runs first).
    """
    ctx = context_of(app)  # TypeError for an app create_app did not make
    if ctx.desk is not None:
        raise RuntimeError("the desk is already installed on this app")
    assets = {**load_assets(), **page_assets()}
    desk = DeskParts(settings, load_canned_responses(settings.canned_responses_path), assets)
    ctx.desk = desk
    app.blueprint(blueprint())

    async def open_accounts(_app: Sanic, _loop: Any) -> None:
        desk.sessions = AccountStore(
            ctx.store.engine,
            session_idle_s=settings.session_idle_s,
            session_max_s=settings.session_max_s,
            trusted_origins=settings.trusted_origins,
        )

    app.register_listener(open_accounts, "before_server_start")
