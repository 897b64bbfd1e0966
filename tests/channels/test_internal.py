"""bot.channels.internal: POST /internal/deliveries, where the handoff service sends replies.

On a Sanic app where Rasa's own ``register`` mounts the channels and the route
(tests.conftest.DeliveryRouteServer), sending to the fake platform APIs:
the token is checked before anything else, the body before any channel is
touched, and each outcome of a send has its own status.
"""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from rasa.core.run import create_http_input_channels
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from bot.channels.delivery import PermanentSendError, RetryableSendError, SendError
from bot.channels.errors import ChannelError
from bot.channels.internal import (
    INTERNAL_ERROR_DETAIL,
    MAX_BODY_BYTES,
    MAX_PRIVACY_BODY_BYTES,
    MAX_TEXT_CHARS,
    TOKEN_VARIABLE,
    DeliveryChannelDisabled,
    DeliveryRefused,
    DeliveryRequest,
    DeliveryRoute,
    DeliveryRouteSettings,
    DeliveryTooLarge,
    InvalidDelivery,
    NoSuchChannel,
    Unauthorized,
    delivery_error_response,
)
from bot.channels.outbound import UnknownChannel
from bot.channels.sms import TWILIO_UNSUBSCRIBED, OptedOut
from tests.conftest import (
    DELIVERY_TOKEN,
    DeliveryRouteServer,
    ServeDeliveryRoute,
    channel_environment,
)
from tests.fakes.messenger import FakeGraph
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import error as telegram_error
from tests.fakes.twilio import FakeTwilio, new_number, twilio_error

ROOT = Path(__file__).resolve().parents[2]
_chats = itertools.count(1)
_psids = itertools.count(1)


def new_chat() -> str:
    return str(880_000 + next(_chats))


def new_psid() -> str:
    return f"7{next(_psids):015d}"


def sms(recipient: str, text: str = "Hello, this is Maria.", **extra: object) -> dict:
    return {"channel": "sms", "recipient_id": recipient, "text": text, **extra}


# -- mounting and settings ---------------------------------------------------------------------


def test_credentials_yml_mounts_the_route_at_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, DELIVERY_TOKEN)
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    [route] = [c for c in channels if isinstance(c, DeliveryRoute)]
    assert route.settings.token == DELIVERY_TOKEN
    # Out of /webhooks/, which a proxy passes on to the platforms.
    assert route.url_prefix() == "/internal"


async def test_the_route_is_served_at_internal_deliveries_only(
    delivery_route: DeliveryRouteServer,
) -> None:
    routes = {route.path for route in delivery_route.app.router.routes}
    assert "internal/deliveries" in routes
    assert not any(path.startswith("webhooks/internal") for path in routes)
    response = await delivery_route.client.get("/internal/deliveries")
    assert response.status_code == 405


def test_the_token_is_read_from_the_environment_and_kept_out_of_repr() -> None:
    settings = DeliveryRouteSettings.from_env({TOKEN_VARIABLE: f"  {DELIVERY_TOKEN} "})
    assert settings.token == DELIVERY_TOKEN
    assert DELIVERY_TOKEN not in repr(settings)
    assert DeliveryRouteSettings.from_env({}).token == ""


@pytest.mark.parametrize("token", ["short", "has a space in it, long enough", "tökén-" * 4])
def test_a_weak_or_unprintable_token_is_refused_naming_the_variable(token: str) -> None:
    with pytest.raises(ValueError, match=TOKEN_VARIABLE) as raised:
        DeliveryRouteSettings(token=token)
    assert token not in str(raised.value)


def test_without_a_token_the_route_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.internal"):
        DeliveryRoute(DeliveryRouteSettings())
    assert TOKEN_VARIABLE in caplog.text


# -- authentication: before anything else -------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token-of-a-decent-length",
        f"Basic {DELIVERY_TOKEN}",
        f"Bearer {DELIVERY_TOKEN}x",
        f"Bearer {DELIVERY_TOKEN[:-1]}",
    ],
)
async def test_a_missing_or_wrong_token_is_401(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio, authorization: str | None
) -> None:
    number = new_number()
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await delivery_route.client.post(
        "/internal/deliveries", json=sms(number), headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert fake_twilio.messages(number) == []


async def test_a_non_ascii_authorization_header_is_401_not_500(
    delivery_route: DeliveryRouteServer,
) -> None:
    for value in (b"Bearer \xff\xfe", b"Bearer caf\xc3\xa9" + b"x" * 20):
        response = await delivery_route.client.post(
            "/internal/deliveries", json=sms(new_number()), headers={"Authorization": value}
        )
        assert response.status_code == 401, value


async def test_the_scheme_is_case_insensitive(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    response = await delivery_route.client.post(
        "/internal/deliveries",
        json=sms(number),
        headers={"Authorization": f"bearer {DELIVERY_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert fake_twilio.bodies(number) == ["Hello, this is Maria."]


async def test_without_a_token_configured_everything_is_refused(
    serve_delivery_route: ServeDeliveryRoute, fake_twilio: FakeTwilio
) -> None:
    server = await serve_delivery_route(token="")
    number = new_number()
    for token in ("-", DELIVERY_TOKEN):
        response = await server.deliver(sms(number), token=token)
        assert response.status_code == 401
    response = await server.client.post("/internal/deliveries", json=sms(number))
    assert response.status_code == 401
    assert fake_twilio.messages(number) == []


async def test_an_oversized_body_is_413_after_the_token_is_checked(
    delivery_route: DeliveryRouteServer,
) -> None:
    body = json.dumps(sms(new_number(), "a" * MAX_BODY_BYTES))
    assert (await delivery_route.deliver(body, token="wrong")).status_code == 401
    response = await delivery_route.deliver(body)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


async def test_the_longest_text_fits_the_body_whatever_its_characters(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    # httpx writes JSON with ASCII escapes: 12 bytes for an emoji.
    number = new_number()
    fake_twilio.reset()
    response = await delivery_route.deliver(sms(number, "😀" * MAX_TEXT_CHARS))
    assert response.status_code == 200, response.text
    assert len(fake_twilio.messages(number)) > 1  # split at Twilio's 1600 characters


# -- the body ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"not json", "not valid JSON"),
        (b"[" * 100 + b"]" * 100, "nested"),
        (b'["sms", "+15550001", "hi"]', "JSON object"),
        (b'{"channel": "sms", "text": "hi"}', "recipient_id"),
        (b'{"channel": "sms", "recipient_id": "+15550001"}', "text"),
        (b'{"recipient_id": "+15550001", "text": "hi"}', "channel"),
        (b'{"channel": 1, "recipient_id": "+15550001", "text": "hi"}', "channel"),
        (b'{"channel": "sms", "recipient_id": 15550001, "text": "hi"}', "recipient_id"),
        (b'{"channel": "sms", "recipient_id": "+15550001", "text": "  "}', "text"),
        (b'{"channel": "sms", "recipient_id": "+1555\\n0001", "text": "hi"}', "control"),
        (
            b'{"channel": "sms", "recipient_id": "+15550001", "text": "hi", "human_agent": "yes"}',
            "human_agent",
        ),
        (b'{"channel": "sms", "recipient_id": "+15550001", "text": "hi", "to": "x"}', "to"),
    ],
)
async def test_a_malformed_body_is_400(
    delivery_route: DeliveryRouteServer, body: bytes, complaint: str
) -> None:
    response = await delivery_route.deliver(body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert complaint in response.json()["detail"]


async def test_a_text_over_the_cap_is_400(delivery_route: DeliveryRouteServer) -> None:
    response = await delivery_route.deliver(sms(new_number(), "a" * (MAX_TEXT_CHARS + 1)))
    assert response.status_code == 400
    assert str(MAX_TEXT_CHARS) in response.json()["detail"]


def test_human_agent_is_false_unless_said() -> None:
    body = json.dumps(sms("+15550001")).encode()
    assert DeliveryRequest.parse(body).human_agent is False


# -- which channel ----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["fax", "rest", "internal", "SMS"])
async def test_a_channel_that_cannot_push_is_422(
    delivery_route: DeliveryRouteServer, channel: str
) -> None:
    response = await delivery_route.deliver(
        {"channel": channel, "recipient_id": "someone", "text": "hi"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "unknown_channel"
    assert repr(channel) in response.json()["detail"]


async def test_a_disabled_channel_is_422_naming_what_it_lacks(
    serve_delivery_route: ServeDeliveryRoute,
    tmp_path: Path,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
) -> None:
    environ = channel_environment(tmp_path, fake_twilio.url, fake_telegram.url, fake_graph.url)
    del environ["TWILIO_AUTH_TOKEN"]
    server = await serve_delivery_route(environ)
    number = new_number()
    response = await server.deliver(sms(number))
    assert response.status_code == 422
    assert response.json()["error"] == "channel_disabled"
    assert "TWILIO_AUTH_TOKEN" in response.json()["detail"]
    assert fake_twilio.messages(number) == []


# -- sending ----------------------------------------------------------------------------------


async def test_an_sms_goes_out_through_twilio(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    response = await delivery_route.deliver(sms(number, "Maria here: your refund is on its way."))
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "sent"}
    [message] = fake_twilio.messages(number)
    assert message["Body"] == "Maria here: your refund is on its way."


async def test_a_telegram_message_goes_out_through_the_bot_api(
    delivery_route: DeliveryRouteServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    response = await delivery_route.deliver(
        {"channel": "telegram", "recipient_id": chat, "text": "Maria here.", "human_agent": True}
    )
    assert response.status_code == 200, response.text
    assert fake_telegram.sent_texts(chat) == ["Maria here."]


async def test_a_person_writes_on_messenger_after_the_window_with_the_human_agent_tag(
    delivery_route: DeliveryRouteServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    response = await delivery_route.deliver(
        {"channel": "messenger", "recipient_id": psid, "text": "Maria here.", "human_agent": True}
    )
    assert response.status_code == 200, response.text
    [sent] = fake_graph.sent_to(psid)
    assert sent["messaging_type"] == "MESSAGE_TAG" and sent["tag"] == "HUMAN_AGENT"


# -- what did not go out ------------------------------------------------------------------------


async def test_an_opted_out_number_is_409_with_twilio_s_code(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    number = new_number()
    await delivery_route.store.opt_out(number)
    response = await delivery_route.deliver(sms(number))
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "refused"
    assert response.json()["code"] == TWILIO_UNSUBSCRIBED
    assert fake_twilio.messages(number) == []


async def test_a_number_twilio_refuses_is_409(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(twilio_error(400, 21211, "The 'To' number is not a valid phone number."))
    response = await delivery_route.deliver(sms(new_number()))
    assert response.status_code == 409
    assert response.json()["code"] == 21211


async def test_a_user_who_blocked_the_telegram_bot_is_409(
    delivery_route: DeliveryRouteServer, fake_telegram: FakeTelegram
) -> None:
    chat = new_chat()
    fake_telegram.fail_next_for(chat, telegram_error(403, "Forbidden: bot was blocked by the user"))
    response = await delivery_route.deliver(
        {"channel": "telegram", "recipient_id": chat, "text": "hi", "human_agent": True}
    )
    assert response.status_code == 409, response.text
    assert "blocked" in response.json()["detail"]


async def test_the_bot_may_not_write_after_messenger_s_window(
    delivery_route: DeliveryRouteServer, fake_graph: FakeGraph
) -> None:
    psid = new_psid()
    response = await delivery_route.deliver(
        {"channel": "messenger", "recipient_id": psid, "text": "hi"}
    )
    assert response.status_code == 409
    assert "24-hour window" in response.json()["detail"]
    assert fake_graph.sent_to(psid) == []


async def test_a_platform_that_keeps_failing_is_502(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    # Retry-After: 0 keeps the channel's own retries (five attempts) quick.
    busy = twilio_error(429, 20429, "Too Many Requests")
    busy.headers["Retry-After"] = "0"
    fake_twilio.fail_next(*[busy] * 5)
    response = await delivery_route.deliver(sms(new_number()))
    assert response.status_code == 502, response.text
    assert response.json()["error"] == "channel_failed"


async def test_a_passing_failure_is_retried_by_the_channel(
    delivery_route: DeliveryRouteServer, fake_twilio: FakeTwilio
) -> None:
    busy = Reply(503, {"code": 20500, "message": "Service Unavailable"}, {"Retry-After": "0"})
    fake_twilio.fail_next(busy)
    number = new_number()
    response = await delivery_route.deliver(sms(number))
    assert response.status_code == 200, response.text
    assert fake_twilio.bodies(number) == ["Hello, this is Maria."]


async def test_anything_else_is_the_route_s_own_500_so_it_is_not_sent_again(
    delivery_route: DeliveryRouteServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in a channel")

    monkeypatch.setattr("bot.channels.internal.send_to_customer", broken)
    with caplog.at_level(logging.ERROR, logger="bot.channels.internal"):
        response = await delivery_route.deliver(sms(new_number()))
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": INTERNAL_ERROR_DETAIL}
    assert "a bug" not in response.text  # the cause goes to the log
    [record] = [r for r in caplog.records if r.exc_info]
    assert "delivery on sms failed unexpectedly" in record.getMessage()
    assert "a bug in a channel" in caplog.text  # with its traceback


async def test_a_loaded_channel_without_a_sender_is_422(
    delivery_route: DeliveryRouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bot.channels.outbound raises this for a channel it has no output for.
    async def no_sender(channel: str, *args: object, **kwargs: object) -> None:
        raise UnknownChannel(f"no output for channel {channel!r}")

    monkeypatch.setattr("bot.channels.internal.send_to_customer", no_sender)
    response = await delivery_route.deliver(sms(new_number()))
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "unknown_channel", "detail": "no output for channel 'sms'"}


async def test_sanic_s_own_http_errors_keep_their_status(
    delivery_route: DeliveryRouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sanic raises these itself, e.g. for a chunked body over SANIC_REQUEST_MAX_SIZE.
    async def too_large(*args: object, **kwargs: object) -> None:
        raise PayloadTooLarge("Request body exceeds the size limit")

    monkeypatch.setattr("bot.channels.internal.send_to_customer", too_large)
    response = await delivery_route.deliver(sms(new_number()))
    assert response.status_code == 413
    assert "internal_error" not in response.text


# -- one handler for every answer ----------------------------------------------------------------


def handled(error: Exception) -> tuple[int, dict[str, object]]:
    """What delivery_error_response answers to ``error``, raised under the route."""
    request = cast(Request, SimpleNamespace(ctx=SimpleNamespace(delivery_channel="sms")))
    response = delivery_error_response(request, error)
    assert response.body is not None
    return response.status, json.loads(response.body)


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (Unauthorized(), 401, "unauthorized"),
        (DeliveryTooLarge(), 413, "too_large"),
        (InvalidDelivery("text must not be empty"), 400, "invalid_request"),
        (NoSuchChannel("fax"), 422, "unknown_channel"),
        (DeliveryChannelDisabled("sms", ["TWILIO_AUTH_TOKEN"]), 422, "channel_disabled"),
        (UnknownChannel("no output for channel 'fax'"), 422, "unknown_channel"),
        (OptedOut("sms", "the recipient opted out", TWILIO_UNSUBSCRIBED), 409, "refused"),
        (PermanentSendError("telegram", "Forbidden: bot was blocked", 403), 409, "refused"),
        (RetryableSendError("messenger", "HTTP 503", 2), 502, "channel_failed"),
        (SendError("sms", "failed"), 502, "channel_failed"),
        (KeyError("a bug"), 500, "internal_error"),
    ],
)  # fmt: skip
def test_each_error_answers_its_status_and_kind(error: Exception, status: int, kind: str) -> None:
    answered_status, body = handled(error)
    assert (answered_status, body["error"]) == (status, kind)
    assert isinstance(body["detail"], str) and body["detail"]
    if isinstance(error, SendError):
        assert body["code"] == error.code
    else:
        assert "code" not in body


def test_the_route_s_refusals_are_channel_errors_that_say_why() -> None:
    for refusal in (Unauthorized, DeliveryTooLarge, InvalidDelivery, NoSuchChannel):
        assert issubclass(refusal, DeliveryRefused) and issubclass(refusal, ChannelError)
    with pytest.raises(InvalidDelivery, match="human_agent"):
        DeliveryRequest.parse(json.dumps(sms("+15550001", human_agent="yes")).encode())
    with pytest.raises(InvalidDelivery, match="not valid JSON"):
        DeliveryRequest.parse(b"not json")


async def test_the_privacy_route_takes_the_same_token_and_a_bigger_body_cap(
    delivery_route: DeliveryRouteServer,
) -> None:
    """POST /internal/privacy (bot.privacy): the customer's identifiers are more than a
    delivery's 128 KiB at worst, so its cap is its own; beyond it, 413."""
    headers = {"Authorization": f"Bearer {delivery_route.token}"}
    post = delivery_route.client.post
    wrong = await post("/internal/privacy", json={}, headers={"Authorization": "Bearer no"})
    assert wrong.status_code == 401
    over = b"{" + b" " * MAX_PRIVACY_BODY_BYTES + b"}"
    assert (await post("/internal/privacy", content=over, headers=headers)).status_code == 413
    nonsense = await post("/internal/privacy", json={"step": "drop"}, headers=headers)
    assert nonsense.status_code == 400 and nonsense.json()["error"] == "invalid_request"
