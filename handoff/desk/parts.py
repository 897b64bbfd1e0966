"""What the desk's routes share, kept on the service's context (handoff.context):
:class:`DeskParts`, made by ``handoff.desk.install``.

Its settings, canned responses and page files are read when it is installed
(a broken file stops the service at start); the sign-in throttle counts this
app's failures in memory; the accounts and sessions are opened on the
store's engine when the server starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handoff.desk.accounts import AccountStore
from handoff.desk.canned import CannedResponse
from handoff.desk.settings import DeskSettings
from handoff.desk.throttle import LoginThrottle
from handoff.errors import NotRunning

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSET_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "desk.js": "text/javascript; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
    "routing.js": "text/javascript; charset=utf-8",
    "i18n.js": "text/javascript; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


def load_assets(directory: Path = STATIC_DIR) -> dict[str, Asset]:
    return {
        name: Asset((directory / name).read_bytes(), content_type)
        for name, content_type in ASSET_TYPES.items()
    }


@dataclass(eq=False)
class DeskParts:
    settings: DeskSettings
    canned: list[CannedResponse]
    assets: dict[str, Asset]
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # Made when the server starts (handoff.desk.install).
    sessions: AccountStore | None = None

    @property
    def accounts(self) -> AccountStore:
        if self.sessions is None:
            raise NotRunning("the desk's sessions are opened when the server starts")
        return self.sessions
