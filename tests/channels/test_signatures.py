"""bot.channels.signatures: requests are authenticated the way each platform signs them.

The expected signatures are computed independently of the module under test:
Twilio's with the Twilio SDK's own ``compute_signature``, Meta's with a plain
HMAC-SHA256 of the raw body, as their documentation describes.

Headers arrive as Sanic decodes them: a byte that is not UTF-8 (``\xff``)
becomes a lone surrogate (``"\udcff"``), which ``str.encode()`` refuses.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from twilio.request_validator import RequestValidator

from bot.channels.signatures import (
    meta_signature_valid,
    secret_token_valid,
    twilio_signature_valid,
)

TWILIO_TOKEN = "twilio-auth-token"
TWILIO_URL = "https://bot.example.test/webhooks/sms/webhook"
TWILIO_PARAMS = {
    "MessageSid": "SM" + "1" * 32,
    "From": "+15551234567",
    "To": "+15005550006",
    "Body": "Where is my order 1042?",
    "NumMedia": "0",
}

META_SECRET = "meta-app-secret"
META_BODY = b'{"object":"page","entry":[{"id":"1","time":1,"messaging":[]}]}'


def twilio_signature(url: str = TWILIO_URL, params: dict[str, str] = TWILIO_PARAMS) -> str:
    return str(RequestValidator(TWILIO_TOKEN).compute_signature(url, params))


def meta_header(body: bytes = META_BODY, secret: str = META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- Twilio: X-Twilio-Signature ------------------------------------------------------


def test_twilio_signature_from_twilio_sdk_is_accepted() -> None:
    assert twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, twilio_signature())


def test_twilio_signature_accepted_whatever_the_order_of_params() -> None:
    reordered = dict(reversed(list(TWILIO_PARAMS.items())))
    assert twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, reordered, twilio_signature())


def test_twilio_signature_with_explicit_default_port_is_accepted() -> None:
    # Twilio signs some URLs with ":443" and some without; both are genuine.
    signed_with_port = twilio_signature(url="https://bot.example.test:443/webhooks/sms/webhook")
    assert twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, signed_with_port)


@pytest.mark.parametrize(
    "param, forged",
    [("Body", "Cancel order 1042"), ("From", "+15550000000"), ("MessageSid", "SM" + "2" * 32)],
)
def test_twilio_tampered_param_is_rejected(param: str, forged: str) -> None:
    tampered = {**TWILIO_PARAMS, param: forged}
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, tampered, twilio_signature())


def test_twilio_added_param_is_rejected() -> None:
    extra = {**TWILIO_PARAMS, "MediaUrl0": "https://evil.example/x.png"}
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, extra, twilio_signature())


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.test/webhooks/sms/webhook?x=1",
        "https://evil.example.test/webhooks/sms/webhook",
        "http://bot.example.test/webhooks/sms/webhook",
        "https://bot.example.test/webhooks/sms/other",
    ],
)
def test_twilio_other_url_is_rejected(url: str) -> None:
    assert not twilio_signature_valid(TWILIO_TOKEN, url, TWILIO_PARAMS, twilio_signature())


def test_twilio_signature_made_with_another_token_is_rejected() -> None:
    other = RequestValidator("another-token").compute_signature(TWILIO_URL, TWILIO_PARAMS)
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, other)


@pytest.mark.parametrize("signature", [None, "", "not-a-signature", "ü" * 28])
def test_twilio_missing_or_garbage_signature_is_rejected(signature: str | None) -> None:
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, signature)


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.test:99999/webhooks/sms/webhook",  # port out of range
        "https://bot.example.test:https/webhooks/sms/webhook",  # port not a number
        "https://bot.example.test\udcff/webhooks/sms/webhook",  # a raw 0xff in Host
    ],
)
def test_twilio_url_twilio_cannot_have_signed_is_rejected_not_an_error(url: str) -> None:
    # Without PUBLIC_URL the URL comes from the request's Host header.
    assert not twilio_signature_valid(TWILIO_TOKEN, url, TWILIO_PARAMS, twilio_signature())


def test_twilio_nothing_is_accepted_without_an_auth_token() -> None:
    unsigned = RequestValidator("").compute_signature(TWILIO_URL, TWILIO_PARAMS)
    assert not twilio_signature_valid("", TWILIO_URL, TWILIO_PARAMS, unsigned)


# -- Meta: X-Hub-Signature-256 ---------------------------------------------------------


def test_meta_hmac_sha256_is_accepted() -> None:
    assert meta_signature_valid(META_SECRET, META_BODY, meta_header())


def test_meta_hex_digest_in_upper_case_is_accepted() -> None:
    header = "sha256=" + meta_header()[len("sha256=") :].upper()
    assert meta_signature_valid(META_SECRET, META_BODY, header)


def test_meta_signature_made_with_another_secret_is_rejected() -> None:
    assert not meta_signature_valid(META_SECRET, META_BODY, meta_header(secret="other-secret"))


def test_meta_tampered_body_is_rejected() -> None:
    tampered = META_BODY.replace(b'"id":"1"', b'"id":"2"')
    assert not meta_signature_valid(META_SECRET, tampered, meta_header())


def test_meta_sha1_header_is_rejected() -> None:
    # The older X-Hub-Signature (SHA-1) is not accepted, even if correct.
    sha1 = "sha1=" + hmac.new(META_SECRET.encode(), META_BODY, hashlib.sha1).hexdigest()
    assert not meta_signature_valid(META_SECRET, META_BODY, sha1)


@pytest.mark.parametrize("prefix", ["sha512=", "SHA256=", "sha-256", "sha256:"])
def test_meta_right_digest_under_another_label_is_rejected(prefix: str) -> None:
    digest = meta_header()[len("sha256=") :]
    assert not meta_signature_valid(META_SECRET, META_BODY, prefix + digest)


def test_meta_digest_without_prefix_is_rejected() -> None:
    bare = meta_header()[len("sha256=") :]
    assert not meta_signature_valid(META_SECRET, META_BODY, bare)


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256=00", "sha256=é" + "0" * 63])
def test_meta_missing_or_garbage_header_is_rejected(header: str | None) -> None:
    assert not meta_signature_valid(META_SECRET, META_BODY, header)


@pytest.mark.parametrize(
    "header", ["sha256=\udcff" + "0" * 63, "\udcff\udcfe", "sha256=" + "\udce9" * 64]
)
def test_meta_header_with_bytes_that_are_not_utf8_is_rejected_not_an_error(header: str) -> None:
    assert not meta_signature_valid(META_SECRET, META_BODY, header)


def test_meta_nothing_is_accepted_without_an_app_secret() -> None:
    assert not meta_signature_valid("", META_BODY, meta_header(secret=""))


# -- secret tokens: Telegram's X-Telegram-Bot-Api-Secret-Token, Meta's verify token --


def test_secret_token_equal_is_accepted() -> None:
    assert secret_token_valid("telegram-secret_1", "telegram-secret_1")


@pytest.mark.parametrize(
    "received",
    [None, "", "telegram-secret_2", "telegram-secret_1 ", "TELEGRAM-SECRET_1", "telegram-secret_"],
)
def test_secret_token_different_or_missing_is_rejected(received: str | None) -> None:
    assert not secret_token_valid("telegram-secret_1", received)


def test_secret_token_non_ascii_is_rejected_not_an_error() -> None:
    assert not secret_token_valid("telegram-secret_1", "telegram-secrét_1")


@pytest.mark.parametrize("received", ["telegram-secret\udcff1", "\udcc3\udca9"])
def test_secret_token_with_bytes_that_are_not_utf8_is_rejected_not_an_error(
    received: str,
) -> None:
    assert not secret_token_valid("telegram-secret_1", received)


def test_secret_token_nothing_is_accepted_when_none_is_configured() -> None:
    assert not secret_token_valid("", "")
