"""scripts.run and the endpoints files: the Rasa server sends the secret the action server wants.

The last test has Rasa's own client for custom actions (``RemoteAction``, as
configured by the endpoints file ``isolated_environment`` writes) call a real
action server, plain and deflated, without starting the Rasa server.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import read_endpoint_config
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.events import SlotSet as SdkSlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.types import DomainDict
from sanic import Sanic

from actions.server import create_app
from actions.settings import ActionSettings
from bot.channels.internal import DeliveryRouteSettings
from handoff.settings import HandoffSettings
from scripts import run
from scripts.run import DELIVERY_TOKEN, environment, isolated_environment, services
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "endpoints-test-token-0123456789"
# What endpoints.production.yml needs besides the action server's two variables.
PRODUCTION_VARIABLES = (
    "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "REDIS_HOST", "REDIS_PORT",
    "REDIS_PASSWORD", "RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD",
)  # fmt: skip


@pytest.fixture
def rasa_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The variables the endpoints files refer to (Rasa expands them from os.environ)."""
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("ACTIONS_TOKEN", TOKEN)
    for name in PRODUCTION_VARIABLES:
        monkeypatch.setenv(name, "unused")
    yield


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_the_endpoints_files_send_the_token_to_the_action_server(
    rasa_environment: None, monkeypatch: pytest.MonkeyPatch, endpoints: str
) -> None:
    config = read_endpoint_config(str(ROOT / endpoints), "action_endpoint")

    assert config is not None
    assert config.headers == {"Authorization": f"Bearer {TOKEN}"}
    # Not as a query parameter, which access logs keep.
    assert config.token is None and config.params == {}
    # Without the variable Rasa refuses to start rather than send no token.
    monkeypatch.delenv("ACTIONS_TOKEN")
    with pytest.raises(RasaException, match="ACTIONS_TOKEN"):
        read_endpoint_config(str(ROOT / endpoints), "action_endpoint")


def test_make_run_generates_the_token_once_into_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "ROOT", tmp_path)
    for name in ("ACTIONS_TOKEN", "RASA_AUTH_TOKEN", "HANDOFF_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    env, _ = environment()
    again, _ = environment()

    token_file = tmp_path / "var" / "actions_token"
    assert env["ACTIONS_TOKEN"] == token_file.read_text().strip() == again["ACTIONS_TOKEN"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert ActionSettings.from_env(env).token == env["ACTIONS_TOKEN"]
    # One given in the environment is used as it is.
    monkeypatch.setenv("ACTIONS_TOKEN", TOKEN)
    assert environment()[0]["ACTIONS_TOKEN"] == TOKEN


def test_isolated_environments_get_a_token_of_their_own(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = isolated_environment(tmp_path / "a", tmp_path / "model.tar.gz")
    second = isolated_environment(tmp_path / "b", tmp_path / "model.tar.gz")

    assert first["ACTIONS_TOKEN"] != second["ACTIONS_TOKEN"]
    assert first["ACTIONS_TOKEN"] != os.environ.get("ACTIONS_TOKEN")
    ActionSettings.from_env(first)  # a token the action server accepts
    assert first[DELIVERY_TOKEN] != second[DELIVERY_TOKEN]
    DeliveryRouteSettings.from_env(first)  # and one the delivery route accepts


def test_make_run_gives_both_ends_of_the_delivery_route_one_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.delenv(DELIVERY_TOKEN, raising=False)

    env, _ = environment()
    again, _ = environment()

    token_file = tmp_path / "var" / "handoff_delivery_token"
    assert env[DELIVERY_TOKEN] == token_file.read_text().strip() == again[DELIVERY_TOKEN]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    handoff, actions, rasa = services(env, handoff=True)
    # The same value at both ends of the route, and nowhere else.
    assert HandoffSettings.from_env(handoff.environment(env)).delivery_token == env[DELIVERY_TOKEN]
    assert DeliveryRouteSettings.from_env(rasa.environment(env)).token == env[DELIVERY_TOKEN]
    assert DELIVERY_TOKEN not in actions.environment(env)
    monkeypatch.setenv(DELIVERY_TOKEN, TOKEN)
    assert environment()[0][DELIVERY_TOKEN] == TOKEN


def test_each_service_gets_only_the_secrets_it_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    channel_variables = {
        "TWILIO_AUTH_TOKEN": "t",
        "TELEGRAM_BOT_TOKEN": "t",
        "MESSENGER_APP_SECRET": "t",
        "META_APP_SECRET": "t",
        "SMS_HELP_TEXT": "t",
        "CHANNELS_DATABASE_URL": "sqlite:///var/channels.db",
    }
    env = {
        "RASA_PORT": "5005",
        "ACTIONS_PORT": "5055",
        "ACTIONS_TOKEN": TOKEN,
        "HANDOFF_ADMIN_TOKEN": TOKEN,
        "RASA_AUTH_TOKEN": TOKEN,
        DELIVERY_TOKEN: TOKEN,
        **channel_variables,
    }
    handoff, actions, rasa = services(env, handoff=True)

    # Each gets the secrets it uses, and no other.
    assert set(rasa.environment(env)) == set(env) - {"HANDOFF_ADMIN_TOKEN"}
    for service in (handoff, actions):
        assert not set(channel_variables) & set(service.environment(env)), service.name
    # The handoff service calls the Rasa server, never the action server.
    assert set(handoff.environment(env)) == {
        "RASA_PORT", "ACTIONS_PORT", "HANDOFF_ADMIN_TOKEN", "RASA_AUTH_TOKEN", DELIVERY_TOKEN,
    }  # fmt: skip
    assert set(actions.environment(env)) == {
        "RASA_PORT", "ACTIONS_PORT", "ACTIONS_TOKEN", "HANDOFF_ADMIN_TOKEN",
    }  # fmt: skip


class SayHello(Action):
    def name(self) -> str:
        return "action_say_hello"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=f"hello {tracker.sender_id}")
        return [SdkSlotSet("greeted", True)]


@pytest.mark.parametrize("compress", [False, True])
async def test_rasas_remote_action_reaches_the_action_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    env = isolated_environment(tmp_path, tmp_path / "model.tar.gz")
    executor = ActionExecutor()
    executor.register_action(SayHello)
    app = create_app(ActionSettings.from_env(env), executor=executor)
    server = await LiveServer(app).start()
    try:
        # Rasa reads the endpoints file with the environment the launcher gives it.
        monkeypatch.setenv("ACTION_ENDPOINT_URL", f"{server.client.base_url}/webhook")
        monkeypatch.setenv("ACTIONS_TOKEN", env["ACTIONS_TOKEN"])
        monkeypatch.setenv("COMPRESS_ACTION_SERVER_REQUEST", str(compress).lower())
        endpoint = read_endpoint_config(env["RASA_ENDPOINTS"], "action_endpoint")
        domain = Domain.from_dict({"actions": ["action_say_hello"]})
        tracker = DialogueStateTracker.from_events("demo-alice", [UserUttered("hi")])

        events = await RemoteAction("action_say_hello", endpoint).run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain
        )

        [said, greeted] = events
        assert getattr(said, "text", None) == "hello demo-alice"
        assert greeted == SlotSet("greeted", True)
        # And one without the token gets nowhere.
        monkeypatch.setenv("ACTIONS_TOKEN", "someone-elses-token-0123456789")
        forged = read_endpoint_config(env["RASA_ENDPOINTS"], "action_endpoint")
        with pytest.raises(RasaException, match="Failed to execute custom action"):
            await RemoteAction("action_say_hello", forged).run(
                CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain
            )
    finally:
        await server.stop()


def test_the_banner_says_where_the_tokens_are_and_never_prints_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "ROOT", tmp_path)
    for name in ("RASA_AUTH_TOKEN", "HANDOFF_ADMIN_TOKEN", "ACTIONS_TOKEN", "RASA_INTERFACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(DELIVERY_TOKEN, raising=False)
    env, generated = environment()
    monkeypatch.setattr(run, "channel_status", lambda url, channel: "enabled")
    text = run.banner(env, generated)
    for name in ("RASA_AUTH_TOKEN", "HANDOFF_ADMIN_TOKEN", "ACTIONS_TOKEN", DELIVERY_TOKEN):
        assert env[name] not in text
    assert "var/rasa_auth_token" in text and "var/handoff_admin_token" in text


@pytest.mark.parametrize(
    ("interface", "host"),
    [
        (None, "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("::", "127.0.0.1"),
        ("10.1.2.3", "10.1.2.3"),
        ("fd00::1", "[fd00::1]"),
    ],
)
def test_make_run_reaches_rasa_where_it_listens(interface: str | None, host: str) -> None:
    env = {"RASA_PORT": "5005", "ACTIONS_PORT": "5055"}
    if interface is not None:
        env["RASA_INTERFACE"] = interface
    [rasa] = [s for s in run.services(env) if s.name == "Rasa server"]
    assert rasa.health_url == f"http://{host}:5005/"
