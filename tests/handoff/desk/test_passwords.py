"""handoff.desk.passwords: scrypt hashes with their parameters, checked in constant time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time

import pytest

from handoff.desk import passwords
from handoff.desk.passwords import (
    DEFAULT_PARAMS,
    HASHES_AT_ONCE,
    HashingBusy,
    ScryptParams,
    WeakPassword,
    check_new_password,
    hash_password,
    run_hashing,
    verify_password,
)

CHEAP = ScryptParams(log_n=4, r=8, p=1)


def test_the_production_cost_is_slow_and_checks() -> None:
    started = time.perf_counter()
    encoded = hash_password("correct horse battery")
    took = time.perf_counter() - started
    assert encoded.startswith("scrypt$ln=14,r=8,p=5$")
    assert DEFAULT_PARAMS == ScryptParams(14, 8, 5)
    # Slow on purpose: a guess costs an attacker as much as it costs us.
    assert took > 0.02
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("correct horse batterY", encoded)


def test_same_password_new_salt() -> None:
    first, second = hash_password("hunter2hunter2", CHEAP), hash_password("hunter2hunter2", CHEAP)
    assert first != second
    assert verify_password("hunter2hunter2", first) and verify_password("hunter2hunter2", second)


def test_the_encoding_is_standard_scrypt() -> None:
    encoded = hash_password("pässwörd with ünicode", CHEAP)
    _scheme, params, salt, key = encoded.split("$")
    assert params == "ln=4,r=8,p=1"

    def unb64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    expected = hashlib.scrypt(
        "pässwörd with ünicode".encode(), salt=unb64(salt), n=16, r=8, p=1, dklen=32
    )
    assert unb64(key) == expected


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "bcrypt$2b$12$abc",
        "scrypt$ln=14,r=8,p=5$!!$abc",
        "scrypt$ln=99,r=8,p=1$c2FsdA$a2V5",
        "scrypt$ln=14,r=8,p=5$c2FsdA",
    ],
)
def test_a_malformed_hash_never_matches(encoded: str) -> None:
    assert verify_password("anything at all", encoded) is False


def test_an_overlong_password_is_refused_without_hashing() -> None:
    encoded = hash_password("x" * 1024, CHEAP)
    assert verify_password("x" * 1024, encoded)
    assert not verify_password("x" * 1025, encoded)


@pytest.mark.parametrize("password", ["short", "", "x" * 1025])
def test_weak_new_passwords(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_new_password(password)
    check_new_password("eight ch")


# -- the hashing pool ----------------------------------------------------------------------


async def test_hashes_run_off_the_event_loop_a_few_at_a_time() -> None:
    running, most = 0, 0
    lock = threading.Lock()
    loop_thread = threading.get_ident()

    def slow_hash(_password: str) -> int:
        nonlocal running, most
        assert threading.get_ident() != loop_thread
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return 1

    results = await asyncio.gather(*(run_hashing(slow_hash, "pw") for _ in range(8)))
    assert results == [1] * 8
    assert most == HASHES_AT_ONCE


async def test_past_the_queue_limit_hashing_is_refused_not_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()
    monkeypatch.setattr(passwords._hashing, "max_queued", 3)
    waiting = [asyncio.ensure_future(run_hashing(gate.wait, 5)) for _ in range(3)]
    await asyncio.sleep(0.05)
    with pytest.raises(HashingBusy):
        await run_hashing(hash_password, "correct horse", CHEAP)
    # A cancelled caller's hash still holds its place until its thread is done.
    waiting[0].cancel()
    await asyncio.sleep(0.05)
    with pytest.raises(HashingBusy):
        await run_hashing(hash_password, "correct horse", CHEAP)
    gate.set()
    await asyncio.gather(*waiting[1:])
    for _ in range(50):
        if passwords._hashing.queued == 0:
            break
        await asyncio.sleep(0.01)
    assert await run_hashing(verify_password, "x", "not a hash") is False
