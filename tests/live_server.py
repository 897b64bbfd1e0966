"""A Sanic app served for real on a free port, with an httpx client for it.

Started and stopped through the same server hooks as in production, so the
app's listeners (database set-up, background tasks, draining queues) run.
Sanic 21.12 needs ``Sanic.test_mode = True`` to create several apps in one
process; the fixtures that use this set it.
"""

from __future__ import annotations

import socket
from typing import TypeVar

import httpx
from sanic import Sanic
from sanic.server.async_server import AsyncioServer

S = TypeVar("S", bound="LiveServer")


class LiveServer:
    def __init__(self, app: Sanic) -> None:
        self.app = app
        self.client = httpx.AsyncClient(timeout=10)
        self._server: AsyncioServer | None = None

    async def start(self: S, port: int = 0) -> S:
        """Serve on ``port`` (a free one by default; a stopped server's, to restart it)."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        server = await self.app.create_server(
            sock=sock, return_asyncio_server=True, access_log=False
        )
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.start_serving()
        await server.after_start()
        self.client.base_url = httpx.URL(f"http://127.0.0.1:{sock.getsockname()[1]}")
        self._server = server
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        await self.client.aclose()
        await server.before_stop()
        await server.close()
        # As Sanic's own shutdown does (sanic/server/runners.py): idle keep-alive
        # connections close with the server instead of outliving it, so a client's
        # next request reaches whatever serves the port next.
        for connection in list(server.connections):
            connection.close_if_idle()
        await server.after_stop()
