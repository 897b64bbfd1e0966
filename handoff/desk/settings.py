"""Settings of the agent desk, read from ``HANDOFF_DESK_*`` environment variables.

- ``HANDOFF_DESK_SESSION_IDLE_S``: a desk session ends after this long without
  a request (3600, one hour).
- ``HANDOFF_DESK_SESSION_MAX_S``: and this long after sign-in, whatever the
  activity (43200, twelve hours: one shift).
- ``HANDOFF_DESK_COOKIE_SECURE``: ``true`` adds ``Secure`` to the session
  cookie; set it wherever the desk is served over HTTPS (false by default,
  because the service listens on plain HTTP at 127.0.0.1 unless a proxy
  terminates TLS in front of it).
- ``HANDOFF_DESK_SLA_AMBER_S`` / ``HANDOFF_DESK_SLA_RED_S``: how long a handoff
  may wait in the queue before its timer turns amber (120) and red (300).
- ``HANDOFF_DESK_CANNED_RESPONSES``: a YAML or JSON file of canned responses
  (default: ``handoff/desk/canned_responses.yml``; see handoff.desk.canned).
- ``HANDOFF_DESK_TRUSTED_ORIGINS``: comma-separated origins
  (``https://desk.example.com``) that may send state-changing requests
  besides the one the request itself names in its ``Host`` header; for a
  reverse proxy that rewrites ``Host``.
- ``HANDOFF_DESK_MASK``: the personal numbers people see masked in
  transcripts, handoffs and the event stream (handoff.desk.masking; the
  card ending 4242 stays readable): any of ``cards``, ``iban``, ``ssn``,
  ``cvv``, comma-separated; ``all`` (the default) or ``off``. What is stored
  and what the adapters send do not change (``HANDOFF_REDACT`` is theirs).
- ``HANDOFF_DESK_REVIEW_INBOX``: the trainers' review inbox the desk's review
  page reads (handoff.desk.review), as ``make review`` writes it; a relative
  path is under the project's root (default ``reports/review/inbox.yml``,
  where ``make review`` writes unless ``TRAINING_REPORTS_DIR`` moves it).

Durations and the flag are read by plumbing.settings' rules (which lists the
spellings of true and false); a wrong value is a ValueError naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from plumbing.redaction import KINDS, parse_kinds
from plumbing.settings import Seconds, parse_words, read_env, setting

ENV_PREFIX = "HANDOFF_DESK_"

DEFAULT_SESSION_IDLE_S = 3600.0
DEFAULT_SESSION_MAX_S = 12 * 3600.0
DEFAULT_SLA_AMBER_S = 120.0
DEFAULT_SLA_RED_S = 300.0
DEFAULT_CANNED_RESPONSES = Path(__file__).resolve().parent / "canned_responses.yml"
# The project's root: where `make review` writes (training.settings has the same root).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REVIEW_INBOX = PROJECT_ROOT / "reports" / "review" / "inbox.yml"


def _origins(value: str, name: str) -> tuple[str, ...]:
    origins = []
    for part in parse_words(value, name):
        origin = part.rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(f"{name}: {origin!r} is not an origin like https://desk.example.com")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


def _under_root(value: str, name: str) -> Path:
    # Relative to the project, not to wherever the service was started from.
    return PROJECT_ROOT / value.strip()


@dataclass(frozen=True)
class DeskSettings:
    session_idle_s: Seconds = DEFAULT_SESSION_IDLE_S
    session_max_s: Seconds = DEFAULT_SESSION_MAX_S
    cookie_secure: bool = False
    sla_amber_s: Seconds = DEFAULT_SLA_AMBER_S
    sla_red_s: Seconds = DEFAULT_SLA_RED_S
    canned_responses_path: Path = setting(
        DEFAULT_CANNED_RESPONSES, env="HANDOFF_DESK_CANNED_RESPONSES"
    )
    trusted_origins: tuple[str, ...] = setting((), parse=_origins)
    mask: tuple[str, ...] = setting(KINDS, parse=parse_kinds)
    review_inbox: Path = setting(DEFAULT_REVIEW_INBOX, parse=_under_root)

    def __post_init__(self) -> None:
        if self.sla_red_s <= self.sla_amber_s:
            raise ValueError(
                "HANDOFF_DESK_SLA_RED_S must be longer than HANDOFF_DESK_SLA_AMBER_S "
                f"({self.sla_red_s:g} <= {self.sla_amber_s:g})"
            )
        if self.session_max_s < self.session_idle_s:
            raise ValueError(
                "HANDOFF_DESK_SESSION_MAX_S must be at least HANDOFF_DESK_SESSION_IDLE_S "
                f"({self.session_max_s:g} < {self.session_idle_s:g})"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeskSettings:
        """Each field from ``HANDOFF_DESK_`` + its name, or the variable it names."""
        return read_env(cls, environ, prefix=ENV_PREFIX)
