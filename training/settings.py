"""Settings of the trainers' tools, read from the environment.

The tools reach the same things as the running assistant, so they read the
same variables: ``RASA_URL``/``RASA_PORT``, ``RASA_AUTH_TOKEN``, ``RASA_MODEL``
and ``RASA_ENDPOINTS`` (whose ``tracker_store`` is where the conversations
are). ``TRAINING_TRACKER_URL`` overrides the latter with any SQLAlchemy URL
(a copy of the production database, say), and ``TRAINING_REPORTS_DIR`` moves
the reports.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from plumbing.settings import parse_whole_number

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_URL = "sqlite:///var/tracker.db"
TOKEN_FILE = Path("var/rasa_auth_token")


@dataclass(frozen=True)
class TrainingSettings:
    root: Path = ROOT
    rasa_url: str = "http://127.0.0.1:5005"
    # Rasa's HTTP API token, for `make reload`; empty when none is known.
    auth_token: str = ""
    model: Path = ROOT / "models" / "retail-bot.tar.gz"
    tracker_url: str = DEFAULT_TRACKER_URL
    reports_dir: Path = ROOT / "reports"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, root: Path = ROOT
    ) -> TrainingSettings:
        env = os.environ if environ is None else environ
        # By plumbing.settings' rule for numbers, so a wrong value names its variable.
        port = parse_whole_number(env.get("RASA_PORT") or "5005", "RASA_PORT")
        token = env.get("RASA_AUTH_TOKEN", "")
        token_file = root / TOKEN_FILE
        if not token and token_file.exists():
            # The token `make run` generated for the embedded default.
            token = token_file.read_text().strip()
        endpoints = root / env.get("RASA_ENDPOINTS", "endpoints.yml")
        return cls(
            root=root,
            rasa_url=env.get("RASA_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            auth_token=token,
            model=root / env.get("RASA_MODEL", "models/retail-bot.tar.gz"),
            tracker_url=env.get("TRAINING_TRACKER_URL") or tracker_url_from(endpoints, root, env),
            reports_dir=root / env.get("TRAINING_REPORTS_DIR", "reports"),
        )


def tracker_url_from(endpoints: Path, root: Path, environ: Mapping[str, str]) -> str:
    """The SQLAlchemy URL of the SQL tracker store configured in ``endpoints``.

    Only the ``tracker_store`` section is read (Rasa's reader would insist on
    every ``${VAR}`` of the file, the action server's URL included), and
    Rasa's own URL builder makes the URL, so that this is the database the
    server writes to, whatever the dialect, host or credentials.
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from ruamel.yaml import YAML

    if not endpoints.exists():
        return DEFAULT_TRACKER_URL
    # "base": no implicit tags, since rasa registers one that expands ${VARS}.
    section = (YAML(typ="base").load(endpoints.read_text()) or {}).get("tracker_store") or {}
    config = {key: expand(value, environ) for key, value in section.items()}
    if str(config.get("type", "")).lower() != "sql":
        return DEFAULT_TRACKER_URL
    dialect = str(config.get("dialect", "sqlite"))
    db = str(config.get("db", "rasa.db"))
    if dialect == "sqlite" and not Path(db).is_absolute():
        # The server runs from the project root; these tools may not.
        db = str(root / db)
    url = SQLTrackerStore.get_db_url(
        dialect,
        config.get("url") or config.get("host"),
        config.get("port"),
        db,
        config.get("username"),
        config.get("password"),
        None,
        config.get("query"),
    )
    if isinstance(url, str):
        return url
    return str(url.render_as_string(hide_password=False))


def expand(value: object, environ: Mapping[str, str]) -> object:
    """``${VAR}`` replaced as Rasa does: a variable that is not set is an error."""
    if not isinstance(value, str):
        return value

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise SystemExit(f"endpoints.yml's tracker_store needs the variable {name}")
        return environ[name]

    return re.sub(r"\$\{([^}]+)\}", variable, value)
