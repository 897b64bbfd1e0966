"""handoff.integrations.signatures: our webhook signatures and Zendesk's."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from handoff.integrations.signatures import (
    SignatureError,
    sign,
    signed_headers,
    verify,
    zendesk_sign,
    zendesk_verify,
)

SECRET = "a-shared-secret-of-some-length"
BODY = b'{"id":"evt-1","type":"handoff.closed","data":{"handoff_id":7}}'
NOW = 1_800_000_000.0


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, "1800000000", BODY) == f"v1={expected}"
    headers = signed_headers(SECRET, BODY, now=NOW)
    assert headers == {"X-Handoff-Timestamp": "1800000000", "X-Handoff-Signature": f"v1={expected}"}


def test_a_good_signature_passes_also_among_others() -> None:
    good = sign(SECRET, "1800000000", BODY)
    verify(SECRET, BODY, "1800000000", good, now=NOW + 299)
    verify(SECRET, BODY, "1800000000", f"v1={'0' * 64}, {good.upper()}", now=NOW)


@pytest.mark.parametrize(
    ("body", "timestamp", "signature", "now", "message"),
    [
        (BODY, None, "v1=00", NOW, "required"),
        (BODY, "1800000000", "", NOW, "required"),
        (BODY, "18e8", "v1=00", NOW, "POSIX seconds"),
        (BODY + b" ", "1800000000", None, NOW, "does not match"),  # a changed body
        (BODY, "1800000001", None, NOW, "does not match"),  # a changed timestamp
        (BODY, "1800000000", None, NOW + 301, "too old"),
        (BODY, "1800000000", None, NOW - 301, "in the future"),
        (BODY, "1800000000", "v1=é", NOW, "does not match"),
    ],
)
def test_anything_else_is_refused(
    body: bytes, timestamp: str | None, signature: str | None, now: float, message: str
) -> None:
    signature = sign(SECRET, "1800000000", BODY) if signature is None else signature
    with pytest.raises(SignatureError, match=message):
        verify(SECRET, body, timestamp, signature, now=now)


STAMP = "2027-01-15T08:00:00Z"
STAMP_EPOCH = dt.datetime(2027, 1, 15, 8, tzinfo=dt.timezone.utc).timestamp()


def test_zendesk_signs_base64_hmac_of_timestamp_and_body() -> None:
    digest = hmac.new(SECRET.encode(), STAMP.encode() + BODY, hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    assert zendesk_sign(SECRET, STAMP, BODY) == signature
    zendesk_verify(SECRET, BODY, STAMP, signature, now=STAMP_EPOCH + 299)


@pytest.mark.parametrize(
    ("body", "timestamp", "signature", "now", "message"),
    [
        (BODY + b"x", STAMP, None, STAMP_EPOCH, "does not match"),
        (BODY, STAMP, None, STAMP_EPOCH + 301, "too old"),
        (BODY, "yesterday", "x", STAMP_EPOCH, "ISO 8601"),
        (BODY, STAMP, "", STAMP_EPOCH, "required"),
        (BODY, None, "x", STAMP_EPOCH, "required"),
    ],
)
def test_zendesk_forgeries_are_refused(
    body: bytes, timestamp: str | None, signature: str | None, now: float, message: str
) -> None:
    signature = zendesk_sign(SECRET, STAMP, BODY) if signature is None else signature
    with pytest.raises(SignatureError, match=message):
        zendesk_verify(SECRET, body, timestamp, signature, now=now)


@pytest.mark.parametrize(
    ("timestamp", "signature", "message"),
    [
        ("²", "v1=00", "POSIX seconds"),  # isdigit() says yes, int() no
        ("\uff11\uff18\uff10\uff10", "v1=00", "POSIX seconds"),  # fullwidth digits
        ("9" * 5000, "v1=00", "POSIX seconds"),  # past int()'s digit limit
        ("9" * 400, "v1=00", "POSIX seconds"),  # past a float, for the age check
        ("-1800000000", "v1=00", "POSIX seconds"),
        ("1800000000", "v1=\udcff\udcfe", "does not match"),  # non-ASCII bytes, as Sanic hands them
        ("1800000000", "v1=caf\udcc3\udca9", "does not match"),
    ],
)
def test_hostile_headers_are_refused_as_signature_errors(
    timestamp: str, signature: str, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify(SECRET, BODY, timestamp, signature, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "message"),
    [
        ("0001-01-01T00:00:00+14:00", "x", "ISO 8601"),  # year 1: overflows as a time
        ("9999-12-31T23:59:59-14:00", "x", "ISO 8601"),
        ("2021-03-25T05:09:27\udcff", "x", "ISO 8601"),
        (STAMP, "\udcff\udcfe", "does not match"),
    ],
)
def test_hostile_zendesk_headers_are_refused_as_signature_errors(
    timestamp: str, signature: str, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        zendesk_verify(SECRET, BODY, timestamp, signature, now=STAMP_EPOCH)
