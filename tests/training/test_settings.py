"""The tools find the tracker store, the server and its token as the running assistant does."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.settings import TrainingSettings, tracker_url_from


def test_the_tracker_store_of_endpoints_yml_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "endpoints.yml").write_text(
        "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n"
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/tracker.db\n"
    )
    settings = TrainingSettings.from_env({}, root=tmp_path)
    # The action server's ${VAR} is not needed to find the tracker store.
    assert settings.tracker_url == f"sqlite:///{tmp_path}/var/tracker.db"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.model == tmp_path / "models" / "retail-bot.tar.gz"


def test_a_production_tracker_store_with_its_password_from_the_environment(
    tmp_path: Path,
) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n"
        "  port: 5433\n  db: rasa\n  username: bot\n  password: ${DB_PASSWORD}\n"
    )
    url = tracker_url_from(endpoints, tmp_path, {"DB_PASSWORD": "s3cret"})
    assert url == "postgresql://bot:s3cret@db.internal:5433/rasa"
    with pytest.raises(SystemExit, match="DB_PASSWORD"):
        tracker_url_from(endpoints, tmp_path, {})


def test_environment_overrides(tmp_path: Path) -> None:
    settings = TrainingSettings.from_env(
        {
            "TRAINING_TRACKER_URL": "postgresql://x@y/z",
            "RASA_PORT": "6006",
            "RASA_AUTH_TOKEN": "tok",
            "RASA_MODEL": "elsewhere/m.tar.gz",
            "TRAINING_REPORTS_DIR": "out",
        },
        root=tmp_path,
    )
    assert settings.tracker_url == "postgresql://x@y/z"
    assert settings.rasa_url == "http://127.0.0.1:6006"
    assert settings.auth_token == "tok"
    assert settings.model == tmp_path / "elsewhere" / "m.tar.gz"
    assert settings.reports_dir == tmp_path / "out"


def test_the_token_make_run_generated_is_used_when_none_is_set(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "rasa_auth_token").write_text("generated\n")
    assert TrainingSettings.from_env({}, root=tmp_path).auth_token == "generated"
    assert TrainingSettings.from_env({}, root=tmp_path / "none").auth_token == ""


def test_a_malformed_port_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RASA_PORT must be a whole number"):
        TrainingSettings.from_env({"RASA_PORT": "50o5"}, root=tmp_path)
