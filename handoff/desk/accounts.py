"""Desk accounts: password sign-in and server-side sessions, on the handoff database.

- Passwords live in ``agents.password_hash`` (handoff.desk.passwords); an
  agent without one cannot sign in to the desk (their bearer token still works).
- A session is a random token in an HttpOnly cookie; the database keeps only
  its SHA-256 (``desk_sessions.token_hash``), like the agents' bearer tokens,
  so a leaked table holds no usable session. A session ends after
  ``session_idle_s`` without a request, ``session_max_s`` after sign-in,
  at sign-out, when the agent is disabled, or when their password is reset.
- Checking a password costs the same whether the name exists or not (a
  dummy hash is checked for unknown names), so response times do not tell
  which agent names exist.
- Hashing runs in handoff.desk.passwords' own bounded pool (``run_hashing``):
  a flood of sign-ins waits for it, or gets HashingBusy, rather than taking
  every core and the threads the database calls need.

Synchronous SQLAlchemy in worker threads, as in handoff.store, on the
store's own engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from handoff.desk.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    check_new_password,
    hash_password,
    run_hashing,
    verify_password,
)
from handoff.models import agents, desk_sessions, utc_now
from handoff.store import Agent, hash_token, write_transaction

SESSION_TOKEN_BYTES = 32
# last_seen_at is written at most this often: the idle timeout needs no
# precision finer than a minute, and a write per request would be wasted.
TOUCH_INTERVAL_S = 60.0


class UnknownAgent(LookupError):
    pass


class AccountStore:
    def __init__(
        self,
        engine: Engine,
        *,
        session_idle_s: float,
        session_max_s: float,
        trusted_origins: tuple[str, ...] = (),
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self.session_idle = dt.timedelta(seconds=session_idle_s)
        self.session_max = dt.timedelta(seconds=session_max_s)
        self.trusted_origins = trusted_origins
        self._clock = clock
        self._dummy_hash: str | None = None

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self._engine)

    # -- passwords ---------------------------------------------------------------------

    async def set_password(
        self, name: str, password: str, params: ScryptParams = DEFAULT_PARAMS
    ) -> None:
        """Set or reset an agent's desk password, and end their sessions.

        WeakPassword for a password the desk refuses; UnknownAgent if no agent has the name.
        """
        check_new_password(password)
        encoded = await run_hashing(hash_password, password, params)
        await asyncio.to_thread(self._set_password, name, encoded)

    def _set_password(self, name: str, encoded: str) -> None:
        with self._write() as db:
            agent_id = db.execute(select(agents.c.id).where(agents.c.name == name)).scalar()
            if agent_id is None:
                raise UnknownAgent(name)
            db.execute(update(agents).where(agents.c.id == agent_id).values(password_hash=encoded))
            db.execute(delete(desk_sessions).where(desk_sessions.c.agent_id == agent_id))

    async def check_password(self, name: str, password: str) -> Agent | None:
        """The enabled agent with this name and password, or None (whichever part was wrong).

        HashingBusy (handoff.desk.passwords) when too many checks are waiting already.
        """
        return await run_hashing(self._check_password, name, password)

    def _check_password(self, name: str, password: str) -> Agent | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(agents.c.id, agents.c.name, agents.c.role, agents.c.password_hash).where(
                    agents.c.name == name, agents.c.disabled.is_(False)
                )
            ).first()
        if row is None or not row.password_hash:
            # Spend the same time as a real check (see the module docstring).
            verify_password(password, self._dummy())
            return None
        if not verify_password(password, row.password_hash):
            return None
        return Agent(row.id, row.name, row.role)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_urlsafe(16))
        return self._dummy_hash

    # -- sessions ----------------------------------------------------------------------

    async def start_session(self, agent: Agent) -> str:
        """A new session for ``agent``: the token for the cookie (only its hash is kept)."""
        return await asyncio.to_thread(self._start_session, agent)

    def _start_session(self, agent: Agent) -> str:
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        now = self._clock()
        with self._write() as db:
            # Sign-ins are rare: a good moment to forget the sessions that ended.
            db.execute(
                delete(desk_sessions).where(
                    or_(
                        desk_sessions.c.expires_at <= now,
                        desk_sessions.c.last_seen_at <= now - self.session_idle,
                    )
                )
            )
            db.execute(
                insert(desk_sessions).values(
                    token_hash=hash_token(token),
                    agent_id=agent.id,
                    created_at=now,
                    expires_at=now + self.session_max,
                    last_seen_at=now,
                )
            )
        return token

    async def agent_for_session(self, session_token: str, *, touch: bool = True) -> Agent | None:
        """The enabled agent whose live session this is, or None.

        ``touch``: the call is the agent's activity and keeps the session alive;
        False for checks that are not (an open event stream asking whether its
        session still holds).
        """
        return await asyncio.to_thread(self._agent_for_session, session_token, touch)

    def _agent_for_session(self, session_token: str, touch: bool = True) -> Agent | None:
        token_hash = hash_token(session_token)
        now = self._clock()
        with self._engine.connect() as db:
            row = db.execute(
                select(
                    agents.c.id,
                    agents.c.name,
                    agents.c.role,
                    agents.c.disabled,
                    desk_sessions.c.expires_at,
                    desk_sessions.c.last_seen_at,
                )
                .join(agents, agents.c.id == desk_sessions.c.agent_id)
                .where(desk_sessions.c.token_hash == token_hash)
            ).first()
        if row is None:
            return None
        if row.disabled or now >= row.expires_at or now >= row.last_seen_at + self.session_idle:
            self._end_session(session_token)
            return None
        if touch and (now - row.last_seen_at).total_seconds() >= TOUCH_INTERVAL_S:
            with self._write() as db:
                db.execute(
                    update(desk_sessions)
                    .where(desk_sessions.c.token_hash == token_hash)
                    .values(last_seen_at=now)
                )
        return Agent(row.id, row.name, row.role)

    async def end_session(self, session_token: str) -> None:
        await asyncio.to_thread(self._end_session, session_token)

    def _end_session(self, session_token: str) -> None:
        with self._write() as db:
            db.execute(
                delete(desk_sessions).where(desk_sessions.c.token_hash == hash_token(session_token))
            )

    # -- who else is there -------------------------------------------------------------

    async def enabled_agents(self) -> list[Agent]:
        """Every enabled agent and supervisor, by name: whom a handoff can go to."""
        return await asyncio.to_thread(self._enabled_agents)

    def _enabled_agents(self) -> list[Agent]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(agents.c.id, agents.c.name, agents.c.role)
                .where(agents.c.disabled.is_(False))
                .order_by(agents.c.name)
            ).all()
        return [Agent(row.id, row.name, row.role) for row in rows]
