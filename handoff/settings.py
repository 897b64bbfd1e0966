"""Settings of the handoff service, read from ``HANDOFF_*`` environment variables.

- ``HANDOFF_HOST`` / ``HANDOFF_PORT``: where the service listens (127.0.0.1:5080).
- ``HANDOFF_DATABASE_URL``: SQLAlchemy URL of the handoff database
  (``sqlite:///var/handoff.db``; PostgreSQL in production).
- ``HANDOFF_ADMIN_TOKEN``: the bearer token of the bot's outbox and of
  operators; the service refuses to start without it (the launcher generates
  one when it is unset).
- ``HANDOFF_PICKUP_TIMEOUT_S``: how long a handoff may wait unclaimed before
  the customer is told and supervisors are alerted (300).
- ``HANDOFF_BUSINESS_HOURS`` / ``HANDOFF_TIMEZONE``: when agents are there,
  e.g. ``"Mon-Fri 09:00-18:00, Sat 10:00-14:00"`` in ``"Europe/Berlin"``;
  empty or ``24/7`` means always. See :class:`BusinessHours`.
- ``HANDOFF_AVERAGE_HANDLE_S``: average time an agent spends on one handoff,
  for the expected-wait estimate given to the customer (300).
- ``HANDOFF_BROKER``: where customer messages sent during a handoff come from
  (handoff.broker): ``sql`` (Rasa's SQL event broker, the default),
  ``rabbitmq`` (Rasa's ``pika`` broker, endpoints.production.yml) or ``none``.
- ``HANDOFF_BROKER_URL``: SQLAlchemy URL of the SQL broker's database
  (``sqlite:///var/events.db``, the ``event_broker`` of endpoints.yml).
- ``HANDOFF_BROKER_POLL_S``: how often the broker's table is polled (0.2).
- ``HANDOFF_RABBITMQ_URL``: the RabbitMQ broker, ``amqp://user:password@host:5672/vhost``
  (``amqps://`` for TLS; ``amqp://guest:guest@127.0.0.1:5672/``); a secret,
  logged without its password.
- ``HANDOFF_RABBITMQ_QUEUE`` / ``HANDOFF_RABBITMQ_EXCHANGE``: the durable
  queue the service consumes and the fanout exchange Rasa publishes to
  (``rasa_production_events`` / ``rasa-exchange``: the ``queues`` and
  ``exchange_name`` of Rasa's ``event_broker``). The queue is bound to the
  exchange, so events wait in it while the service is down; nothing else may
  consume it (give other consumers their own queue).
- ``RASA_URL`` / ``RASA_AUTH_TOKEN``: the Rasa server's HTTP API
  (``http://127.0.0.1:5005``; the token of ``rasa run --auth-token``), used to
  give a closed handoff's conversation back to the bot.
- ``HANDOFF_DELIVERY_TOKEN``: the secret of the Rasa server's internal route
  (``POST $RASA_URL/internal/deliveries``, bot.channels.internal), which
  sends agents' replies on the customer's channel; the Rasa server needs the
  same value. Unset: no reply can be delivered (``make run`` generates one).
- ``HANDOFF_RETENTION_DAYS``: closed handoffs, their transcripts and the
  conversation records older than this many days are purged every hour
  (handoff.retention); 0, the default, keeps everything.
- ``HANDOFF_CSAT_AFTER_HANDOFF`` (true) / ``HANDOFF_CSAT_AFTER_BOT`` (false):
  ask the customer's satisfaction in their channel after a closed handoff,
  and after a session the bot resolved (handoff.surveys).
  ``HANDOFF_CSAT_DELAY_S`` (30): how long after the close;
  ``HANDOFF_CSAT_MIN_GAP_S`` (86400): at most one survey per conversation in
  this long; ``HANDOFF_CSAT_REOPEN_AT_OR_BELOW`` (0, never): a handoff's
  survey scored this low or lower puts the customer back in the queue.
- ``HANDOFF_AUTO_ASSIGN`` (false): offer each waiting handoff to the best
  available agent with its skills (handoff.routing); claiming by hand stays.
  ``HANDOFF_OFFER_TIMEOUT_S`` (60): how long an agent has to accept an offer
  before it goes to the next one.
- ``HANDOFF_ACTIONS_URL``: the action server (``http://127.0.0.1:5055``),
  asked for its stores' share of a customer's export or erasure
  (``POST /privacy``, handoff.privacy) with ``HANDOFF_ADMIN_TOKEN``.
- ``HANDOFF_PRODUCTS_FILE``: the product catalogue (YAML, product name to
  aliases) the conversation records' products are found with
  (handoff.insights.products); unset, the demo shop's
  (``handoff/insights/products.yml``). Read and checked at start-up.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.escalation import EscalationSettings
from handoff.insights.products import parse_products_file
from plumbing.settings import Seconds, SettingsError, one_of, parse_base_url, read_env, setting

ENV_PREFIX = "HANDOFF_"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5080
DEFAULT_DATABASE_URL = "sqlite:///var/handoff.db"
DEFAULT_PICKUP_TIMEOUT_S = 300.0
DEFAULT_AVERAGE_HANDLE_S = 300.0
DEFAULT_TIMEZONE = "UTC"
DEFAULT_BROKER = "sql"
BROKERS = ("sql", "rabbitmq", "none")
DEFAULT_BROKER_URL = "sqlite:///var/events.db"
DEFAULT_BROKER_POLL_S = 0.2
# How often open handoffs' transcripts are compared with Rasa's trackers
# (handoff.reconcile); 0 turns it off.
DEFAULT_RECONCILE_S = 30.0
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
# What Rasa's PikaEventBroker uses with endpoints.production.yml.
DEFAULT_RABBITMQ_QUEUE = "rasa_production_events"
DEFAULT_RABBITMQ_EXCHANGE = "rasa-exchange"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_ACTIONS_URL = "http://127.0.0.1:5055"
# 0 keeps everything (handoff.retention). The cap (a century) keeps "now minus
# the period" a date Python can hold: past it, every purge would fail.
DEFAULT_RETENTION_DAYS = 0
MAX_RETENTION_DAYS = 36500
DEFAULT_CSAT_DELAY_S = 30.0
DEFAULT_CSAT_MIN_GAP_S = 86400.0
DEFAULT_OFFER_TIMEOUT_S = 60.0

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = ("", "24/7", "always")

_SPAN = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)


def _minutes(clock: str, spec: str) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"invalid time {clock!r} in business hours {spec!r}")
    return hours * 60 + minutes


@dataclass(frozen=True)
class OpeningSpan:
    """Open on ``weekdays`` (0 = Monday) from ``start`` to ``end``, minutes after midnight."""

    weekdays: frozenset[int]
    start: int
    end: int


@dataclass(frozen=True)
class BusinessHours:
    """Weekly opening hours in one time zone; no spans means always open.

    The format is comma- or semicolon-separated spans ``Day[-Day] HH:MM-HH:MM``
    (``Mon-Fri 09:00-18:00, Sat 10:00-14:00``); ``24:00`` ends a day. A span
    does not cross midnight: write a night shift as two spans.
    """

    spans: tuple[OpeningSpan, ...] = ()
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def parse(cls, spec: str, timezone: str = DEFAULT_TIMEZONE) -> BusinessHours:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        if spec.strip().lower() in ALWAYS_OPEN:
            return cls((), timezone)
        spans = []
        for part in re.split(r"[,;]", spec):
            match = _SPAN.match(" ".join(part.lower().split()))
            if match is None:
                raise ValueError(
                    f"invalid business hours {part.strip()!r}: expected e.g. 'Mon-Fri 09:00-18:00'"
                )
            first, last = match["first"], match["last"] or match["first"]
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(f"unknown weekday in business hours {part.strip()!r}")
            start, end = _minutes(match["start"], spec), _minutes(match["end"], spec)
            if end <= start:
                raise ValueError(
                    f"business hours {part.strip()!r} end before they start; "
                    "split a span that crosses midnight in two"
                )
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            # "Fri-Mon" wraps around the weekend.
            days = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            spans.append(OpeningSpan(frozenset(days), start, end))
        return cls(tuple(spans), timezone)

    @property
    def always_open(self) -> bool:
        return not self.spans

    def _local(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)  # naive times are UTC, as in the store
        return now.astimezone(self.zone)

    def is_open(self, now: dt.datetime) -> bool:
        if self.always_open:
            return True
        local = self._local(now)
        minute = local.hour * 60 + local.minute
        return any(
            local.weekday() in span.weekdays and span.start <= minute < span.end
            for span in self.spans
        )

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """When agents are next there (aware, in UTC); None if open now."""
        if self.is_open(now):
            return None
        local = self._local(now)
        for days_ahead in range(8):
            day = local.date() + dt.timedelta(days=days_ahead)
            starts = sorted(span.start for span in self.spans if day.weekday() in span.weekdays)
            for start in starts:
                opening = dt.datetime.combine(
                    day, dt.time(start // 60, start % 60), tzinfo=self.zone
                )
                if opening > local:
                    return opening.astimezone(dt.timezone.utc)
        raise AssertionError("a week always contains an opening when spans exist")


def _amqp_url(value: str, variable: str) -> str:
    url = value.strip()
    # The message quotes nothing of the URL: it carries a password.
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("amqp", "amqps") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number
        valid = False
    if not valid:
        raise ValueError(
            f"{variable} must be an amqp:// or amqps:// URL with a host, "
            "e.g. amqp://user:password@rabbitmq:5672/"
        )
    return url


def _business_hours(environ: Mapping[str, str] | None) -> BusinessHours:
    """HANDOFF_BUSINESS_HOURS in HANDOFF_TIMEZONE: one value read from two variables."""
    env = os.environ if environ is None else environ
    timezone = env.get("HANDOFF_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"HANDOFF_TIMEZONE must be a time zone such as Europe/Berlin, not {timezone!r}"
        ) from None
    try:
        return BusinessHours.parse(env.get("HANDOFF_BUSINESS_HOURS", ""), timezone)
    except ValueError as error:
        raise SettingsError(f"HANDOFF_BUSINESS_HOURS: {error}") from None


@dataclass(frozen=True)
class HandoffSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    database_url: str = DEFAULT_DATABASE_URL
    admin_token: str = field(default="", repr=False)  # a secret: never in logs
    pickup_timeout_s: Seconds = DEFAULT_PICKUP_TIMEOUT_S
    # From HANDOFF_BUSINESS_HOURS and HANDOFF_TIMEZONE (see _business_hours).
    business_hours: BusinessHours = BusinessHours()
    average_handle_s: Seconds = DEFAULT_AVERAGE_HANDLE_S
    broker: str = setting(DEFAULT_BROKER, parse=one_of(*BROKERS))
    broker_url: str = DEFAULT_BROKER_URL
    broker_poll_s: Seconds = DEFAULT_BROKER_POLL_S
    # Holds a password: out of repr and error messages.
    rabbitmq_url: str = setting(DEFAULT_RABBITMQ_URL, parse=_amqp_url, secret=True)
    rabbitmq_queue: str = DEFAULT_RABBITMQ_QUEUE
    rabbitmq_exchange: str = DEFAULT_RABBITMQ_EXCHANGE
    rasa_url: str = setting(DEFAULT_RASA_URL, env="RASA_URL", parse=parse_base_url)
    rasa_auth_token: str = setting("", env="RASA_AUTH_TOKEN", secret=True)  # a secret too
    delivery_token: str = setting("", secret=True)  # HANDOFF_DELIVERY_TOKEN, a secret too
    reconcile_s: Seconds = DEFAULT_RECONCILE_S
    retention_days: int = DEFAULT_RETENTION_DAYS
    # The records' download (handoff.desk.insights) hashes ids that hold
    # personal data, by plumbing.scrub's rules; false: ids as they are (a CRM
    # that joins records to its customers by phone number).
    export_scrub: bool = True
    # Customer-satisfaction surveys (handoff.surveys): after a closed handoff
    # (on), after a session the bot resolved (off), how long after the close,
    # at most one per conversation in this long, and the score at or below
    # which a handoff is opened again (0: never).
    csat_after_handoff: bool = True
    csat_after_bot: bool = False
    csat_delay_s: Seconds = DEFAULT_CSAT_DELAY_S
    csat_min_gap_s: Seconds = DEFAULT_CSAT_MIN_GAP_S
    csat_reopen_at_or_below: int = 0
    # Routing (handoff.routing): auto-assignment, off by default, and how long
    # an offer waits for the agent's answer.
    auto_assign: bool = False
    # A customer message that takes back a request still waiting in the queue
    # ("ya lo encontré, olvídalo") closes it and gives the conversation back to
    # the bot (handoff.withdrawal), unless the escalation rules, read from the same
    # HANDOFF_* variables as the Rasa policy reads them, find a reason in it.
    customer_withdrawal: bool = True
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    offer_timeout_s: Seconds = DEFAULT_OFFER_TIMEOUT_S
    actions_url: str = setting(DEFAULT_ACTIONS_URL, parse=parse_base_url)
    # The records' product catalogue (handoff.insights.products), checked when
    # read; None: the one shipped with the service.
    products_file: Path | None = setting(None, parse=parse_products_file)

    def __post_init__(self) -> None:
        # Checked here rather than in from_env, so that settings built in code
        # (tests, another launcher) cannot skip the checks.
        if not 0 < self.port < 65536:
            raise ValueError(f"HANDOFF_PORT must be between 1 and 65535, not {self.port}")
        if self.broker not in BROKERS:
            raise ValueError(
                f"HANDOFF_BROKER must be one of {', '.join(BROKERS)}, not {self.broker!r}"
            )
        if not 0 <= self.csat_reopen_at_or_below <= 5:
            raise ValueError(
                "HANDOFF_CSAT_REOPEN_AT_OR_BELOW must be a score from 0 (never reopen) "
                f"to 5, not {self.csat_reopen_at_or_below}"
            )
        if not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ValueError(
                "HANDOFF_RETENTION_DAYS must be a number of days from 0 (keep everything) "
                f"to {MAX_RETENTION_DAYS}, not {self.retention_days}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HandoffSettings:
        """Each field from ``HANDOFF_`` + its name (``HANDOFF_PORT``), or the variable it names."""
        return read_env(
            cls,
            environ,
            prefix=ENV_PREFIX,
            business_hours=_business_hours(environ),
            escalation=EscalationSettings.from_env(environ),
        )
