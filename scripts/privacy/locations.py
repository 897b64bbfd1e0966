"""Every owner's stores, read here: the operators' command runs with all the settings.

Each owner says where its stores are from its own settings (bot.privacy,
actions.privacy, handoff.privacy.stores; plumbing.privacy.locations has the
table of them), so the command reads the same databases the processes write.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import actions.privacy
import bot.privacy
import handoff.privacy.stores
from actions.settings import ActionSettings
from handoff.settings import HandoffSettings
from plumbing.privacy.locations import ROOT
from plumbing.privacy.owners import LocalOwner, LocalStores


def local_stores(environ: Mapping[str, str], root: Path = ROOT) -> list[LocalStores]:
    """The action server's, the Rasa server's and the handoff service's stores.

    Raises plumbing.privacy.locations' LocationError (or plumbing.settings'
    SettingsError, a ValueError) for a configuration its owner would refuse too.
    """
    return [
        actions.privacy.local_stores(ActionSettings.from_env(environ), root),
        bot.privacy.local_stores(environ, root),
        handoff.privacy.stores.local_stores(HandoffSettings.from_env(environ).database_url, root),
    ]


def owners(environ: Mapping[str, str], root: Path = ROOT) -> list[LocalOwner]:
    return [LocalOwner(stores) for stores in local_stores(environ, root)]
