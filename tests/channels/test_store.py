"""bot.channels.store: inbox, SMS opt-outs and last inbound times, on SQLite and PostgreSQL.

Every test runs against both databases the store supports: a throw-away
SQLite file, and the PostgreSQL server at ``TEST_POSTGRES_URL``
(default postgresql://postgres@127.0.0.1:5432/test), in a schema of its own
that is dropped afterwards, so that concurrent runs do not see each other's rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.channels.store import ChannelStore, InboxItem, utc_now
from tests.postgres import postgres_schema

MESSAGE = {"text": "Where is my order 1042?", "metadata": {"from": "+15551234567", "é": "ü"}}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema("test_channels") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChannelStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nested' / 'channels.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    channel_store = ChannelStore(url)
    try:
        yield channel_store
    finally:
        channel_store.close()


def test_postgres_store_uses_its_own_schema(postgres_url: str) -> None:
    # The isolation the other tests rely on: the tables land in the test's schema.
    channel_store = ChannelStore(postgres_url)
    try:
        with channel_store.engine.connect() as db:
            schema = db.execute(text("SELECT current_schema()")).scalar_one()
            tables = db.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalars()
            assert schema.startswith("test_channels_")
            assert set(tables) == {
                "channel_inbox", "sms_opt_outs", "last_inbound",
                "channel_surveys", "pending_surveys",
            }  # fmt: skip
    finally:
        channel_store.close()


def test_sqlite_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "channels.db"
    channel_store = ChannelStore(f"sqlite:///{path}")
    channel_store.close()
    assert path.exists()


def test_tables_are_created_once_and_reopening_keeps_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    first = ChannelStore(url)
    item = asyncio.run(first.accept("sms", "SM1", "+15551234567", MESSAGE))
    first.close()
    second = ChannelStore(url)  # the server restarted
    try:
        assert asyncio.run(second.unprocessed("sms")) == [item]
    finally:
        second.close()


# -- inbox ---------------------------------------------------------------------------


async def test_accept_records_a_delivery(store: ChannelStore) -> None:
    item = await store.accept("sms", "SM1", "+15551234567", MESSAGE)
    assert isinstance(item, InboxItem)
    assert (item.channel, item.delivery_id, item.sender_id, item.message) == (
        "sms",
        "SM1",
        "+15551234567",
        MESSAGE,
    )


async def test_accept_same_delivery_twice_is_none_the_second_time(store: ChannelStore) -> None:
    assert await store.accept("sms", "SM1", "+15551234567", MESSAGE) is not None
    assert await store.accept("sms", "SM1", "+15551234567", MESSAGE) is None
    assert len(await store.unprocessed("sms")) == 1


async def test_accept_same_delivery_id_on_another_channel_is_another_delivery(
    store: ChannelStore,
) -> None:
    sms = await store.accept("sms", "42", "+15551234567", MESSAGE)
    telegram = await store.accept("telegram", "42", "1001", MESSAGE)
    assert sms is not None and telegram is not None
    assert sms.id != telegram.id


async def test_accept_concurrent_retries_record_one_delivery(store: ChannelStore) -> None:
    results = await asyncio.gather(
        *(store.accept("messenger", "m_1", "psid-1", MESSAGE) for _ in range(8))
    )
    assert sum(item is not None for item in results) == 1
    assert len(await store.unprocessed("messenger")) == 1


async def test_accept_many_records_a_batch_in_order_and_skips_retries(
    store: ChannelStore,
) -> None:
    before = await store.accept("messenger", "m_2", "psid-1", {"text": "two"})
    items = await store.accept_many(
        "messenger",
        [
            ("m_1", "psid-1", {"text": "one"}),
            ("m_2", "psid-1", {"text": "two"}),  # recorded before: a retry
            ("m_3", "psid-2", {"text": "three"}),
            ("m_1", "psid-1", {"text": "one"}),  # twice in the same batch
        ],
    )
    assert [item.delivery_id if item else None for item in items] == ["m_1", None, "m_3", None]
    assert [item.delivery_id for item in await store.unprocessed("messenger")] == [
        "m_2",
        "m_1",
        "m_3",
    ]
    assert before is not None


async def test_accept_many_with_nothing_is_nothing(store: ChannelStore) -> None:
    assert await store.accept_many("sms", []) == []


async def test_accept_many_looks_up_more_ids_than_one_statement_binds(store: ChannelStore) -> None:
    deliveries = [(f"m_{n}", "psid-1", {"text": str(n)}) for n in range(1200)]
    assert all(await store.accept_many("messenger", deliveries))
    assert not any(await store.accept_many("messenger", deliveries))


async def test_accept_many_concurrent_retries_record_each_delivery_once(
    store: ChannelStore,
) -> None:
    batch = [(f"m_{n}", "psid-1", {"text": str(n)}) for n in range(20)]
    results = await asyncio.gather(*(store.accept_many("messenger", batch) for _ in range(4)))
    for position in range(len(batch)):
        assert sum(result[position] is not None for result in results) == 1
    assert len(await store.unprocessed("messenger")) == len(batch)


async def test_accept_many_goes_one_at_a_time_when_another_request_won_the_race(
    store: ChannelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request stored m_1 between this one's look-up and its insert.
    await store.accept("messenger", "m_1", "psid-1", {"text": "one"})

    def raced(channel: str, deliveries: object) -> list[InboxItem | None]:
        raise IntegrityError("INSERT INTO channel_inbox", {}, Exception("duplicate key"))

    monkeypatch.setattr(store, "_accept_batch", raced)
    items = await store.accept_many(
        "messenger", [("m_1", "psid-1", {"text": "one"}), ("m_2", "psid-1", {"text": "two"})]
    )
    assert [item.delivery_id if item else None for item in items] == [None, "m_2"]


async def test_unprocessed_lists_a_channels_items_oldest_first(store: ChannelStore) -> None:
    first = await store.accept("telegram", "1", "1001", {"text": "one"})
    await store.accept("sms", "SM1", "+15551234567", {"text": "not telegram"})
    second = await store.accept("telegram", "2", "1002", {"text": "two"})
    third = await store.accept("telegram", "3", "1001", {"text": "three"})
    assert await store.unprocessed("telegram") == [first, second, third]
    assert await store.unprocessed("messenger") == []


async def test_mark_processed_removes_only_that_item(store: ChannelStore) -> None:
    first = await store.accept("telegram", "1", "1001", {"text": "one"})
    second = await store.accept("telegram", "2", "1001", {"text": "two"})
    assert first is not None and second is not None
    await store.mark_processed(first.id)
    assert await store.unprocessed("telegram") == [second]
    await store.mark_processed(second.id)
    assert await store.unprocessed("telegram") == []
    # Still a retry once processed: the row stays, only marked.
    assert await store.accept("telegram", "1", "1001", {"text": "one"}) is None


async def test_unprocessed_message_round_trips_as_json(store: ChannelStore) -> None:
    message = {"kind": "photo", "metadata": {"caption": "Broken on arrival", "ids": [1, 2]}}
    await store.accept("telegram", "7", "1001", message)
    [item] = await store.unprocessed("telegram")
    assert item.message == message


# -- SMS opt-outs --------------------------------------------------------------------


async def test_opt_out_then_in(store: ChannelStore) -> None:
    number = "+15551234567"
    assert not await store.is_opted_out(number)
    await store.opt_out(number)
    assert await store.is_opted_out(number)
    assert not await store.is_opted_out("+15557654321")
    await store.opt_in(number)
    assert not await store.is_opted_out(number)


async def test_opt_out_twice_is_the_same_as_once(store: ChannelStore) -> None:
    await store.opt_out("+15551234567")
    await store.opt_out("+15551234567")
    assert await store.is_opted_out("+15551234567")
    await store.opt_in("+15551234567")
    assert not await store.is_opted_out("+15551234567")


async def test_opt_in_without_opt_out_is_harmless(store: ChannelStore) -> None:
    await store.opt_in("+15551234567")
    assert not await store.is_opted_out("+15551234567")


# -- last inbound message ------------------------------------------------------------


async def test_last_inbound_unknown_is_none(store: ChannelStore) -> None:
    assert await store.last_inbound_at("messenger", "psid-1") is None


async def test_touch_inbound_records_utc_now(store: ChannelStore) -> None:
    before = utc_now()
    await store.touch_inbound("messenger", "psid-1")
    after = utc_now()
    at = await store.last_inbound_at("messenger", "psid-1")
    assert at is not None
    assert at.tzinfo is None  # naive UTC, like utc_now()
    assert before - dt.timedelta(seconds=1) <= at <= after + dt.timedelta(seconds=1)


async def test_touch_inbound_again_moves_the_time_forward(store: ChannelStore) -> None:
    await store.touch_inbound("messenger", "psid-1")
    first = await store.last_inbound_at("messenger", "psid-1")
    await asyncio.sleep(0.01)
    await store.touch_inbound("messenger", "psid-1")
    second = await store.last_inbound_at("messenger", "psid-1")
    assert first is not None and second is not None
    assert second > first


async def test_last_inbound_is_per_channel_and_sender(store: ChannelStore) -> None:
    await store.touch_inbound("messenger", "psid-1")
    assert await store.last_inbound_at("messenger", "psid-2") is None
    assert await store.last_inbound_at("telegram", "psid-1") is None


async def test_concurrent_touches_of_a_new_sender_do_not_fail(store: ChannelStore) -> None:
    await asyncio.gather(*(store.touch_inbound("messenger", "psid-9") for _ in range(8)))
    assert await store.last_inbound_at("messenger", "psid-9") is not None
