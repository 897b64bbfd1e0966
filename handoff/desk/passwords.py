"""Desk passwords: a slow, salted, memory-hard hash (scrypt), and its check.

Why the standard library and not a package: ``hashlib.scrypt`` (OpenSSL) is
one of the password hashes OWASP recommends, memory-hard like Argon2, and
needs no new compiled dependency; passlib is unmaintained, and argon2-cffi
would add a C extension to protect against the same attacks. What a library
would add, the encoding of the parameters with the hash, is the few lines of
:func:`hash_password` and :func:`verify_password`.

A hash reads ``scrypt$ln=14,r=8,p=5$<salt>$<key>`` (salt and key in unpadded
URL-safe base64): the cost is stored with each hash, so raising
:data:`DEFAULT_PARAMS` later keeps old hashes checkable.

Each hash takes 16 MiB and a core for about a quarter of a second, so
:func:`run_hashing` runs them off the event loop in a pool of their own,
:data:`HASHES_AT_ONCE` at a time, with at most :data:`MAX_QUEUED_HASHES`
waiting or running: past that it raises :class:`HashingBusy` (the desk
answers 503) instead of queueing without bound. A pool of its own also
keeps a burst of sign-ins from taking the threads every database call of
the service runs in.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from handoff.errors import Busy

SCHEME = "scrypt"
SALT_BYTES = 16
KEY_BYTES = 32
# Long enough for any passphrase, short enough that nobody can make the
# service hash megabytes per request.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_ENCODED = re.compile(
    r"^scrypt\$ln=(?P<ln>\d{1,2}),r=(?P<r>\d{1,2}),p=(?P<p>\d{1,2})"
    r"\$(?P<salt>[A-Za-z0-9_-]+)\$(?P<key>[A-Za-z0-9_-]+)$"
)


@dataclass(frozen=True)
class ScryptParams:
    """scrypt's cost: N = 2**log_n, block size r, parallelism p."""

    log_n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        # scrypt needs 128 * N * r bytes; OpenSSL refuses past maxmem (32 MiB by default).
        return 128 * (2**self.log_n) * self.r + 2 * 1024 * 1024


# One of OWASP's equivalent scrypt settings (N=2^14, r=8, p=5): 16 MiB and
# about a quarter of a second on one core of the machines this runs on.
DEFAULT_PARAMS = ScryptParams(log_n=14, r=8, p=5)


# Two hashes at once: 32 MiB and two cores at most, and a sign-in still
# answers within a second when a few agents sign in together.
HASHES_AT_ONCE = 2
# Waiting or running: about four seconds of work for the two threads; then 503.
MAX_QUEUED_HASHES = 32

T = TypeVar("T")


class HashingBusy(Busy):
    """Too many password hashes are waiting already: try again shortly (503 with
    ``Retry-After``, handoff.errors)."""

    def __init__(self) -> None:
        super().__init__("too many sign-ins at once; try again in a moment", retry_after_s=1)


class _HashingPool:
    """The threads that hash passwords, and how many hashes are waiting or running."""

    def __init__(self, workers: int, max_queued: int) -> None:
        self.workers = workers
        self.max_queued = max_queued
        self.queued = 0
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="password-hash"
                )
            return self._executor

    def _run(self, function: Callable[[], T]) -> T:
        try:
            return function()
        finally:
            # Counted down when the work ends, not when its caller stops
            # waiting: a cancelled request's hash still holds its thread.
            with self._lock:
                self.queued -= 1

    async def run(self, function: Callable[[], T]) -> T:
        with self._lock:
            if self.queued >= self.max_queued:
                raise HashingBusy()
            self.queued += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._pool(), self._run, function)
        except BaseException:
            with self._lock:
                self.queued -= 1
            raise
        # Shielded: cancelling the request must not look like the thread is free.
        return await asyncio.shield(future)


_hashing = _HashingPool(HASHES_AT_ONCE, MAX_QUEUED_HASHES)


async def run_hashing(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` (a password hash or check) in the hashing pool.

    HashingBusy when :data:`MAX_QUEUED_HASHES` are already waiting or running.
    """
    return await _hashing.run(functools.partial(function, *args))


class WeakPassword(ValueError):
    """A password the desk refuses to set (too short or too long)."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a desk password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a desk password may have at most {MAX_PASSWORD_LENGTH} characters")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, params: ScryptParams, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=2**params.log_n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=length,
    )


def hash_password(password: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    """The encoded hash of ``password`` with a new random salt (slow on purpose)."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, params, KEY_BYTES)
    return f"{SCHEME}$ln={params.log_n},r={params.r},p={params.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``; False for a malformed hash.

    The keys are compared in constant time: how long the comparison takes
    says nothing about how much of the key matched.
    """
    match = _ENCODED.match(encoded)
    if match is None or len(password) > MAX_PASSWORD_LENGTH:
        return False
    params = ScryptParams(int(match["ln"]), int(match["r"]), int(match["p"]))
    try:
        salt, expected = _unb64(match["salt"]), _unb64(match["key"])
    except (binascii.Error, ValueError):
        return False
    if not 1 <= params.log_n <= 20 or not expected:
        return False
    actual = _derive(password, salt, params, len(expected))
    return hmac.compare_digest(actual, expected)
