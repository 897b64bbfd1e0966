"""deploy/: the Kubernetes manifests are valid, hardened and secret-free; the Helm values fit.

kubernetes-validate checks each document against the API's own schema
(strict: an unknown or misspelt field is an error, where kubectl would drop
it silently) for the Kubernetes version below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
HELM_VALUES = ROOT / "deploy" / "helm" / "rasa-values.yaml"
KUBERNETES_VERSION = "1.28.0"
# A variable with one of these in its name holds a secret (a URL: a password).
SECRET_WORDS = ("TOKEN", "PASSWORD", "SECRET", "_URL", "SID")
# URLs of our own Services inside the cluster, which carry no credentials.
PLAIN_URLS = ("RASA_URL", "HANDOFF_URL", "HANDOFF_ACTIONS_URL", "ACTION_ENDPOINT_URL")
WORKLOADS = ("Deployment", "Job")


def documents() -> list[tuple[str, dict[str, Any]]]:
    """Every document of every manifest under deploy/k8s/, named file#index."""
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        for index, document in enumerate(yaml.safe_load_all(path.read_text())):
            if document is not None:
                found.append((f"{path.relative_to(K8S)}#{index}", document))
    return found


def containers(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = document["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def workloads() -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc) for name, doc in documents() if doc["kind"] in WORKLOADS]


def secret_names() -> set[str]:
    return {doc["metadata"]["name"] for _, doc in documents() if doc["kind"] == "Secret"}


def secret_keys() -> dict[str, set[str]]:
    """Each Secret's keys, by its name."""
    return {
        doc["metadata"]["name"]: set(doc["stringData"])
        for _, doc in documents()
        if doc["kind"] == "Secret"
    }


def looks_secret(variable: str) -> bool:
    return variable not in PLAIN_URLS and any(word in variable for word in SECRET_WORDS)


def test_the_manifests_are_there() -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in documents()}

    # Our services as Deployments with a Service each, the migrations as a Job.
    assert {
        ("Deployment", "handoff"),
        ("Service", "handoff"),
        ("Deployment", "actions"),
        ("Service", "actions"),
        ("Job", "northwind-migrate"),
    } <= kinds
    assert secret_names() >= {"northwind-tokens", "northwind-rasa", "northwind-handoff"}


@pytest.mark.parametrize(
    "document", [doc for _, doc in documents()], ids=[n for n, _ in documents()]
)
def test_every_manifest_is_valid_for_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_is_caught() -> None:
    """The check above can fail: strict validation refuses what kubectl would drop."""
    _, deployment = next((n, d) for n, d in workloads() if d["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_container_is_limited_and_runs_as_non_root() -> None:
    for name, workload in workloads():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in containers(workload):
            where = f"{name} {container['name']}"
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where


def test_every_service_container_has_health_probes() -> None:
    for name, deployment in workloads():
        if deployment["kind"] != "Deployment":
            continue  # a Job's container runs to completion: nothing to probe
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            ports = {port["name"]: port["containerPort"] for port in container["ports"]}
            for probe in ("livenessProbe", "readinessProbe"):
                check = container[probe]["httpGet"]
                assert check["path"] in ("/health", "/ready"), f"{name} {probe}"
                assert check["port"] in ports, f"{name} {probe} names no port of the container"


def test_no_secret_is_written_in_a_workload() -> None:
    keys = secret_keys()
    for name, workload in workloads():
        for container in containers(workload):
            assert "envFrom" not in container, f"{name}: each key by name, not a whole Secret"
            for variable in container.get("env", []):
                where = f"{name} {container['name']} {variable['name']}"
                if looks_secret(variable["name"]):
                    assert "value" not in variable, where
                    reference = variable["valueFrom"]["secretKeyRef"]
                    assert reference["key"] in keys.get(reference["name"], {}), where


def test_the_example_secrets_hold_placeholders_only() -> None:
    for name, document in documents():
        if document["kind"] != "Secret":
            continue
        assert name.startswith("examples/"), f"{name}: kubectl apply -f deploy/k8s/ would apply it"
        for key, value in document["stringData"].items():
            assert "REPLACE-ME" in value, f"{name} {key}"


def helm_values() -> dict[str, Any]:
    values = yaml.safe_load(HELM_VALUES.read_text())
    assert isinstance(values, dict)
    return values


def test_the_helm_values_run_our_image_on_the_production_endpoints() -> None:
    values = helm_values()
    env = {variable["name"]: variable for variable in values["extraEnv"]}

    assert values["replicaCount"] >= 2
    assert values["args"] == ["-m", "bot.server"]  # the token never on a command line
    assert env["RASA_ENDPOINTS"]["value"].endswith("endpoints.production.yml")
    assert env["ACTION_ENDPOINT_URL"]["value"] == "http://actions:5055/webhook"
    # What endpoints.production.yml needs, all given.
    lines = (ROOT / "endpoints.production.yml").read_text().splitlines()
    endpoints = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    for variable in sorted(set(re.findall(r"\$\{(\w+)\}", endpoints))):
        assert variable in env, variable
    for subchart in ("postgresql", "redis", "rabbitmq"):
        assert values[subchart]["install"] is False, subchart
    assert values["securityContext"]["runAsNonRoot"] is True
    assert {"cpu", "memory"} <= set(values["resources"]["limits"])


def test_the_helm_values_take_secrets_from_the_manifests_secrets() -> None:
    keys = secret_keys()
    for variable in helm_values()["extraEnv"]:
        if looks_secret(variable["name"]):
            assert "value" not in variable, variable["name"]
            reference = variable["valueFrom"]["secretKeyRef"]
            assert reference["key"] in keys.get(reference["name"], set()), variable["name"]
