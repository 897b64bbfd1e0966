"""Agents' bearer tokens: made here, stored only as their SHA-256 (:func:`hash_token`).

Why no salt or slow hash (as the desk's passwords have): a token is 256
random bits, not something a person chose, so there is no dictionary to try
and nothing a slower hash would protect further; a plain hash lets the store
find the agent by equality on an indexed column.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits: unguessable, so sha256 without salt or stretching suffices


def new_token() -> str:
    """A fresh bearer token, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The hex SHA-256 stored for ``token`` (``agents.token_hash``)."""
    # surrogatepass: a token read from a header may hold lone surrogates (bytes
    # that were not UTF-8); it then matches nothing instead of raising.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
