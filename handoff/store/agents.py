"""Agents: created with a bearer token, found by it, counted.

Only the token's hash is stored (handoff.store.tokens); the token itself is
returned once, by :meth:`Agents.create_agent`.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from handoff.errors import AgentExists
from handoff.models import AGENT_ROLES, agents, utc_now
from handoff.store.engine import StoreBase
from handoff.store.records import Agent
from handoff.store.tokens import hash_token, new_token


class Agents(StoreBase):
    """The store's agent methods (the desk's passwords and sessions are handoff.desk.accounts')."""

    async def create_agent(self, name: str, role: str) -> str:
        """Create an agent; their bearer token, which only this call ever returns.

        AgentExists if the name is taken; ValueError for an unknown role.
        """
        return await asyncio.to_thread(self._create_agent, name, role)

    def _create_agent(self, name: str, role: str) -> str:
        if role not in AGENT_ROLES:
            raise ValueError(f"role must be one of {', '.join(AGENT_ROLES)}, not {role!r}")
        token = new_token()
        try:
            with self._write() as db:
                db.execute(
                    insert(agents).values(
                        name=name,
                        role=role,
                        token_hash=hash_token(token),
                        created_at=utc_now(),
                        disabled=False,
                    )
                )
        except IntegrityError:
            raise AgentExists(name) from None
        return token

    async def agent_for_token(self, token: str) -> Agent | None:
        """The enabled agent holding ``token``, or None."""
        return await asyncio.to_thread(self._agent_for_token, token)

    def _agent_for_token(self, token: str) -> Agent | None:
        # Looking the hash up by equality leaks nothing useful through timing:
        # an attacker would learn about the hash, not the token.
        with self._engine.connect() as db:
            row = db.execute(
                select(agents.c.id, agents.c.name, agents.c.role).where(
                    agents.c.token_hash == hash_token(token), agents.c.disabled.is_(False)
                )
            ).first()
        return None if row is None else Agent(row.id, row.name, row.role)

    async def count_agents(self) -> int:
        """Enabled agents and supervisors (a rough capacity for wait estimates)."""
        return await asyncio.to_thread(self._count_agents)

    def _count_agents(self) -> int:
        with self._engine.connect() as db:
            count = db.execute(
                select(func.count()).select_from(agents).where(agents.c.disabled.is_(False))
            ).scalar_one()
        return int(count)
