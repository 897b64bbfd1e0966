"""Create agents and set their desk passwords from the command line (for the
Makefile and operators).

    python -m handoff.agents create NAME [--role agent|supervisor]
                                         [--password-stdin | --no-password]
    python -m handoff.agents password NAME [--password-stdin]

``create`` prints the new agent's bearer token on stdout; it is shown this
once (only its hash is stored). It then asks for a desk password, typed twice
without echo, when run in a terminal; ``--password-stdin`` reads it from the
first line of standard input instead (for scripts), ``--no-password`` skips
it (the agent can use the API but not sign in to the desk until
``password`` is run). ``password`` sets or resets the desk password and
signs the agent out of every desk session. The database is
``HANDOFF_DATABASE_URL``, migrated first.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from typing import TextIO

from handoff.desk.accounts import AccountStore, UnknownAgent
from handoff.desk.passwords import DEFAULT_PARAMS, ScryptParams, WeakPassword, check_new_password
from handoff.migrate import migrate
from handoff.models import AGENT_ROLE, AGENT_ROLES
from handoff.settings import HandoffSettings
from handoff.store import AgentExists, HandoffStore


class PasswordNotGiven(Exception):
    """The password prompt was abandoned, or its two entries differ."""


async def create_agent(database_url: str, name: str, role: str) -> str:
    await asyncio.to_thread(migrate, database_url)
    store = HandoffStore(database_url)
    try:
        return await store.create_agent(name, role)
    finally:
        store.dispose()


async def set_password(
    database_url: str, name: str, password: str, params: ScryptParams = DEFAULT_PARAMS
) -> None:
    """Set an agent's desk password and end their sessions (UnknownAgent, WeakPassword)."""
    await asyncio.to_thread(migrate, database_url)
    store = HandoffStore(database_url)
    try:
        # Only the password methods are used: session lifetimes do not matter here.
        accounts = AccountStore(store.engine, session_idle_s=1, session_max_s=1)
        await accounts.set_password(name, password, params)
    finally:
        store.dispose()


def read_password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        # One line, without its line ending: `printf '%s\n' "$PW" | ...` works.
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Desk password: ")
    if getpass.getpass("Desk password again: ") != first:
        raise PasswordNotGiven("the two passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m handoff.agents")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create", help="create an agent, print their token, set a desk password"
    )
    create.add_argument("name")
    create.add_argument("--role", choices=AGENT_ROLES, default=AGENT_ROLE)
    source = create.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin", action="store_true", help="read the desk password from stdin"
    )
    source.add_argument("--no-password", action="store_true", help="set no desk password")
    password = commands.add_parser("password", help="set or reset an agent's desk password")
    password.add_argument("name")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the desk password from stdin"
    )
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    stdin = sys.stdin if stdin is None else stdin
    settings = HandoffSettings.from_env()
    wants_password = args.command == "password" or not args.no_password
    # Without a terminal there is nobody to prompt: create skips the password.
    if args.command == "create" and not args.password_stdin and not stdin.isatty():
        wants_password = False
    password = ""
    if wants_password:
        try:
            password = read_password(args.password_stdin, stdin)
            check_new_password(password)
        except (PasswordNotGiven, WeakPassword, EOFError, KeyboardInterrupt) as error:
            print(f"no password set: {error or 'cancelled'}", file=sys.stderr)
            return 2
    if args.command == "create":
        try:
            token = asyncio.run(create_agent(settings.database_url, args.name, args.role))
        except AgentExists:
            print(f"an agent named {args.name!r} already exists", file=sys.stderr)
            return 1
        print(token)
        if not wants_password:
            print(
                f"no desk password set; run `python -m handoff.agents password {args.name}`",
                file=sys.stderr,
            )
            return 0
    try:
        asyncio.run(set_password(settings.database_url, args.name, password))
    except UnknownAgent:
        print(f"no agent is named {args.name!r}", file=sys.stderr)
        return 1
    print(f"desk password set for {args.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
