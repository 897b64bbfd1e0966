"""PostgreSQL for the production-profile tests, and what a test does when something it
needs (PostgreSQL, RabbitMQ, Chromium) is missing: :func:`skip_or_fail`.

Each test gets a schema of its own on the server at ``TEST_POSTGRES_URL``
(default: the local one, database ``test``), selected with ``search_path`` in
the URL it is given, and dropped with everything in it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def skip_or_fail(reason: str) -> NoReturn:
    """Skip on a developer's machine without the server; fail in CI, which always has one.

    A skipped production-profile test in CI would hide exactly the failure it
    exists to catch.
    """
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def skip_or_fail_without_postgres(reason: str) -> NoReturn:
    skip_or_fail(reason)


@contextmanager
def postgres_schema(prefix: str, server_url: str = POSTGRES_URL) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped with everything in it afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, future=True)
    try:
        with admin.begin() as db:
            db.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail_without_postgres(f"no PostgreSQL at {server_url}: {error.orig}")
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
