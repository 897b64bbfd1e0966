"""Create agents from the command line (for the Makefile and operators).

    python -m handoff.agents create NAME --role agent|supervisor

prints the new agent's bearer token on stdout; it is shown this once (only
its hash is stored). The database is ``HANDOFF_DATABASE_URL``, migrated first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from handoff.migrate import migrate
from handoff.models import AGENT_ROLE, AGENT_ROLES
from handoff.settings import HandoffSettings
from handoff.store import AgentExists, HandoffStore


async def create_agent(database_url: str, name: str, role: str) -> str:
    await asyncio.to_thread(migrate, database_url)
    store = HandoffStore(database_url)
    try:
        return await store.create_agent(name, role)
    finally:
        store.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff.agents")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an agent and print their token")
    create.add_argument("name")
    create.add_argument("--role", choices=AGENT_ROLES, default=AGENT_ROLE)
    args = parser.parse_args(argv)
    settings = HandoffSettings.from_env()
    try:
        token = asyncio.run(create_agent(settings.database_url, args.name, args.role))
    except AgentExists:
        print(f"an agent named {args.name!r} already exists", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
