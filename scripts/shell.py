"""``make shell``: chat with the bot in the terminal.

Talks to the REST channel of a running ``make run``; if none is running, starts
the services for the length of the chat. Uses Rasa's own console client, so
buttons are shown as a menu. ``SHELL_SENDER`` chooses who you are (default
``demo-alice``, a sample customer the backend can identify).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from rasa.core.channels.console import record_messages

from scripts.run import Service, environment, running, services


def main() -> int:
    env, _ = environment()
    sender = os.environ.get("SHELL_SENDER", "demo-alice")
    server_url = f"http://127.0.0.1:{env['RASA_PORT']}"
    already_up = Service("Rasa server", [], f"{server_url}/").healthy()
    if not already_up:
        print("Starting the assistant for this chat (takes a few seconds)...", file=sys.stderr)
    with contextlib.nullcontext() if already_up else running(services(env), env):
        try:
            asyncio.run(record_messages(sender_id=sender, server_url=server_url))
        except KeyboardInterrupt:
            pass  # Ctrl-C is how people leave a chat; leaving the block stops what we started.
    return 0


if __name__ == "__main__":
    sys.exit(main())
