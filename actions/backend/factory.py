"""Chooses the backend implementation named in the settings.

``ACTIONS_BACKEND`` is ``"package.module:ClassName"``; the class is called
with the :class:`~actions.settings.ActionSettings` as its only argument.
Mistakes in the name are reported as :class:`ValueError` when the action
server starts, not on the first customer's request.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from actions.backend.base import Backend
from actions.settings import ActionSettings

# Methods added to the protocol after backends of one's own were written: an
# older class without them still loads, and the actions do without.
OPTIONAL_METHODS = frozenset({"recent_orders"})
# The methods a class must have to stand in for the Backend protocol.
REQUIRED_METHODS = tuple(
    sorted(
        name for name in vars(Backend) if not name.startswith("_") and name not in OPTIONAL_METHODS
    )
)


def _split(path: str) -> tuple[str, str]:
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name or ":" in class_name:
        raise ValueError(f"ACTIONS_BACKEND={path!r} is not of the form 'package.module:ClassName'")
    return module_name, class_name


def _import_module(path: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the named module (or a package on its path) missing is a bad
        # setting; a module that exists but lacks a dependency of its own
        # should surface as the import error it is.
        if exc.name is None or not (
            module_name == exc.name or module_name.startswith(exc.name + ".")
        ):
            raise
        raise ValueError(f"ACTIONS_BACKEND={path!r}: no module named {module_name!r}") from exc


def load_backend_class(path: str) -> type:
    """The class named by ``path``, checked to have the Backend's methods."""
    module_name, class_name = _split(path)
    module = _import_module(path, module_name)
    backend_class = getattr(module, class_name, None)
    if not isinstance(backend_class, type):
        raise ValueError(f"ACTIONS_BACKEND={path!r}: {module_name!r} has no class {class_name!r}")
    missing = [
        name for name in REQUIRED_METHODS if not callable(getattr(backend_class, name, None))
    ]
    if missing:
        raise ValueError(f"ACTIONS_BACKEND={path!r} lacks Backend methods: {', '.join(missing)}")
    return backend_class


def create_backend(settings: ActionSettings) -> Backend:
    """An instance of the backend class named in ``settings.backend``."""
    backend_class = load_backend_class(settings.backend)
    return cast(Backend, backend_class(settings))
