"""Stock Rasa to compare against: its `rasa init` bot, and its default config on our data.

    .venv/bin/python -m bench.baselines        # train what is missing, print the paths

Both models are trained once and cached under var/bench/:

  rasa-init-<rasa version>.tar.gz
      `rasa init --no-prompt`: the sample bot, with the config it writes
      (an empty pipeline and policies, so Rasa's defaults).
  stock-ours-<hash>.tar.gz
      that same config, trained on our data/ and domain.yml: Rasa's default
      pipeline and policies, without our escalation policy or anything else
      of ours. The hash covers the data, the domain and the config, so a
      change to any of them trains again.

The servers are plain `rasa run` (Rasa's own REST channel, no auth), started
on free ports. The stock-on-our-data one calls our action server, as our
domain's custom actions and forms need it, and stores conversations the way
ours does (SQLite tracker store, SQL event broker: isolated_environment), so
that the difference to our system is our own components.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.run import ROOT, Service, free_ports, isolated_environment, running, services

CACHE = ROOT / "var" / "bench"
# Rasa's own channel, as `rasa init` configures it (without the `rasa:` socket one).
STOCK_CREDENTIALS = "rest:\n"
TRAIN_TIMEOUT_S = 3600


def rasa_version() -> str:
    return importlib.metadata.version("rasa")


def initial_project() -> Path:
    """The files `rasa init` copies (shipped inside the rasa package)."""
    spec = importlib.util.find_spec("rasa")
    assert spec is not None and spec.origin is not None, "rasa is not installed"
    return Path(spec.origin).parent / "cli" / "initial_project"


def stock_config() -> Path:
    """The config.yml `rasa init` writes: Rasa's default pipeline and policies."""
    return initial_project() / "config.yml"


def _rasa(*args: str, cwd: Path) -> None:
    # nice: the training shares the machine with whatever else runs there.
    command = ["nice", "-n", "10", sys.executable, "-m", "rasa", *args]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(command, cwd=cwd, env=env, check=True, timeout=TRAIN_TIMEOUT_S)


def rasa_init_model() -> Path:
    """The `rasa init` bot's model, trained on first use."""
    target = CACHE / f"rasa-init-{rasa_version()}.tar.gz"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "init"
        project.mkdir()  # `rasa init` refuses a directory that does not exist
        print(f"training the `rasa init` bot into {target.relative_to(ROOT)} (once)", flush=True)
        # --no-prompt also trains the sample bot.
        _rasa("init", "--no-prompt", "--init-dir", str(project), cwd=Path(scratch))
        models = sorted((project / "models").glob("*.tar.gz"))
        if not models:
            _rasa("train", "--out", "models", cwd=project)
            models = sorted((project / "models").glob("*.tar.gz"))
        shutil.copyfile(models[-1], target)
    return target


def our_data_hash() -> str:
    """Of data/, domain.yml and the stock config: what the stock-on-our-data model learns from."""
    digest = hashlib.sha256()
    files = [*sorted((ROOT / "data").rglob("*.yml")), ROOT / "domain.yml", stock_config()]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def stock_ours_model() -> Path:
    """Rasa's default pipeline and policies trained on our data and domain, on first use."""
    target = CACHE / f"stock-ours-{rasa_version()}-{our_data_hash()}.tar.gz"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        print(f"training stock Rasa on our data into {target.relative_to(ROOT)} (once)", flush=True)
        # A copy: `rasa train` writes the defaults it chose (and an assistant id)
        # into the config file it is given, which must not be the rasa package's.
        config = Path(scratch) / "config.yml"
        shutil.copyfile(stock_config(), config)
        _rasa(
            "train",
            "--config", str(config),
            "--domain", str(ROOT / "domain.yml"),
            "--data", str(ROOT / "data"),
            "--out", scratch,
            "--fixed-model-name", "stock-ours",
            cwd=Path(scratch),
        )  # fmt: skip
        shutil.copyfile(Path(scratch) / "stock-ours.tar.gz", target)
    return target


def rasa_run(model: Path, port: int, state: Path, endpoints: Path | None) -> Service:
    """Plain `rasa run` with Rasa's REST channel on 127.0.0.1:``port``."""
    credentials = state / "stock-credentials.yml"
    credentials.write_text(STOCK_CREDENTIALS)
    command = [
        sys.executable, "-m", "rasa", "run",
        "--model", str(model),
        "--interface", "127.0.0.1",
        "--port", str(port),
        "--credentials", str(credentials),
    ]  # fmt: skip
    if endpoints is not None:
        command += ["--endpoints", str(endpoints)]
    return Service("stock Rasa server", command, f"http://127.0.0.1:{port}/")


@contextmanager
def rasa_init_system(state: Path) -> Iterator[str]:
    """The `rasa init` bot, as `rasa run` serves it by default (conversations in memory)."""
    model = rasa_init_model()
    (port,) = free_ports(1)
    endpoints = state / "stock-endpoints.yml"
    # `rasa init`'s endpoints.yml configures nothing: in-memory tracker store, no broker.
    endpoints.write_text("{}\n")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    with running([rasa_run(model, port, state, endpoints)], env):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def stock_ours_system(state: Path) -> Iterator[str]:
    """Stock Rasa on our data, with our action server and our stores (see the module doc)."""
    model = stock_ours_model()
    env = isolated_environment(state, model)
    action_server = [s for s in services(env) if s.name == "action server"]
    rasa = rasa_run(model, int(env["RASA_PORT"]), state, Path(env["RASA_ENDPOINTS"]))
    with running([*action_server, rasa], env):
        yield env["RASA_URL"]


def main() -> None:
    print(rasa_init_model())
    print(stock_ours_model())


if __name__ == "__main__":
    main()
