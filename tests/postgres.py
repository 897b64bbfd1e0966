"""What the PostgreSQL-backed tests do when no server answers."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def skip_or_fail_without_postgres(reason: str) -> NoReturn:
    """Skip on a developer's machine without PostgreSQL; fail in CI, which always has one.

    A skipped production-profile test in CI would hide exactly the failure it
    exists to catch.
    """
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
