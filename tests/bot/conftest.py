"""The trained model loaded in this process, for tests of what runs inside Rasa."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent


@pytest.fixture(scope="session")
def agent(model_path: Path) -> Agent:
    return Agent.load(str(model_path))
