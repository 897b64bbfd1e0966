"""The action server: rasa-sdk's app, plus the handoff outbox's forwarder from start-up.

rasa-sdk's own ``python -m rasa_sdk`` offers no start-up hook for our code
(its plugin hook needs an installed package with an entry point), so this
module builds the same app with ``rasa_sdk.endpoint.create_app`` and adds
listeners: the forwarder delivers what the outbox holds as soon as the
server is up (escalations written before a crash or while the handoff
service was down), and is kicked again every ``KICK_EVERY_S`` seconds, so
one that stopped on an error resumes without waiting for the next
escalation.

    python -m actions.server --port 5055     (ACTIONS_HOST, default 127.0.0.1)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic

from actions.handoff import shared_sender
from actions.handoff_outbox import HandoffSender

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
KICK_EVERY_S = 30.0


async def keep_forwarding(sender: HandoffSender, every_s: float = KICK_EVERY_S) -> None:
    """Kick the forwarder now and every ``every_s`` seconds (a no-op while it runs)."""
    while True:
        sender.kick()
        await asyncio.sleep(every_s)


def create_app(sender: HandoffSender | None = None, every_s: float = KICK_EVERY_S) -> Sanic:
    app = create_sdk_app("actions")

    @app.after_server_start
    async def start_forwarding(app: Sanic, _loop: Any) -> None:
        app.ctx.sender = sender or shared_sender()
        app.ctx.forwarding = asyncio.create_task(
            keep_forwarding(app.ctx.sender, every_s), name="handoff-outbox-keeper"
        )

    @app.before_server_stop
    async def stop_forwarding(app: Sanic, _loop: Any) -> None:
        app.ctx.forwarding.cancel()
        try:
            await app.ctx.forwarding
        except asyncio.CancelledError:
            pass  # the cancellation asked for just above
        await app.ctx.sender.close()

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host = os.environ.get("ACTIONS_HOST", "").strip() or DEFAULT_HOST
    create_app().run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
