"""Channel settings, read from environment variables.

Secrets never live in credentials.yml: it only names the channels, and each
channel reads its settings here. A channel whose required settings are
missing is disabled with one log line, instead of stopping the server.

Each class reads its own prefix (``TWILIO_``, ``TELEGRAM_``, ``MESSENGER_``,
``CHANNELS_``) and the field's name, by plumbing.settings' rules; the few
variables named otherwise (``PUBLIC_URL``, ``SMS_HELP_TEXT``,
``CHANNELS_HTTP_TIMEOUT_S``) say so at their field. Tokens and secrets stay
out of ``repr``.

WhatsApp goes through the same Twilio account as SMS (``TWILIO_*``): its
sender is ``TWILIO_WHATSAPP_FROM``, its approved templates
``TWILIO_WHATSAPP_TEMPLATES`` (bot.channels.whatsapp_send says which is sent
when), and its buttons are made with Twilio's Content API at
``TWILIO_CONTENT_API_BASE_URL``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from plumbing.phones import E164, WHATSAPP_PREFIX
from plumbing.settings import Seconds, parse_base_url, read_env, setting

DEFAULT_DATABASE_URL = "sqlite:///var/channels.db"
TWILIO_API_BASE_URL = "https://api.twilio.com"
TWILIO_CONTENT_API_BASE_URL = "https://content.twilio.com"
# What a WhatsApp template is configured for (TWILIO_WHATSAPP_TEMPLATES' keys):
# ``agent_reply`` carries an agent's reply once the 24-hour window has closed;
# ``survey`` is reserved for a satisfaction survey's question (not sent yet).
WHATSAPP_TEMPLATE_NAMES = ("agent_reply", "survey")
# A Content resource's SID (Twilio's Content API: ^HX[0-9a-fA-F]{32}$).
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
# A messaging service's SID, which can stand for the sender (From).
MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
# TWILIO_WHATSAPP_TEMPLATES is a small JSON object: a few names, one SID each.
MAX_TEMPLATES_CHARS = 4096
TELEGRAM_API_BASE_URL = "https://api.telegram.org"
MESSENGER_API_BASE_URL = "https://graph.facebook.com"
MESSENGER_API_VERSION = "v21.0"
DEFAULT_SMS_HELP_TEXT = (
    "Northwind support: reply with your question, e.g. 'where is my order'. "
    "Reply STOP to opt out, START to opt back in. Msg&data rates may apply."
)
DEFAULT_TIMEOUT_S = 10.0
# The REST channel's cap on a customer's message, in characters, and the
# ceiling of every other channel's (which is its platform's own limit, see
# bot/channels/text.py). Longer messages are cut to it.
DEFAULT_MAX_MESSAGE_CHARS = 4096
# CHANNELS_MAX_MESSAGE_CHARS may not go beyond this, so that a setting cannot
# reopen what the cap closes: a turn's NLU runs on the server's event loop,
# in time that grows with the length (0.27 s at 16,384 characters on a
# 2-core machine), and every other conversation waits meanwhile.
MAX_MESSAGE_CHARS_CEILING = 16_384
# The largest request body a webhook reads, whatever SANIC_REQUEST_MAX_SIZE
# allows (bot/server.py sets that to the same 1 MiB by default): ten times
# more than any platform's single delivery needs.
MAX_WEBHOOK_BODY_BYTES = 1024 * 1024
# Per-sender rate limit of the inbox (bot/channels/rate_limit.py): a person
# types a few messages a minute, pastes split into a handful; beyond that a
# sender's messages wait in its queue, in order, and are processed at this
# rate. CHANNELS_RATE_PER_MINUTE=0 turns the limit off.
DEFAULT_RATE_PER_MINUTE = 20.0
DEFAULT_RATE_BURST = 10
# Beyond this many messages waiting for one sender, new ones are refused
# (recorded, not processed) and the sender is told once to slow down:
# ten minutes of messages at the default rate.
DEFAULT_MAX_QUEUED_PER_SENDER = 200
# Satisfaction surveys (bot.channels.surveys): how long a customer may answer
# the question, then how long after their score a reply is taken for a
# comment. Beyond these, a reply is an ordinary message for the bot.
DEFAULT_SURVEY_HOURS = 24.0
MAX_SURVEY_HOURS = 24.0 * 30
DEFAULT_SURVEY_COMMENT_MINUTES = 15.0
MAX_SURVEY_COMMENT_MINUTES = 24.0 * 60


@dataclass(frozen=True)
class _Configurable:
    def missing(self) -> list[str]:
        """Names of the required environment variables that are not set."""
        required = getattr(self, "REQUIRED", {})
        return [env for attr, env in required.items() if not getattr(self, attr)]


def parse_whatsapp_templates(value: str, variable: str) -> tuple[tuple[str, str], ...]:
    """``{"agent_reply": "HX...", ...}``: each name one of WHATSAPP_TEMPLATE_NAMES."""
    if len(value) > MAX_TEMPLATES_CHARS:
        raise ValueError(f"{variable} is longer than {MAX_TEMPLATES_CHARS} characters")
    try:
        templates = json.loads(value)
    except ValueError:
        raise ValueError(
            f'{variable} must be a JSON object such as {{"agent_reply": "HX..."}}'
        ) from None
    if not isinstance(templates, dict):
        raise ValueError(f'{variable} must be a JSON object such as {{"agent_reply": "HX..."}}')
    pairs = []
    for name, sid in templates.items():
        if name not in WHATSAPP_TEMPLATE_NAMES:
            raise ValueError(
                f"{variable}: unknown template name {name!r} "
                f"(known: {', '.join(WHATSAPP_TEMPLATE_NAMES)})"
            )
        if not isinstance(sid, str) or not CONTENT_SID.fullmatch(sid):
            raise ValueError(f"{variable}: {name} must be a Content SID (HX and 32 hex digits)")
        pairs.append((name, sid))
    return tuple(sorted(pairs))


def parse_whatsapp_sender(value: str, variable: str) -> str:
    """``whatsapp:+14155238886``, ``+14155238886`` (prefixed here) or a messaging service SID."""
    sender = value.strip()
    if MESSAGING_SERVICE_SID.fullmatch(sender):
        return sender
    number = sender.removeprefix(WHATSAPP_PREFIX)
    if not E164.fullmatch(number):
        raise ValueError(
            f"{variable} must be a WhatsApp sender such as whatsapp:+14155238886 "
            f"or a messaging service SID (MG...), not {value!r}"
        )
    return WHATSAPP_PREFIX + number


@dataclass(frozen=True)
class TwilioSettings(_Configurable):
    REQUIRED = {
        "account_sid": "TWILIO_ACCOUNT_SID",
        "auth_token": "TWILIO_AUTH_TOKEN",
        "from_number": "TWILIO_FROM_NUMBER",
    }
    account_sid: str = ""
    auth_token: str = field(default="", repr=False)
    # The E.164 number (or messaging service SID, "MG...") replies are sent from.
    from_number: str = ""
    api_base_url: str = setting(TWILIO_API_BASE_URL, parse=parse_base_url)
    help_text: str = setting(DEFAULT_SMS_HELP_TEXT, env="SMS_HELP_TEXT")
    # WhatsApp (bot.channels.whatsapp): the sender, "whatsapp:+E.164" or "MG...";
    # without it the WhatsApp channel is disabled, SMS is not affected.
    whatsapp_from: str = setting("", parse=parse_whatsapp_sender)
    # Approved templates by purpose, (name, Content SID) pairs: a tuple, so that
    # the settings stay hashable. Read with whatsapp_template().
    whatsapp_templates: tuple[tuple[str, str], ...] = setting((), parse=parse_whatsapp_templates)
    content_api_base_url: str = setting(TWILIO_CONTENT_API_BASE_URL, parse=parse_base_url)

    def whatsapp_template(self, name: str) -> str | None:
        """The Content SID configured for ``name`` (WHATSAPP_TEMPLATE_NAMES), or None."""
        return dict(self.whatsapp_templates).get(name)

    def whatsapp_missing(self) -> list[str]:
        """What the WhatsApp channel needs and does not have (not TWILIO_FROM_NUMBER)."""
        needed = {
            "account_sid": "TWILIO_ACCOUNT_SID",
            "auth_token": "TWILIO_AUTH_TOKEN",
            "whatsapp_from": "TWILIO_WHATSAPP_FROM",
        }
        return [env for attr, env in needed.items() if not getattr(self, attr)]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TwilioSettings:
        return read_env(cls, environ, prefix="TWILIO_")


@dataclass(frozen=True)
class TelegramSettings(_Configurable):
    REQUIRED = {"bot_token": "TELEGRAM_BOT_TOKEN", "secret_token": "TELEGRAM_SECRET_TOKEN"}
    bot_token: str = field(default="", repr=False)
    # Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; set with setWebhook.
    secret_token: str = field(default="", repr=False)
    api_base_url: str = setting(TELEGRAM_API_BASE_URL, parse=parse_base_url)
    # Answer in groups too, not only in private chats.
    allow_groups: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramSettings:
        return read_env(cls, environ, prefix="TELEGRAM_")


@dataclass(frozen=True)
class MessengerSettings(_Configurable):
    REQUIRED = {
        "page_access_token": "MESSENGER_PAGE_ACCESS_TOKEN",
        "app_secret": "MESSENGER_APP_SECRET",
        "verify_token": "MESSENGER_VERIFY_TOKEN",
    }
    page_access_token: str = field(default="", repr=False)
    app_secret: str = field(default="", repr=False)
    verify_token: str = field(default="", repr=False)
    api_base_url: str = setting(MESSENGER_API_BASE_URL, parse=parse_base_url)
    api_version: str = MESSENGER_API_VERSION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MessengerSettings:
        return read_env(cls, environ, prefix="MESSENGER_")


@dataclass(frozen=True)
class ChannelSettings:
    # The address the outside world reaches the Rasa server at, e.g.
    # https://bot.example.com; Twilio signs the URL it called, which behind a
    # reverse proxy is not the one the server sees.
    public_url: str = setting("", env="PUBLIC_URL", parse=parse_base_url)
    database_url: str = DEFAULT_DATABASE_URL
    timeout_s: Seconds = setting(DEFAULT_TIMEOUT_S, env="CHANNELS_HTTP_TIMEOUT_S")
    # CHANNELS_MAX_MESSAGE_CHARS: see DEFAULT_MAX_MESSAGE_CHARS.
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    # CHANNELS_RATE_PER_MINUTE, CHANNELS_RATE_BURST, CHANNELS_MAX_QUEUED_PER_SENDER:
    # see DEFAULT_RATE_PER_MINUTE.
    rate_per_minute: float = DEFAULT_RATE_PER_MINUTE
    rate_burst: int = DEFAULT_RATE_BURST
    max_queued_per_sender: int = DEFAULT_MAX_QUEUED_PER_SENDER
    # CHANNELS_SURVEY_HOURS, CHANNELS_SURVEY_COMMENT_MINUTES: see DEFAULT_SURVEY_HOURS.
    survey_hours: float = DEFAULT_SURVEY_HOURS
    survey_comment_minutes: float = DEFAULT_SURVEY_COMMENT_MINUTES
    twilio: TwilioSettings = TwilioSettings()
    telegram: TelegramSettings = TelegramSettings()
    messenger: MessengerSettings = MessengerSettings()

    def __post_init__(self) -> None:
        if not 1 <= self.max_message_chars <= MAX_MESSAGE_CHARS_CEILING:
            raise ValueError(
                f"CHANNELS_MAX_MESSAGE_CHARS must be between 1 and {MAX_MESSAGE_CHARS_CEILING}, "
                f"not {self.max_message_chars}"
            )
        if self.rate_per_minute < 0:
            raise ValueError(
                f"CHANNELS_RATE_PER_MINUTE must be 0 (no limit) or more, not {self.rate_per_minute}"
            )
        if self.rate_burst < 1:
            raise ValueError(f"CHANNELS_RATE_BURST must be at least 1, not {self.rate_burst}")
        if self.max_queued_per_sender < 1:
            raise ValueError(
                "CHANNELS_MAX_QUEUED_PER_SENDER must be at least 1, "
                f"not {self.max_queued_per_sender}"
            )
        if not 0 < self.survey_hours <= MAX_SURVEY_HOURS:
            raise ValueError(
                f"CHANNELS_SURVEY_HOURS must be more than 0 and at most {MAX_SURVEY_HOURS:g}, "
                f"not {self.survey_hours:g}"
            )
        if not 0 < self.survey_comment_minutes <= MAX_SURVEY_COMMENT_MINUTES:
            raise ValueError(
                "CHANNELS_SURVEY_COMMENT_MINUTES must be more than 0 and at most "
                f"{MAX_SURVEY_COMMENT_MINUTES:g}, not {self.survey_comment_minutes:g}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ChannelSettings:
        return read_env(
            cls,
            environ,
            prefix="CHANNELS_",
            twilio=TwilioSettings.from_env(environ),
            telegram=TelegramSettings.from_env(environ),
            messenger=MessengerSettings.from_env(environ),
        )
