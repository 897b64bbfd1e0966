"""Starts the Rasa server with the HTTP API enabled: ``python -m bot.server``.

Rasa takes its API token only as a command-line option, and a process's
command line is readable by every user of the machine (``ps``). So this entry
point reads the token from ``RASA_AUTH_TOKEN`` and hands Rasa's own CLI its
arguments in-process, where nobody else can see them.

It also sets what Rasa's defaults leave open: the server listens on
``RASA_INTERFACE`` (default 127.0.0.1, where Rasa would take every interface),
and Sanic reads request bodies of at most ``SANIC_REQUEST_MAX_SIZE`` bytes
(default here 1 MiB, where Sanic's is 100 MB).
"""
from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

from bot.channels.settings import ChannelSettings
from bot.settings import BotSettings
from plumbing.log_masking import install_log_masking
from plumbing.logs import JSON, configure_logging, log_format
from plumbing.settings import SettingsError

# Sanic reads SANIC_* variables into its config when Rasa creates the app. The
# largest body any route we use takes is a webhook delivery (well under 1 MiB,
# see bot/channels/settings.py; the handoff service's replies to customers,
# bot/channels/internal.py, at most 128 KiB); Rasa's API routes we call (PUT /model with a
# path, tracker events, execute) take a few KB. POST /model/train takes the
# training data itself: raise this to use it.
REQUEST_MAX_SIZE_VARIABLE = "SANIC_REQUEST_MAX_SIZE"
DEFAULT_REQUEST_MAX_SIZE = 1024 * 1024


def rasa_arguments(settings: BotSettings) -> list[str]:
    if not settings.auth_token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: refusing to expose the HTTP API without it.")
    return [
        "rasa", "run",
        "--enable-api",
        # One argument: a token may begin with "-" (1 in 64 of
        # secrets.token_urlsafe's), which would be read as an option.
        f"--auth-token={settings.auth_token}",
        "--interface", settings.interface,
        "--port", str(settings.port),
        "--model", settings.model,
        "--endpoints", settings.endpoints,
        "--credentials", settings.credentials,
    ]  # fmt: skip


def set_sanic_defaults(environ: MutableMapping[str, str]) -> None:
    """Sanic's limits where the environment does not set them."""
    # Blank counts as unset: Sanic would keep "" as the limit, and fail on every request.
    if not environ.get(REQUEST_MAX_SIZE_VARIABLE, "").strip():
        environ[REQUEST_MAX_SIZE_VARIABLE] = str(DEFAULT_REQUEST_MAX_SIZE)


def channel_secrets(channels: ChannelSettings) -> list[str]:
    """The channels' tokens and secrets: never to appear in a log line."""
    return [
        channels.twilio.auth_token,
        channels.telegram.bot_token,
        channels.telegram.secret_token,
        channels.messenger.page_access_token,
        channels.messenger.app_secret,
        channels.messenger.verify_token,
    ]


def main() -> None:
    from rasa.__main__ import main as rasa_main

    settings = BotSettings.from_env()
    # LOG_FORMAT (plumbing.logs), checked before Rasa starts. Rasa's command line
    # then installs its colored handler; the metrics channel (bot.channels.metrics)
    # puts the JSON one back when the server starts.
    try:
        if log_format() == JSON:
            configure_logging()
    except SettingsError as error:
        raise SystemExit(f"rasa server: {error}") from None
    try:
        channels = ChannelSettings.from_env()
    except ValueError as error:
        raise SystemExit(f"rasa server: {error}") from None
    # Phone numbers and these secrets masked in every log line, Rasa's too
    # (plumbing.log_masking): a traceback of a failed Telegram call names
    # its URL, and the URL holds the bot token.
    install_log_masking([*channel_secrets(channels), settings.auth_token])
    # Rasa's RabbitMQ broker logs a whole event (the customer's text and
    # phone number) when publishing it fails: the event's type only
    # (bot.stores.broker).
    from bot.stores.broker import hide_events_in_pika_logs

    hide_events_in_pika_logs()
    sys.argv = rasa_arguments(settings)
    set_sanic_defaults(os.environ)
    # Rasa's cost per message (bot.rasa_patches).
    from bot.rasa_patches import install as install_rasa_patches

    install_rasa_patches()
    # A tracker store's error fails the turn, which the channel keeps for
    # another try, instead of Rasa's silent fallback (bot.stores.no_fallback).
    from bot.stores.no_fallback import install as install_no_fallback

    install_no_fallback()
    rasa_main()


if __name__ == "__main__":
    main()
