"""The handoff service's errors: one root, each error carrying its HTTP answer.

Every error the service's own code raises on purpose derives from
:class:`HandoffServiceError`, so one error handler (handoff.service's
``ServiceErrorHandler``) turns any of them into the service's one error
shape, ``{"error": <what a client branches on>, "detail": <message>}``, with
the error's headers; none needs a handler of its own::

    HandoffServiceError          500  internal server error: nothing of the cause is shown
    ├── NotRunning               500  what exists only while the server runs was used before
    ├── InvalidRequest           400  a body, parameter or header is not what the route expects
    ├── Unauthorized             401  a wrong name or password, a webhook's bad signature
    │   └── CredentialsRequired  401  no valid token or session: always the same answer
    ├── Forbidden                403  the caller lacks the role
    │   └── CsrfRejected         403  (handoff.auth) a cookie request without its CSRF token
    ├── NotFound                 404  no such ticket, dead event...
    │   └── HandoffNotFound      404  no such handoff (or one the caller may not see)
    ├── HandoffConflict          409  the handoff's state forbids it: claimed, closed...
    │   └── AgentExists          409  that agent name is taken
    ├── UnsupportedMediaType     415  the body is not in the format the route reads
    └── RetryLater                    the answer carries Retry-After
        ├── TooManyRequests      429  too many requests from this caller
        │   ├── Throttled        429  (handoff.desk.throttle) too many failed sign-ins
        │   └── TooManyStreams   429  too many event streams for one caller
        └── Busy                 503  the service is at a limit (this 5xx's message is shown)
            └── HashingBusy      503  (handoff.desk.passwords) too many password checks waiting

plumbing.untrusted's ``UntrustedInput`` (a ``ValueError``, for the processes
that share it) is answered like :class:`InvalidRequest`, by the same handler.

A 4xx's message is shown to the caller, so it must name what was wrong with
the request and nothing else; a 5xx's message is only logged (but for
:class:`Busy`, a limit the service reached rather than a fault: shown, not
logged). Three answers carry more than an error and stay explicit responses
in their routes: a reply that was recorded but not delivered (502, with the
message), the adapters' recorded answers (handoff.integrations.inbound), and
a privacy erase refused with its reasons (handoff.routes.privacy).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar


class HandoffServiceError(Exception):
    """Base of every error the handoff service raises on purpose."""

    status: ClassVar[int] = 500
    # The ``error`` field of the answer: what a client branches on.
    error: ClassVar[str] = "internal server error"

    @property
    def detail(self) -> str | None:
        """What the caller is told: the message of a 4xx, nothing of a 5xx."""
        return str(self) or None if self.status < 500 else None

    @property
    def headers(self) -> Mapping[str, str]:
        """Headers the answer carries besides the service's own."""
        return {}

    @property
    def quiet(self) -> bool:
        """Not logged (Sanic's word): a client's error is not a failure of ours."""
        return self.status < 500


class NotRunning(HandoffServiceError):
    """What exists only while the server runs (the store...) was asked for before it
    started or after it stopped: a fault of ours, not the caller's."""


class InvalidRequest(HandoffServiceError):
    status = 400
    error = "invalid request"


class Unauthorized(HandoffServiceError):
    """401 that says why: a wrong name or password at sign-in, a webhook's signature."""

    status = 401
    error = "unauthorized"


class CredentialsRequired(Unauthorized):
    """No valid bearer token or desk session: the same answer whatever was wrong with
    it, so that it tells a guesser nothing; it asks for a bearer token."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(HandoffServiceError):
    status = 403
    error = "forbidden"


class NotFound(HandoffServiceError):
    status = 404
    error = "not found"


class HandoffNotFound(NotFound):
    def __init__(self, handoff_id: int | None = None) -> None:
        # The answer says no more than "not found": the id is the caller's own.
        super().__init__()
        self.handoff_id = handoff_id


class HandoffConflict(HandoffServiceError):
    """The handoff is not in a state that allows this (claimed by another agent, closed...)."""

    status = 409
    error = "conflict"


class AgentExists(HandoffConflict):
    def __init__(self, name: str = "") -> None:
        super().__init__("that name is taken")
        self.name = name


class UnsupportedMediaType(HandoffServiceError):
    status = 415
    error = "unsupported media type"


class RetryLater(HandoffServiceError):
    """An answer with ``Retry-After``: whole seconds, at least one."""

    def __init__(self, detail: str, retry_after_s: float) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.retry_after_s))

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooManyRequests(RetryLater):
    status = 429
    error = "too many requests"


class TooManyStreams(TooManyRequests):
    error = "too many streams"


class Busy(RetryLater):
    """503: the service is at one of its limits, not failing: the message is shown."""

    status = 503
    error = "busy"

    @property
    def detail(self) -> str | None:
        return str(self) or None

    @property
    def quiet(self) -> bool:
        return True  # a limit reached, not a failure
