"""The action server with each call and garbage collection traced: ``bench.tail`` starts it.

    BENCH_TRACE_OUT=/tmp/trace.jsonl python -m bench.traced_actions --port 5055

The same server as ``python -m actions.server`` (never used in production),
writing to ``BENCH_TRACE_OUT`` one line of JSON per span, in the format of
``bench.profiled_server``'s trace: each /webhook request from its headers to
its answer (``action server request``), the action itself
(``action server runs <name>``), and every garbage collection.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.profiled_server import open_trace, time_garbage_collection, trace


def install() -> None:
    from rasa_sdk.executor import ActionExecutor

    import actions.server as server

    original_run = ActionExecutor.run

    @functools.wraps(original_run)
    async def run(self: Any, call: dict[str, Any]) -> Any:
        start = time.perf_counter()
        try:
            return await original_run(self, call)
        finally:
            who = str(call.get("tracker", {}).get("sender_id"))
            trace(f"action server runs {call.get('next_action')}", start, time.perf_counter(), who)

    ActionExecutor.run = run
    original_create_app = server.create_app

    @functools.wraps(original_create_app)
    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original_create_app(*args, **kwargs)

        @app.on_request
        async def started(request: Any) -> None:
            request.ctx.traced_start = time.perf_counter()

        @app.on_response
        async def answered(request: Any, _response: Any) -> None:
            start = getattr(request.ctx, "traced_start", None)
            if start is not None and request.path == "/webhook":
                trace("action server request", start, time.perf_counter(), "")
            _flush()

        return app

    server.create_app = create_app


def _flush() -> None:
    from bench import profiled_server

    profiled_server.flush_trace()


def main() -> None:
    open_trace(Path(os.environ["BENCH_TRACE_OUT"]))
    time_garbage_collection("action server")
    install()
    import actions.server as server

    sys.exit(server.main(sys.argv[1:]))


if __name__ == "__main__":
    main()
