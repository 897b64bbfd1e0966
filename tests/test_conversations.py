"""The conversation tests in tests/test_stories.yml, replayed by `rasa test`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_conversation_stories_predict_every_intent_and_action(
    model_path: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "rasa", "test", "core",
            "--model", str(model_path),
            "--stories", str(ROOT / "tests" / "test_stories.yml"),
            "--out", str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    details = (
        failed.read_text() if failed.exists() else result.stdout[-5000:] + result.stderr[-5000:]
    )
    assert result.returncode == 0, details
    # rasa writes this file even when everything passed; it must hold no story then.
    assert "- story:" not in (failed.read_text() if failed.exists() else "")
