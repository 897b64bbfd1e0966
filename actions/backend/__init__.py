"""The company's systems, as the actions see them.

``base`` holds the interface and its value types; ``sql`` the default
implementation on a SQLAlchemy database (its tables in ``tables``, seeded
with the sample data in ``seed``); ``factory`` chooses an implementation from
:class:`actions.settings.ActionSettings`.
"""
from __future__ import annotations

from actions.backend.base import (
    Backend,
    BackendUnavailable,
    CancelOutcome,
    CancelResult,
    Customer,
    Order,
    OrderStatus,
    ReturnOutcome,
    ReturnResult,
)

__all__ = [
    "Backend",
    "BackendUnavailable",
    "CancelOutcome",
    "CancelResult",
    "Customer",
    "Order",
    "OrderStatus",
    "ReturnOutcome",
    "ReturnResult",
]
