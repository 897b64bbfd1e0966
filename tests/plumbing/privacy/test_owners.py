"""plumbing.privacy.owners: the owners' route answers, and one store read and erased."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from plumbing.privacy.locations import Location
from plumbing.privacy.owners import LocalStores, StoreResult, answer
from plumbing.privacy.stores import Picked, Rules, select_rows
from plumbing.privacy.subject import Subject

metadata = sa.MetaData()
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)


def rows(db: Any, tables: Any, subject: Subject) -> dict[str, Any]:
    table = tables["notes"]
    return {"notes": select_rows(db, table, table.c.sender_id.in_(list(subject.conversations)))}


def locked(picked: Picked) -> list[str]:
    return ["locked"] if any(r["text"] == "locked" for r in picked.rows.get("notes", [])) else []


@pytest.fixture
def stores(tmp_path: Path) -> LocalStores:
    url = f"sqlite:///{tmp_path / 'notes.db'}"
    engine = sa.create_engine(url, future=True)
    metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(
            notes.insert(),
            [
                {"sender_id": "alice", "text": "hers"},
                {"sender_id": "alice", "text": "hers too"},
                {"sender_id": "carol", "text": "locked"},
                {"sender_id": "bob", "text": "his, the newest"},
            ],
        )
    engine.dispose()
    return LocalStores(
        {
            "notes": Location("notes", url),
            "gone": Location("gone", f"sqlite:///{tmp_path / 'gone.db'}"),
        },
        {"notes": Rules(("notes",), rows, refuse=locked), "gone": Rules(("x",), rows)},
    )


def body(step: str, given: str = "alice", **more: Any) -> bytes:
    return json.dumps({"step": step, "subject": Subject.of(given).to_json(), **more}).encode()


async def test_a_survey_counts_and_an_erase_deletes_exactly_the_customer_s_rows(
    stores: LocalStores,
) -> None:
    status, found = await answer(stores, body("survey", stores=["notes", "gone"], with_rows=True))
    assert status == 200
    result = StoreResult.from_json(found["stores"]["notes"])
    assert result.counts == {"notes": 2}
    assert [row["text"] for row in result.rows["notes"]] == ["hers", "hers too"]
    assert found["stores"]["gone"]["status"] == "absent"
    assert not (Path(stores.locations["gone"].url[len("sqlite:///") :])).exists()

    status, done = await answer(stores, body("erase", stores=["notes"]))
    assert status == 200 and done["stores"]["notes"]["deleted"] == {"notes": 2}
    status, again = await answer(stores, body("survey", stores=["notes"]))
    assert again["stores"]["notes"]["counts"] == {}


async def test_an_erase_the_rules_refuse_deletes_nothing(stores: LocalStores) -> None:
    status, refused = await answer(stores, body("erase", "carol", stores=["notes"]))
    assert status == 409 and refused["reasons"] == ["locked"]
    status, found = await answer(stores, body("survey", "carol", stores=["notes"]))
    assert found["stores"]["notes"]["counts"] == {"notes": 1}


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        json.dumps({"step": "drop"}).encode(),
        body("survey", stores=["tracker"]),  # not this process's
        body("survey", stores="notes"),
        body("erase", stores=["notes", "gone"]),  # one store at a time
        body("survey", stores=["notes"], with_rows="yes"),
        body("survey", stores=["notes"], sql="drop table notes"),
        json.dumps({"step": "survey", "subject": {"given": "x"}}).encode(),
    ],
)
async def test_a_request_no_handoff_service_sends_is_a_400(stores: LocalStores, raw: bytes) -> None:
    status, refused = await answer(stores, raw)
    assert status == 400 and refused["error"] == "invalid_request"
