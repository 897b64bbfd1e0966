"""The action server's exceptions: one root, each class knowing the HTTP answer it becomes.

Exceptions (HTTP status; where a class lives elsewhere, its module)::

    ActionServerError             500  the root: whatever this service raises on purpose
    ├── CallRefused               4xx  refused before any action ran; the message is
    │   │                              for the caller (no customer data in it)
    │   ├── MalformedCall         400  not JSON, nested too deep, bad deflate, not an action call
    │   ├── MissingToken          401  no bearer token (with WWW-Authenticate: Bearer)
    │   ├── WrongToken            403  the wrong one
    │   ├── CallTooLarge          413  over ACTIONS_MAX_BODY_BYTES, as sent or once inflated
    │   └── UnsupportedEncoding   415  a Content-Encoding other than deflate
    ├── RasaSdkError              4xx  rasa-sdk's own two, in its shape: {"error", "action_name"}
    │   ├── ActionRejected        400  the action rejected the call
    │   └── ActionNotFound        404  no such action
    ├── ActionFailed              500  the action crashed; its error is logged, never echoed
    ├── BackendUnavailable        503  actions.backend.base: the company's systems are down
    │   └── _LostRace                  actions.backend.sql: a write lost a race (retried there)
    ├── HandoffApiError           502  actions.api.handoff: the handoff was not created
    │   ├── HandoffUnavailable         not reached, timed out, 5xx: try again later
    │   └── HandoffRejected            a 4xx: retrying the same request cannot help
    └── OutboxUnavailable         500  actions.handoff_outbox: the outbox cannot be read or written

actions.server renders every one, in a single error handler, as its
:attr:`~ActionServerError.http_status` and :meth:`~ActionServerError.response_body`.
:class:`RasaSdkError` keeps rasa-sdk's shape, which Rasa parses (a 400 with
``action_name`` makes it predict something else). The last three are caught
where they happen (the actions apologise, the outbox retries); an action
that lets one escape fails like any crashing action (ActionFailed), so their
statuses only matter to a route that would raise one itself.

``str(error)`` is for the log. Only :class:`CallRefused` and
:class:`RasaSdkError` show their message to the caller; every other class
answers with a fixed :attr:`~ActionServerError.public_message`, since an
error's own text may quote a tracker, an e-mail or an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

INTERNAL_ERROR = "internal error; see the action server's log"
ACTION_FAILED = "the action failed; see the action server's log"


class ActionServerError(Exception):
    """Root of the action server's own errors: a status and what the caller is told."""

    http_status: ClassVar[int] = 500
    headers: ClassVar[Mapping[str, str]] = MappingProxyType({})

    @property
    def public_message(self) -> str:
        """What the caller reads: by default nothing of ``str(self)``."""
        return INTERNAL_ERROR

    def response_body(self) -> dict[str, Any]:
        return {"error": self.public_message}


# -- refused calls -----------------------------------------------------------------


class CallRefused(ActionServerError):
    """The call was refused before any action ran; the message says why, to the caller."""

    http_status: ClassVar[int] = 400

    @property
    def public_message(self) -> str:
        return str(self)


class MalformedCall(CallRefused):
    http_status: ClassVar[int] = 400


class MissingToken(CallRefused):
    http_status: ClassVar[int] = 401
    headers: ClassVar[Mapping[str, str]] = MappingProxyType({"WWW-Authenticate": "Bearer"})


class WrongToken(CallRefused):
    http_status: ClassVar[int] = 403


class CallTooLarge(CallRefused):
    http_status: ClassVar[int] = 413


class UnsupportedEncoding(CallRefused):
    http_status: ClassVar[int] = 415


# -- what running the action came to -----------------------------------------------


class RasaSdkError(ActionServerError):
    """One of rasa-sdk's errors about an action, answered as rasa-sdk answers it."""

    http_status: ClassVar[int] = 400

    def __init__(self, message: str, action_name: str) -> None:
        super().__init__(message)
        self.action_name = action_name

    @property
    def public_message(self) -> str:
        return str(self)

    def response_body(self) -> dict[str, Any]:
        return {"error": self.public_message, "action_name": self.action_name}


class ActionRejected(RasaSdkError):
    """rasa-sdk's ActionExecutionRejection: Rasa then predicts something else."""

    http_status: ClassVar[int] = 400


class ActionNotFound(RasaSdkError):
    """rasa-sdk's ActionNotFoundException: this server has no action of that name."""

    http_status: ClassVar[int] = 404


class ActionFailed(ActionServerError):
    """The action raised: the cause is chained (and logged), the answer says nothing of it."""

    def __init__(self, action_name: str) -> None:
        super().__init__(f"action {action_name} failed")
        self.action_name = action_name

    @property
    def public_message(self) -> str:
        return ACTION_FAILED
