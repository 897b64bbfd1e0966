"""Settings of the contact-center adapters, read from ``HANDOFF_*`` environment variables.

- ``HANDOFF_INTEGRATIONS``: the adapters to run, comma-separated: ``webhook``,
  ``zendesk``. Empty (the default): only the built-in desk.
- ``HANDOFF_WEBHOOK_URL`` / ``HANDOFF_WEBHOOK_SECRET``: where the generic
  webhook posts events, and the shared secret that signs them both ways
  (at least 16 characters).
- ``HANDOFF_RECORDS_WEBHOOK_URL`` / ``HANDOFF_RECORDS_WEBHOOK_SECRET``: where
  the CRM webhook (handoff.integrations.records) posts each finished
  conversation record, and the secret that signs it (at least 16
  characters). Set the URL to turn it on; it needs no name in
  ``HANDOFF_INTEGRATIONS``, and is separate from the generic webhook: a
  contact center is never sent a record.
- ``HANDOFF_ZENDESK_URL``: ``https://<subdomain>.zendesk.com``;
  ``HANDOFF_ZENDESK_EMAIL`` / ``HANDOFF_ZENDESK_API_TOKEN``: the API user
  (an agent) and its API token; ``HANDOFF_ZENDESK_WEBHOOK_SECRET``: the signing
  secret of the Zendesk webhook that calls us back.
- Delivery: ``HANDOFF_INTEGRATION_RETRY_BASE_S`` (1) and
  ``HANDOFF_INTEGRATION_RETRY_MAX_S`` (300): the first retry delay, doubled at
  each failure up to the maximum; ``HANDOFF_INTEGRATION_GIVE_UP_AFTER_S``
  (259200, three days): how long an event is retried before it is
  dead-lettered; ``HANDOFF_INTEGRATION_TIMEOUT_S`` (10): the HTTP timeout;
  ``HANDOFF_INTEGRATION_POLL_S`` (1): how often the journal is read when no
  change announced itself; ``HANDOFF_INTEGRATION_CONCURRENCY`` (4): how many
  conversations are delivered at once per adapter.
- ``HANDOFF_REDACT``: the personal numbers taken out of the transcripts and
  messages the adapters send (handoff.integrations.redaction): any of
  ``cards``, ``iban``, ``ssn``, ``cvv``, comma-separated; ``all`` (the
  default) or ``off``.

A secret is never shown by ``repr``. Anything wrong for an enabled adapter is
a ValueError naming the variable, raised at start-up. Durations and numbers
are read by plumbing.settings' rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from handoff.models import RECORDS_WEBHOOK as RECORDS_WEBHOOK
from plumbing.redaction import KINDS, parse_kinds
from plumbing.settings import Seconds, parse_base_url, parse_words, read_env, setting

ENV_PREFIX = "HANDOFF_"

WEBHOOK = "webhook"
ZENDESK = "zendesk"
ADAPTERS = (WEBHOOK, ZENDESK)
# Not among them: the CRM webhook (RECORDS_WEBHOOK), which its URL turns on.

DEFAULT_RETRY_BASE_S = 1.0
DEFAULT_RETRY_MAX_S = 300.0
DEFAULT_GIVE_UP_AFTER_S = 3 * 24 * 3600.0
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_POLL_S = 1.0
DEFAULT_CONCURRENCY = 4
# Shorter secrets can be guessed offline from one signed request.
MIN_SECRET_LENGTH = 16


def _adapter_names(value: str, variable: str) -> tuple[str, ...]:
    return tuple(name.lower() for name in parse_words(value, variable))


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL, not {url!r}")


@dataclass(frozen=True)
class IntegrationSettings:
    adapters: tuple[str, ...] = setting((), env="HANDOFF_INTEGRATIONS", parse=_adapter_names)
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    records_webhook_url: str = ""
    records_webhook_secret: str = field(default="", repr=False)
    zendesk_url: str = setting("", parse=parse_base_url)
    zendesk_email: str = ""
    zendesk_api_token: str = field(default="", repr=False)
    zendesk_webhook_secret: str = field(default="", repr=False)
    retry_base_s: Seconds = setting(DEFAULT_RETRY_BASE_S, env="HANDOFF_INTEGRATION_RETRY_BASE_S")
    retry_max_s: Seconds = setting(DEFAULT_RETRY_MAX_S, env="HANDOFF_INTEGRATION_RETRY_MAX_S")
    give_up_after_s: Seconds = setting(
        DEFAULT_GIVE_UP_AFTER_S, env="HANDOFF_INTEGRATION_GIVE_UP_AFTER_S"
    )
    timeout_s: Seconds = setting(DEFAULT_TIMEOUT_S, env="HANDOFF_INTEGRATION_TIMEOUT_S")
    poll_s: Seconds = setting(DEFAULT_POLL_S, env="HANDOFF_INTEGRATION_POLL_S")
    concurrency: int = setting(DEFAULT_CONCURRENCY, env="HANDOFF_INTEGRATION_CONCURRENCY")
    # What leaves the system without card numbers and the like: see above.
    redact: tuple[str, ...] = setting(KINDS, env="HANDOFF_REDACT", parse=parse_kinds)

    def __post_init__(self) -> None:
        # Checked here rather than in from_env, so settings built in code
        # (tests, another launcher) cannot skip the checks.
        unknown = [name for name in self.adapters if name not in ADAPTERS]
        if unknown:
            hint = (
                " (the CRM webhook is turned on by HANDOFF_RECORDS_WEBHOOK_URL)"
                if unknown[0] == RECORDS_WEBHOOK
                else ""
            )
            raise ValueError(
                f"HANDOFF_INTEGRATIONS: unknown adapter {unknown[0]!r}; "
                f"choose from {', '.join(ADAPTERS)}{hint}"
            )
        if len(set(self.adapters)) != len(self.adapters):
            raise ValueError("HANDOFF_INTEGRATIONS names an adapter twice")
        if WEBHOOK in self.adapters:
            if not self.webhook_url:
                raise ValueError("HANDOFF_WEBHOOK_URL is required by the webhook adapter")
            _check_url("HANDOFF_WEBHOOK_URL", self.webhook_url)
            if len(self.webhook_secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    "HANDOFF_WEBHOOK_SECRET is required by the webhook adapter "
                    f"(at least {MIN_SECRET_LENGTH} characters)"
                )
        if self.records_webhook_url:
            _check_url("HANDOFF_RECORDS_WEBHOOK_URL", self.records_webhook_url)
            if len(self.records_webhook_secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    "HANDOFF_RECORDS_WEBHOOK_SECRET is required by the CRM webhook "
                    f"(at least {MIN_SECRET_LENGTH} characters)"
                )
        if ZENDESK in self.adapters:
            for name, value in (
                ("HANDOFF_ZENDESK_URL", self.zendesk_url),
                ("HANDOFF_ZENDESK_EMAIL", self.zendesk_email),
                ("HANDOFF_ZENDESK_API_TOKEN", self.zendesk_api_token),
                ("HANDOFF_ZENDESK_WEBHOOK_SECRET", self.zendesk_webhook_secret),
            ):
                if not value:
                    raise ValueError(f"{name} is required by the zendesk adapter")
            _check_url("HANDOFF_ZENDESK_URL", self.zendesk_url)
            if "@" not in self.zendesk_email:
                raise ValueError("HANDOFF_ZENDESK_EMAIL must be the API user's email address")
        for name, number in (
            ("HANDOFF_INTEGRATION_RETRY_BASE_S", self.retry_base_s),
            ("HANDOFF_INTEGRATION_RETRY_MAX_S", self.retry_max_s),
            ("HANDOFF_INTEGRATION_GIVE_UP_AFTER_S", self.give_up_after_s),
            ("HANDOFF_INTEGRATION_TIMEOUT_S", self.timeout_s),
            ("HANDOFF_INTEGRATION_POLL_S", self.poll_s),
        ):
            if not 0 < number < float("inf"):
                raise ValueError(f"{name} must be a positive number, not {number!r}")
        if self.retry_max_s < self.retry_base_s:
            raise ValueError(
                "HANDOFF_INTEGRATION_RETRY_MAX_S must not be below HANDOFF_INTEGRATION_RETRY_BASE_S"
            )
        if self.concurrency < 1:
            raise ValueError("HANDOFF_INTEGRATION_CONCURRENCY must be a positive integer")

    @property
    def running(self) -> tuple[str, ...]:
        """The adapters to run: ``HANDOFF_INTEGRATIONS``, and the CRM webhook if its URL is set."""
        return (*self.adapters, RECORDS_WEBHOOK) if self.records_webhook_url else self.adapters

    @property
    def enabled(self) -> bool:
        return bool(self.running)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IntegrationSettings:
        """Each field from ``HANDOFF_`` + its name, or the variable it names."""
        return read_env(cls, environ, prefix=ENV_PREFIX)
