"""The backfill (handoff/insights/backfill.py): a tracker store's conversations, kept once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select

from handoff.insights import backfill
from handoff.insights.keeper import RecordKeeper, StreamEvent
from handoff.models import conversation_records, insight_events
from handoff.store import HandoffStore
from tests.handoff.insights.conftest import Chat
from tests.handoff.insights.simulated_week import simulated_week
from tests.handoff.insights.test_keeper import kept, stream_of
from tests.handoff.insights.test_simulated_week import records_of


def rasa_tracker_store(path: Path, events: dict[str, list[dict]]) -> str:
    """A tracker store written by Rasa's own SQL store: its table, its rows."""
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    async def save_all() -> None:
        for cid, evs in events.items():
            await store.save(DialogueStateTracker.from_dict(cid, evs, []))

    asyncio.run(save_all())
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def week_store(tmp_path: Path) -> tuple[str, dict[str, list[dict]]]:
    events = dict(list(simulated_week().events.items())[:60])
    return rasa_tracker_store(tmp_path / "tracker.db", events), events


def test_a_tracker_store_backfills_the_records_the_export_gives(
    store: HandoffStore, week_store: tuple[str, dict[str, list[dict]]]
) -> None:
    url, events = week_store
    keeper = RecordKeeper(store.engine)
    source = create_engine(url)

    read, new = backfill.backfill(keeper, source)

    assert read == new == sum(len(evs) for evs in events.values())
    week = simulated_week()
    week.events = events
    assert kept(keeper) == {
        cid: [r.to_json() for r in records] for cid, records in records_of(week).items()
    }
    # Again: nothing new, the same records.
    assert backfill.backfill(keeper, source) == (read, 0)
    source.dispose()


def test_events_the_stream_delivered_are_not_stored_twice(
    store: HandoffStore, week_store: tuple[str, dict[str, list[dict]]]
) -> None:
    url, events = week_store
    keeper = RecordKeeper(store.engine)
    # The stream delivered the first half, with the broker's sender_id in each event.
    stream = [
        StreamEvent(e.conversation_id, {"sender_id": e.conversation_id, **e.event})
        for e in stream_of(events)
    ]
    keeper.add(stream[: len(stream) // 2])
    source = create_engine(url)

    _, new = backfill.backfill(keeper, source)
    source.dispose()

    assert new == len(stream) - len(stream) // 2
    with store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(insight_events)).scalar() == len(stream)


def test_the_command_fills_the_handoff_database_and_says_how_it_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = Chat().session().user("what are your opening hours", "faq", faq="faq/store_hours")
    chat.respond("utter_faq/store_hours")
    url = rasa_tracker_store(tmp_path / "tracker.db", {"ann": chat.events})
    handoff_db = tmp_path / "handoff.db"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{handoff_db}")

    assert backfill.main(["--tracker-store", url]) == 0

    out = capsys.readouterr().out
    assert f"{len(chat.events)} events read, {len(chat.events)} new" in out
    assert "1 finished session(s): 100% resolved by the bot" in out
    assert "faq/store_hours 1" in out
    assert backfill.main(["--tracker-store", f"sqlite:///{tmp_path / 'none.db'}"]) == 1


def test_refold_folds_the_kept_conversations_again_without_a_tracker_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = Chat().session().user("what are your opening hours", "faq", faq="faq/store_hours")
    chat.respond("utter_faq/store_hours")
    url = rasa_tracker_store(tmp_path / "tracker.db", {"ann": chat.events, "bo": chat.events})
    handoff_db = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", handoff_db)
    assert backfill.main(["--tracker-store", url]) == 0
    engine = create_engine(handoff_db)
    with engine.begin() as db:  # a record from before an upgrade: without a newer field
        db.execute(conversation_records.update().values(record={"stale": True}))

    assert backfill.main(["--refold", "--tracker-store", "sqlite:///nowhere.db"]) == 0

    assert "2 conversations folded again" in capsys.readouterr().out
    records = list(RecordKeeper(engine).records())
    assert [r.conversation_id for r in records] == ["ann", "bo"]
    assert all(r.contact_reasons == ("faq/store_hours",) for r in records)
    engine.dispose()


def test_refold_names_the_products_of_the_catalogue_the_setting_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat().session().user("my kayak and my headphones arrived", "inform")
    chat.respond("utter_noted")
    url = rasa_tracker_store(tmp_path / "tracker.db", {"ann": chat.events})
    handoff_db = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", handoff_db)
    assert backfill.main(["--tracker-store", url]) == 0
    engine = create_engine(handoff_db)
    (before,) = RecordKeeper(engine).records()
    catalogue = tmp_path / "outdoor.yml"
    catalogue.write_text("Kayak: [canoe]\n", encoding="utf-8")
    monkeypatch.setenv("HANDOFF_PRODUCTS_FILE", str(catalogue))

    assert backfill.main(["--refold"]) == 0

    (after,) = RecordKeeper(engine).records()
    assert (before.products, after.products) == (("Wireless headphones",), ("Kayak",))
    engine.dispose()
