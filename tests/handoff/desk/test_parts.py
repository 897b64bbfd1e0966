"""handoff.desk.parts: what the desk's routes share, read when it is installed."""

from __future__ import annotations

import pytest

from handoff.desk import DeskSettings
from handoff.desk.parts import ASSET_TYPES, DeskParts, load_assets
from handoff.errors import NotRunning


def test_the_page_s_files_are_read_with_their_types() -> None:
    assets = load_assets()
    assert (
        set(assets)
        == set(ASSET_TYPES)
        == {
            "index.html",
            "desk.js",
            "desk.css",
            "routing.js",
            "i18n.js",
        }
    )
    assert assets["index.html"].body.lstrip().lower().startswith(b"<!doctype html>")
    assert assets["desk.js"].content_type.startswith("text/javascript")


def test_the_sessions_exist_only_while_the_server_runs() -> None:
    desk = DeskParts(DeskSettings(), [], load_assets())
    with pytest.raises(NotRunning, match="when the server starts"):
        desk.accounts  # noqa: B018
