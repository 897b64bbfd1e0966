"""scripts.register_webhooks: the one-off registration with Telegram and Meta.

Run against two small local fakes that answer the way the Telegram Bot API
and the Graph API document; the tests check exactly what was sent.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.register_webhooks import MESSENGER_SUBSCRIBED_FIELDS, main
from tests.fakes.server import FakeApi, Recorded, Reply

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "123456:TEST-register-token"
SECRET_TOKEN = "telegram-register_secret-1"
PAGE_TOKEN = "page-access-token-for-registering"
PUBLIC_URL = "https://bot.example.test"


class FakeBotApi(FakeApi):
    """Telegram Bot API: getMe and setWebhook, for one bot token."""

    def handle(self, request: Recorded) -> Reply:
        prefix = f"/bot{BOT_TOKEN}/"
        if not request.path.startswith(prefix):
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.path[len(prefix) :]
        if method == "getMe":
            user = {"id": 123456, "is_bot": True, "first_name": "Northwind", "username": "nw_bot"}
            return Reply(200, {"ok": True, "result": user})
        if method == "setWebhook":
            return Reply(200, {"ok": True, "result": True, "description": "Webhook was set"})
        return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})


class FakeGraphApi(FakeApi):
    """Graph API: a page subscribing to the app's webhook fields with its page token."""

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/v21.0/me/subscribed_apps":
            return Reply(400, {"error": {"message": "Unsupported request", "code": 100}})
        if request.form().get("access_token") != PAGE_TOKEN:
            error = {
                "message": "Invalid OAuth access token.",
                "type": "OAuthException",
                "code": 190,
            }
            return Reply(400, {"error": error})
        return Reply(200, {"success": True})


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def graph_api() -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def environ(bot_api: FakeBotApi, graph_api: FakeGraphApi) -> dict[str, str]:
    bot_api.reset()
    graph_api.reset()
    return {
        "PUBLIC_URL": PUBLIC_URL + "/",  # a trailing slash must not double up
        "CHANNELS_HTTP_TIMEOUT_S": "5",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": SECRET_TOKEN,
        "TELEGRAM_API_BASE_URL": bot_api.url,
        "MESSENGER_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "MESSENGER_APP_SECRET": "app-secret",
        "MESSENGER_VERIFY_TOKEN": "verify-token",
        "MESSENGER_API_BASE_URL": graph_api.url,
    }


def set_webhook_calls(bot_api: FakeBotApi) -> list[Recorded]:
    return [r for r in bot_api.requests if r.path.endswith("/setWebhook")]


def test_telegram_webhook_is_set_with_exact_parameters(
    environ: dict[str, str],
    bot_api: FakeBotApi,
    graph_api: FakeGraphApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["telegram"], environ) == 0

    assert [r.path for r in bot_api.requests] == [
        f"/bot{BOT_TOKEN}/getMe",
        f"/bot{BOT_TOKEN}/setWebhook",
    ]
    [call] = set_webhook_calls(bot_api)
    assert call.method == "POST"
    sent = call.form()
    assert sent["url"] == "https://bot.example.test/webhooks/telegram/webhook"
    assert sent["secret_token"] == SECRET_TOKEN
    assert json.loads(sent["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    assert json.loads(sent["drop_pending_updates"]) is False
    assert set(sent) == {"url", "secret_token", "allowed_updates", "drop_pending_updates"}
    assert graph_api.requests == []  # only the channel asked for

    out = capsys.readouterr().out
    assert "@nw_bot" in out
    assert "https://bot.example.test/webhooks/telegram/webhook" in out
    assert SECRET_TOKEN not in out  # secrets are not printed


def test_messenger_page_is_subscribed_with_exact_parameters(
    environ: dict[str, str],
    bot_api: FakeBotApi,
    graph_api: FakeGraphApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["messenger"], environ) == 0

    [call] = graph_api.requests
    assert (call.method, call.path) == ("POST", "/v21.0/me/subscribed_apps")
    assert call.form() == {
        "subscribed_fields": (
            "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes"
        ),
        "access_token": PAGE_TOKEN,
    }
    assert call.query == {}  # the token is not in the URL
    assert bot_api.requests == []

    out = capsys.readouterr().out
    assert "subscribed" in out
    assert "https://bot.example.test/webhooks/messenger/webhook" in out
    assert PAGE_TOKEN not in out


def test_all_registers_both_once(
    environ: dict[str, str], bot_api: FakeBotApi, graph_api: FakeGraphApi
) -> None:
    assert main(["all"], environ) == 0
    assert len(set_webhook_calls(bot_api)) == 1
    assert len(graph_api.requests) == 1


def test_all_is_the_default(
    environ: dict[str, str], bot_api: FakeBotApi, graph_api: FakeGraphApi
) -> None:
    assert main([], environ) == 0
    assert len(set_webhook_calls(bot_api)) == 1
    assert len(graph_api.requests) == 1


def test_api_version_comes_from_settings(environ: dict[str, str], graph_api: FakeGraphApi) -> None:
    environ["MESSENGER_API_VERSION"] = "v99.0"
    assert main(["messenger"], environ) == 1  # the fake only knows v21.0...
    assert [r.path for r in graph_api.requests] == ["/v99.0/me/subscribed_apps"]  # ...but it asked


@pytest.mark.parametrize("channel", ["telegram", "all"])
def test_missing_public_url_is_an_error_and_nothing_is_sent(
    environ: dict[str, str],
    bot_api: FakeBotApi,
    graph_api: FakeGraphApi,
    capsys: pytest.CaptureFixture[str],
    channel: str,
) -> None:
    del environ["PUBLIC_URL"]
    assert main([channel], environ) == 1
    assert "PUBLIC_URL is not set" in capsys.readouterr().err
    assert bot_api.requests == []
    assert graph_api.requests == []


def test_messenger_alone_does_not_need_public_url(
    environ: dict[str, str], graph_api: FakeGraphApi
) -> None:
    # The page subscription names no URL (the callback is set in the app dashboard).
    del environ["PUBLIC_URL"]
    assert main(["messenger"], environ) == 0
    assert len(graph_api.requests) == 1


def test_http_public_url_is_refused_for_telegram(
    environ: dict[str, str], bot_api: FakeBotApi, capsys: pytest.CaptureFixture[str]
) -> None:
    environ["PUBLIC_URL"] = "http://bot.example.test"
    assert main(["telegram"], environ) == 1
    assert "https://" in capsys.readouterr().err
    assert bot_api.requests == []


@pytest.mark.parametrize(
    "channel, unset, name",
    [
        ("telegram", "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"),
        ("telegram", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_SECRET_TOKEN"),
        ("messenger", "MESSENGER_PAGE_ACCESS_TOKEN", "MESSENGER_PAGE_ACCESS_TOKEN"),
        ("messenger", "MESSENGER_APP_SECRET", "MESSENGER_APP_SECRET"),
        ("all", "MESSENGER_VERIFY_TOKEN", "MESSENGER_VERIFY_TOKEN"),
        ("all", "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_missing_channel_setting_is_an_error_and_nothing_is_sent(
    environ: dict[str, str],
    bot_api: FakeBotApi,
    graph_api: FakeGraphApi,
    capsys: pytest.CaptureFixture[str],
    channel: str,
    unset: str,
    name: str,
) -> None:
    environ[unset] = "  "  # set but blank is the same as missing
    assert main([channel], environ) == 1
    err = capsys.readouterr().err
    assert f"{name} is not set" in err
    assert "nothing registered" in err
    # With "all", the configured channel is not registered either.
    assert bot_api.requests == []
    assert graph_api.requests == []


@pytest.mark.parametrize("secret", ["has spaces", "base64+/=", "x" * 257])
def test_secret_token_telegram_would_refuse_is_an_error(
    environ: dict[str, str],
    bot_api: FakeBotApi,
    capsys: pytest.CaptureFixture[str],
    secret: str,
) -> None:
    environ["TELEGRAM_SECRET_TOKEN"] = secret
    assert main(["telegram"], environ) == 1
    assert "TELEGRAM_SECRET_TOKEN may only hold" in capsys.readouterr().err
    assert bot_api.requests == []


def test_wrong_bot_token_is_reported(
    environ: dict[str, str], bot_api: FakeBotApi, capsys: pytest.CaptureFixture[str]
) -> None:
    environ["TELEGRAM_BOT_TOKEN"] = "999:WRONG"
    assert main(["telegram"], environ) == 1
    err = capsys.readouterr().err
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in err
    assert "999:WRONG" not in err
    assert set_webhook_calls(bot_api) == []  # getMe failed first


def test_telegram_error_answer_is_reported(
    environ: dict[str, str], bot_api: FakeBotApi, capsys: pytest.CaptureFixture[str]
) -> None:
    bot_api.fail_next(
        Reply(200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "B"}}),
        Reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook"}),
    )
    assert main(["telegram"], environ) == 1
    assert "Telegram refused setWebhook: Bad webhook" in capsys.readouterr().err


def test_graph_error_is_reported_and_earlier_registrations_printed(
    environ: dict[str, str], graph_api: FakeGraphApi, capsys: pytest.CaptureFixture[str]
) -> None:
    environ["MESSENGER_PAGE_ACCESS_TOKEN"] = "expired-token"
    assert main(["all"], environ) == 1
    captured = capsys.readouterr()
    assert "telegram: @nw_bot" in captured.out  # done before Messenger failed
    assert "Invalid OAuth access token. (code 190)" in captured.err
    assert "expired-token" not in captured.err


def test_graph_answer_without_success_is_an_error(
    environ: dict[str, str], graph_api: FakeGraphApi, capsys: pytest.CaptureFixture[str]
) -> None:
    graph_api.fail_next(Reply(200, {"success": False}))
    assert main(["messenger"], environ) == 1
    assert "Messenger refused" in capsys.readouterr().err


@pytest.mark.parametrize("channel", ["telegram", "messenger"])
def test_unreachable_api_is_an_error_not_a_traceback(
    environ: dict[str, str], capsys: pytest.CaptureFixture[str], channel: str
) -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environ["TELEGRAM_API_BASE_URL"] = environ["MESSENGER_API_BASE_URL"] = dead_url
    assert main([channel], environ) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert f"could not reach {dead_url}" in err
    assert "Traceback" not in err


def test_unknown_channel_is_a_usage_error(environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["whatsapp"], environ)
    assert exited.value.code == 2


def test_runs_as_a_module(environ: dict[str, str], graph_api: FakeGraphApi) -> None:
    env = {**os.environ, **environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.register_webhooks", "messenger"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert ",".join(MESSENGER_SUBSCRIBED_FIELDS) in result.stdout
    assert len(graph_api.requests) == 1
