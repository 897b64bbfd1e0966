"""handoff.store.engine: the handoff database's engine."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from handoff.store import (
    HandoffStore,
)


def test_database_errors_do_not_list_the_statements_parameters(store: HandoffStore) -> None:
    """They reach the logs (a 500's traceback, the broker's retry warning), and the
    parameters are conversation ids (phone numbers) and customers' words. (What the
    driver itself quotes, PostgreSQL's LINE and DETAIL, is its own.)"""
    words = "my card number is 4111 1111 1111 1111"
    with pytest.raises(SQLAlchemyError) as raised, store.engine.connect() as db:
        db.execute(text("SELECT :words FROM no_such_table"), {"words": words})
    message = str(raised.value)
    assert "parameters hidden" in message and "[parameters:" not in message
    assert "4111" not in message.split("[SQL:")[1]
