"""nginx in front of the production profile's Rasa instances and action servers.

Debian's nginx, run as a child process of ``make run-prod`` (scripts.run's
:class:`~scripts.run.Service`), configured from
deploy/nginx/northwind.conf.template, with its configuration, pid file, logs
and temporary files in the state folder (``RUN_PROD_STATE``). Its access log
names the instance that served each request: :func:`served_by` counts them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

from scripts.run import ROOT, Service

NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "northwind.conf.template"
# The folder of nginx's configuration, pid file, logs and temporary files.
STATE_VARIABLE = "RUN_PROD_STATE"
# Rasa's limit (bot/server.py) and the action server's (actions/settings.py).
RASA_MAX_BODY = "1m"
ACTIONS_MAX_BODY = "8m"
_UPSTREAM = re.compile(r" upstream=(.*?) time=")


def nginx_config(env: dict[str, str], rasa_ports: list[int], action_ports: list[int]) -> str:
    """deploy/nginx's template, filled for these instances."""
    state = Path(env[STATE_VARIABLE])
    interface = env.get("RASA_INTERFACE", "").strip() or "127.0.0.1"
    listen_host = f"[{interface}]" if ":" in interface else interface

    def servers(ports: list[int]) -> str:
        # Passive checks: after three failures within 5 s, an instance rests
        # 5 s. Not after one: a single slow answer (a turn waiting for a
        # conversation's lock) would take the only instance left out of
        # service, and every customer would get a 502 meanwhile.
        return "\n".join(
            f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;" for port in ports
        )

    values = {
        "STATE": str(state),
        "RASA_LISTEN": f"{listen_host}:{env['RASA_PORT']}",
        "ACTIONS_LISTEN": f"127.0.0.1:{env['ACTIONS_PORT']}",
        "RASA_SERVERS": servers(rasa_ports),
        "ACTIONS_SERVERS": servers(action_ports),
        "RASA_MAX_BODY": RASA_MAX_BODY,
        "ACTIONS_MAX_BODY": ACTIONS_MAX_BODY,
    }
    config = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        config = config.replace(f"@{name}@", value)
    left = re.search(r"@[A-Z_]+@", config)
    if left:
        raise ValueError(f"{NGINX_TEMPLATE} has a placeholder nobody fills: {left.group()}")
    return config


def nginx_binary() -> str:
    """Debian's nginx: NGINX if set, else on PATH or in /usr/sbin (not on a user's PATH)."""
    found = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).is_file():
        raise FileNotFoundError(
            "nginx is not installed: `make run-prod` installs Debian's "
            "(apt-get install nginx-light), or set NGINX to its path"
        )
    return found


def nginx_service(env: dict[str, str], rasa_ports: list[int], action_ports: list[int]) -> Service:
    """nginx as a child process, its configuration written under the state folder."""
    state = Path(env[STATE_VARIABLE])
    (state / "nginx").mkdir(parents=True, exist_ok=True)
    config = state / "nginx.conf"
    config.write_text(nginx_config(env, rasa_ports, action_ports))
    return Service(
        "load balancer (nginx)",
        [
            nginx_binary(),
            *("-c", str(config), "-p", str(state), "-e", str(state / "nginx-error.log")),
            *("-g", "daemon off;"),
        ],
        # Through nginx to a Rasa instance: answers once the path works.
        f"http://127.0.0.1:{env['RASA_PORT']}/",
        # nginx reads no variable: it gets none, secrets least of all.
        withheld=("",),
        after_others=True,
    )


def served_by(env: dict[str, str], path_prefix: str = "/") -> Counter[str]:
    """How many requests under ``path_prefix`` each upstream ``host:port`` served (nginx's log).

    A request nginx passed on after a failure names both upstreams; each is counted.
    """
    log = Path(env[STATE_VARIABLE]) / "nginx-access.log"
    counts: Counter[str] = Counter()
    if not log.exists():
        return counts
    for line in log.read_text().splitlines():
        fields = line.split(" ", 3)
        match = _UPSTREAM.search(line)
        if len(fields) < 3 or not fields[2].startswith(path_prefix) or match is None:
            continue
        for upstream in match.group(1).split(","):
            counts[upstream.strip()] += 1
    return counts
