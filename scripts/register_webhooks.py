"""``make register-webhooks``: tell Telegram and Meta where to deliver, once per deployment.

    python -m scripts.register_webhooks [telegram|messenger|all]

- Telegram: ``setWebhook`` with ``PUBLIC_URL`` + /webhooks/telegram/webhook
  and the secret token Telegram then sends back in every request (the
  channel rejects requests without it).
- Messenger: subscribes the page to the app's webhook fields (messages,
  postbacks, deliveries, reads, echoes). The callback URL and verify token
  themselves are set once in the Meta app dashboard (Webhooks product).

Settings come from the same environment variables as the channels
(``bot.channels.settings``). Every setting is checked before anything is
sent, so a missing one registers nothing. Exit status: 0 when every channel
asked for was registered, 1 otherwise, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.settings import ChannelSettings

TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram/webhook"
MESSENGER_WEBHOOK_PATH = "/webhooks/messenger/webhook"
TELEGRAM_ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
MESSENGER_SUBSCRIBED_FIELDS = (
    "messages",
    "messaging_postbacks",
    "message_deliveries",
    "message_reads",
    "message_echoes",
)
# What Telegram accepts as a secret_token: 1-256 of A-Z, a-z, 0-9, _ and -.
TELEGRAM_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
CHANNELS = ("telegram", "messenger")


class RegistrationError(Exception):
    """A channel could not be registered; the message says why and what to do."""


def telegram_problems(settings: ChannelSettings) -> list[str]:
    problems = [f"{name} is not set" for name in settings.telegram.missing()]
    if not settings.public_url:
        problems.append("PUBLIC_URL is not set (the https address Telegram should call)")
    elif not settings.public_url.startswith("https://"):
        problems.append(f"PUBLIC_URL must be an https:// URL for Telegram: {settings.public_url}")
    secret = settings.telegram.secret_token
    if secret and not TELEGRAM_SECRET_TOKEN_RE.fullmatch(secret):
        problems.append("TELEGRAM_SECRET_TOKEN may only hold A-Z, a-z, 0-9, _ and - (at most 256)")
    return problems


def messenger_problems(settings: ChannelSettings) -> list[str]:
    return [f"{name} is not set" for name in settings.messenger.missing()]


async def register_telegram(settings: ChannelSettings) -> str:
    """setWebhook; what was done, or RegistrationError."""
    telegram = settings.telegram
    url = settings.public_url + TELEGRAM_WEBHOOK_PATH
    timeout = settings.timeout_s
    bot = Bot(
        telegram.bot_token,
        base_url=telegram.api_base_url + "/bot",
        request=HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout),
    )
    try:
        async with bot:  # getMe first: a wrong token fails here, with a clear error
            await bot.set_webhook(
                url=url,
                secret_token=telegram.secret_token,
                allowed_updates=list(TELEGRAM_ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
            username = bot.username
    except InvalidToken as error:
        # PTB's message quotes the token; the name of the setting is enough.
        raise RegistrationError("Telegram rejected TELEGRAM_BOT_TOKEN (getMe failed)") from error
    except BadRequest as error:  # a NetworkError subclass in PTB, but an answer
        raise RegistrationError(f"Telegram refused setWebhook: {error.message}") from error
    except NetworkError as error:  # includes TimedOut
        raise RegistrationError(
            f"Telegram: could not reach {telegram.api_base_url}: {error.message}"
        ) from error
    except TelegramError as error:
        raise RegistrationError(f"Telegram refused setWebhook: {error.message}") from error
    return (
        f"telegram: @{username} delivers {', '.join(TELEGRAM_ALLOWED_UPDATES)} to {url}"
        " (with the secret token)"
    )


async def register_messenger(settings: ChannelSettings) -> str:
    """Subscribe the page to the webhook fields; what was done, or RegistrationError."""
    messenger = settings.messenger
    endpoint = f"{messenger.api_base_url}/{messenger.api_version}/me/subscribed_apps"
    fields = ",".join(MESSENGER_SUBSCRIBED_FIELDS)
    try:
        async with httpx.AsyncClient(timeout=settings.timeout_s) as client:
            # The token goes in the body, not the URL, so it stays out of access logs.
            response = await client.post(
                endpoint,
                data={"subscribed_fields": fields, "access_token": messenger.page_access_token},
            )
    except httpx.HTTPError as error:
        raise RegistrationError(f"Messenger: could not reach {endpoint}: {error!r}") from error
    body = _json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("success") is True:
        done = f"messenger: the page is subscribed to {fields}"
        if settings.public_url:
            done += (
                f"; the app's callback URL should be {settings.public_url}{MESSENGER_WEBHOOK_PATH}"
            )
        return done
    raise RegistrationError(
        f"Messenger refused the subscription (HTTP {response.status_code}): {_graph_error(body)}"
    )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _graph_error(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        code = f" (code {error['code']})" if "code" in error else ""
        return f"{error['message']}{code}"
    return "unexpected answer: " + repr(body)[:200]


async def register(
    channels: Sequence[str],
    settings: ChannelSettings,
    report: Callable[[str], None] = print,
) -> None:
    """Check every channel's settings, then register each, reporting what was done."""
    problems = {"telegram": telegram_problems, "messenger": messenger_problems}
    found = [f"{channel}: {p}" for channel in channels for p in problems[channel](settings)]
    if found:
        raise RegistrationError("nothing registered:\n  " + "\n  ".join(found))
    registrations = {"telegram": register_telegram, "messenger": register_messenger}
    for channel in channels:
        report(await registrations[channel](settings))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.register_webhooks",
        description="Register the Telegram webhook and the Messenger page subscription.",
    )
    parser.add_argument(
        "channel",
        nargs="?",
        default="all",
        choices=[*CHANNELS, "all"],
        help="what to register (default: all); settings come from the environment",
    )
    args = parser.parse_args(argv)
    channels = list(CHANNELS) if args.channel == "all" else [args.channel]
    try:
        settings = ChannelSettings.from_env(environ)
    except ValueError as error:  # a number that is not one (CHANNELS_HTTP_TIMEOUT_S)
        print(f"error: invalid setting: {error}", file=sys.stderr)
        return 1
    try:
        asyncio.run(register(channels, settings))
    except RegistrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
