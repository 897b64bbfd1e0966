"""handoff.desk.accounts: passwords and sessions in the handoff database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from handoff.desk.accounts import TOUCH_INTERVAL_S, AccountStore, UnknownAgent
from handoff.desk.passwords import WeakPassword
from handoff.models import agents, desk_sessions
from handoff.store import HandoffStore, hash_token
from tests.handoff.desk.conftest import FAST_HASH, PASSWORD


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store: HandoffStore, clock: Clock) -> AccountStore:
    return AccountStore(store.engine, session_idle_s=3600, session_max_s=8 * 3600, clock=clock)


async def with_password(store: HandoffStore, accounts: AccountStore, name: str) -> None:
    await store.create_agent(name, "agent")
    await accounts.set_password(name, PASSWORD, FAST_HASH)


async def test_password_check(store: HandoffStore, accounts: AccountStore) -> None:
    await with_password(store, accounts, "sam")
    await store.create_agent("tokenonly", "agent")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None and (agent.name, agent.role) == ("sam", "agent")
    assert await accounts.check_password("sam", "wrong") is None
    assert await accounts.check_password("Sam", PASSWORD) is None  # names are exact
    assert await accounts.check_password("nobody", PASSWORD) is None
    assert await accounts.check_password("tokenonly", PASSWORD) is None
    with store.engine.connect() as db:
        stored = db.execute(select(agents.c.password_hash).where(agents.c.name == "sam")).scalar()
    assert stored.startswith("scrypt$") and PASSWORD not in stored


async def test_set_password_refuses_weak_ones_and_unknown_agents(
    store: HandoffStore, accounts: AccountStore
) -> None:
    await store.create_agent("sam", "agent")
    with pytest.raises(WeakPassword):
        await accounts.set_password("sam", "short", FAST_HASH)
    with pytest.raises(UnknownAgent):
        await accounts.set_password("nobody", PASSWORD, FAST_HASH)


async def test_a_session_stores_only_the_hash_of_its_token(
    store: HandoffStore, accounts: AccountStore
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None
    token = await accounts.start_session(agent)
    with store.engine.connect() as db:
        [row] = db.execute(select(desk_sessions)).all()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    found = await accounts.agent_for_session(token)
    assert found is not None and found.name == "sam"
    assert await accounts.agent_for_session(token + "x") is None


async def test_idle_and_absolute_expiry(
    store: HandoffStore, accounts: AccountStore, clock: Clock
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None
    token = await accounts.start_session(agent)

    # Active every 50 minutes for 7.5 hours: the idle timeout (1 h) never strikes...
    for _ in range(9):
        clock.advance(minutes=50)
        assert await accounts.agent_for_session(token) is not None
    # ...but the absolute limit, 8 hours after sign-in, does.
    clock.advance(minutes=30)
    assert await accounts.agent_for_session(token) is None

    idle = await accounts.start_session(agent)
    clock.advance(minutes=59)
    assert await accounts.agent_for_session(idle) is not None
    clock.advance(minutes=60, seconds=1)
    assert await accounts.agent_for_session(idle) is None
    # An expired session is gone for good, not just refused.
    with store.engine.connect() as db:
        assert db.execute(select(desk_sessions)).all() == []


async def test_checks_without_touch_do_not_keep_a_session_alive(
    store: HandoffStore, accounts: AccountStore, clock: Clock
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None
    token = await accounts.start_session(agent)
    # An open event stream checks now and then for an hour: that is not activity.
    for _ in range(11):
        clock.advance(minutes=5)
        assert await accounts.agent_for_session(token, touch=False) is not None
    clock.advance(minutes=5, seconds=1)  # an hour since sign-in, the idle timeout
    assert await accounts.agent_for_session(token, touch=False) is None


async def test_last_seen_is_written_at_most_once_a_minute(
    store: HandoffStore, accounts: AccountStore, clock: Clock
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None
    token = await accounts.start_session(agent)
    start = clock.now

    def last_seen() -> dt.datetime:
        with store.engine.connect() as db:
            value: dt.datetime = db.execute(select(desk_sessions.c.last_seen_at)).scalar_one()
        return value

    clock.advance(seconds=TOUCH_INTERVAL_S / 2)
    await accounts.agent_for_session(token)
    assert last_seen() == start
    clock.advance(seconds=TOUCH_INTERVAL_S)
    await accounts.agent_for_session(token)
    assert last_seen() == clock.now


async def test_sign_out_disable_and_password_reset_end_sessions(
    store: HandoffStore, accounts: AccountStore
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None

    token = await accounts.start_session(agent)
    await accounts.end_session(token)
    assert await accounts.agent_for_session(token) is None

    first, second = await accounts.start_session(agent), await accounts.start_session(agent)
    await accounts.set_password("sam", "a new password", FAST_HASH)
    assert await accounts.agent_for_session(first) is None
    assert await accounts.agent_for_session(second) is None
    assert await accounts.check_password("sam", PASSWORD) is None
    assert await accounts.check_password("sam", "a new password") is not None

    token = await accounts.start_session(agent)
    with store.engine.begin() as db:
        db.execute(update(agents).where(agents.c.name == "sam").values(disabled=True))
    assert await accounts.agent_for_session(token) is None
    assert await accounts.check_password("sam", "a new password") is None


async def test_sign_in_forgets_sessions_that_ended(
    store: HandoffStore, accounts: AccountStore, clock: Clock
) -> None:
    await with_password(store, accounts, "sam")
    agent = await accounts.check_password("sam", PASSWORD)
    assert agent is not None
    for _ in range(3):
        await accounts.start_session(agent)
    clock.advance(hours=2)
    await accounts.start_session(agent)
    with store.engine.connect() as db:
        assert len(db.execute(select(desk_sessions)).all()) == 1


async def test_enabled_agents(store: HandoffStore, accounts: AccountStore) -> None:
    await store.create_agent("zoe", "supervisor")
    await store.create_agent("amy", "agent")
    await store.create_agent("old", "agent")
    with store.engine.begin() as db:
        db.execute(update(agents).where(agents.c.name == "old").values(disabled=True))
    assert [(a.name, a.role) for a in await accounts.enabled_agents()] == [
        ("amy", "agent"),
        ("zoe", "supervisor"),
    ]
