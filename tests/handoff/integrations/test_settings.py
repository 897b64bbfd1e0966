"""handoff.integrations.settings: HANDOFF_* variables, and clear errors at start-up."""

from __future__ import annotations

import pytest

from handoff.integrations.settings import IntegrationSettings

WEBHOOK = {
    "HANDOFF_INTEGRATIONS": "webhook",
    "HANDOFF_WEBHOOK_URL": "https://cc.example.com/hooks/handoff",
    "HANDOFF_WEBHOOK_SECRET": "s" * 32,
}
ZENDESK = {
    "HANDOFF_INTEGRATIONS": "zendesk",
    "HANDOFF_ZENDESK_URL": "https://acme.zendesk.com/",
    "HANDOFF_ZENDESK_EMAIL": "bot@acme.com",
    "HANDOFF_ZENDESK_API_TOKEN": "token-123",
    "HANDOFF_ZENDESK_WEBHOOK_SECRET": "signing-secret",
}


def test_nothing_set_means_only_the_built_in_desk() -> None:
    settings = IntegrationSettings.from_env({})
    assert settings.adapters == ()
    assert not settings.enabled


def test_both_adapters_with_their_settings() -> None:
    env = {**WEBHOOK, **ZENDESK, "HANDOFF_INTEGRATIONS": " Webhook, zendesk "}
    env |= {"HANDOFF_INTEGRATION_RETRY_MAX_S": "60", "HANDOFF_INTEGRATION_CONCURRENCY": "2"}
    settings = IntegrationSettings.from_env(env)
    assert settings.adapters == ("webhook", "zendesk")
    assert settings.zendesk_url == "https://acme.zendesk.com"
    assert (settings.retry_max_s, settings.concurrency) == (60.0, 2)


def test_secrets_stay_out_of_repr() -> None:
    text = repr(IntegrationSettings.from_env({**WEBHOOK, **ZENDESK, "HANDOFF_INTEGRATIONS": ""}))
    for secret in ("s" * 32, "token-123", "signing-secret"):
        assert secret not in text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HANDOFF_INTEGRATIONS": "freshdesk"}, "unknown adapter 'freshdesk'"),
        ({**WEBHOOK, "HANDOFF_INTEGRATIONS": "webhook,webhook"}, "names an adapter twice"),
        ({**WEBHOOK, "HANDOFF_WEBHOOK_URL": ""}, "HANDOFF_WEBHOOK_URL is required"),
        ({**WEBHOOK, "HANDOFF_WEBHOOK_URL": "cc.example.com"}, "must be an http(s) URL"),
        ({**WEBHOOK, "HANDOFF_WEBHOOK_SECRET": "short"}, "at least 16 characters"),
        ({**ZENDESK, "HANDOFF_ZENDESK_API_TOKEN": ""}, "HANDOFF_ZENDESK_API_TOKEN is required"),
        ({**ZENDESK, "HANDOFF_ZENDESK_WEBHOOK_SECRET": ""}, "HANDOFF_ZENDESK_WEBHOOK_SECRET"),
        ({**ZENDESK, "HANDOFF_ZENDESK_EMAIL": "bot"}, "email address"),
        ({"HANDOFF_INTEGRATION_POLL_S": "fast"}, "must be a number"),
        ({"HANDOFF_INTEGRATION_TIMEOUT_S": "0"}, "must be a positive number"),
        ({"HANDOFF_INTEGRATION_RETRY_MAX_S": "0.5"}, "must not be below"),
        ({"HANDOFF_INTEGRATION_CONCURRENCY": "two"}, "must be a whole number"),
        ({"HANDOFF_INTEGRATION_CONCURRENCY": "0"}, "positive integer"),
    ],
)
def test_invalid_settings_are_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=None) as error:
        IntegrationSettings.from_env(env)
    assert message in str(error.value)


RECORDS = {
    "HANDOFF_RECORDS_WEBHOOK_URL": "https://crm.example.com/hooks/records",
    "HANDOFF_RECORDS_WEBHOOK_SECRET": "r" * 32,
}


def test_the_crm_webhook_is_on_when_its_url_is_set() -> None:
    settings = IntegrationSettings.from_env(RECORDS)
    assert settings.adapters == ()
    assert settings.running == ("records_webhook",)
    assert settings.enabled
    both = IntegrationSettings.from_env({**WEBHOOK, **RECORDS})
    assert both.running == ("webhook", "records_webhook")
    assert both.webhook_url != both.records_webhook_url
    assert "r" * 32 not in repr(both)
    off = IntegrationSettings.from_env({"HANDOFF_RECORDS_WEBHOOK_SECRET": "r" * 32})
    assert (off.running, off.enabled) == ((), False)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**RECORDS, "HANDOFF_RECORDS_WEBHOOK_URL": "crm.example.com"}, "must be an http(s) URL"),
        ({**RECORDS, "HANDOFF_RECORDS_WEBHOOK_SECRET": ""}, "HANDOFF_RECORDS_WEBHOOK_SECRET"),
        ({**RECORDS, "HANDOFF_RECORDS_WEBHOOK_SECRET": "short"}, "at least 16 characters"),
        ({"HANDOFF_INTEGRATIONS": "records_webhook"}, "HANDOFF_RECORDS_WEBHOOK_URL"),
    ],
)
def test_invalid_crm_webhook_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as error:
        IntegrationSettings.from_env(env)
    assert message in str(error.value)
