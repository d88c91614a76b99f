"""Deployment files validate against their schemas (no container engine runs here)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S_VERSION = "1.33.0"
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_kubernetes_manifest_is_valid(path):
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_server_deployment_probes_and_drains():
    dep = yaml.safe_load((ROOT / "deploy/k8s/deployment-server.yaml").read_text())
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "preStop" in c["lifecycle"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["terminationGracePeriodSeconds"] > 10  # SIGTERM drain fits inside


def test_compose_file_is_valid_and_has_two_replicas_worker_and_sticky_lb():
    import check_jsonschema.builtin_schemas as bs

    schema_path = Path(bs.__file__).parent / "vendor" / "compose-spec.json"
    schema = json.loads(schema_path.read_text())
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    jsonschema.validate(compose, schema)
    services = compose["services"]
    assert {"postgres", "redis", "qdrant", "server-1", "server-2", "worker", "lb"} <= set(services)
    haproxy = (ROOT / "deploy/haproxy.cfg").read_text()
    assert "cookie SAWT_NODE insert" in haproxy and "timeout tunnel" in haproxy


def test_dockerfile_is_multi_stage_and_runs_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "USER 10001" in text
