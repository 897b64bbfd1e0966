"""Starts the Rasa server with the HTTP API enabled: ``python -m bot.server``.

Rasa takes its API token only as a command-line option, and a process's
command line is readable by every user of the machine (``ps``). So this entry
point reads the token from ``RASA_AUTH_TOKEN`` and hands Rasa's own CLI its
arguments in-process, where nobody else can see them.
"""
from __future__ import annotations

import sys

from bot.settings import BotSettings


def rasa_arguments(settings: BotSettings) -> list[str]:
    if not settings.auth_token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: refusing to expose the HTTP API without it.")
    return [
        "rasa", "run",
        "--enable-api",
        "--auth-token", settings.auth_token,
        "--port", str(settings.port),
        "--model", settings.model,
        "--endpoints", settings.endpoints,
        "--credentials", settings.credentials,
    ]  # fmt: skip


def main() -> None:
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_arguments(BotSettings.from_env())
    rasa_main()


if __name__ == "__main__":
    main()
