"""Deployment files validate against their schemas (no container engine runs here), and the
many-node pieces fit together: the Redis Cluster (compose nodes + init, k8s StatefulSet +
headless Service + bootstrap Job), PgBouncer in front of PostgreSQL, and the app's settings
pointing at both. The cluster bootstrap script runs here against six real redis-servers."""
from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S_VERSION = "1.33.0"
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
INIT_SCRIPT = ROOT / "deploy" / "redis-cluster-init.sh"
PGBOUNCER_INI = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"
REDIS_NODES = [f"redis-{i}" for i in range(1, 7)]


def k8s_objects() -> dict[tuple[str, str], dict]:
    """Every object of deploy/k8s by (kind, name)."""
    found = {}
    for path in MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def pgbouncer_ini(text: str) -> configparser.ConfigParser:
    ini = configparser.ConfigParser(comment_prefixes=(";", "#"), interpolation=None)
    ini.read_string(text)
    return ini


def compose() -> dict:
    return yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())


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
    doc = compose()
    jsonschema.validate(doc, schema)
    services = doc["services"]
    assert {"postgres", "pgbouncer", "redis-cluster-init", "qdrant", "migrate", "server-1",
            "server-2", "worker", "lb", *REDIS_NODES} <= set(services)
    assert "redis" not in services  # one Redis no more: the cluster's nodes
    haproxy = (ROOT / "deploy/haproxy.cfg").read_text()
    assert "cookie SAWT_NODE insert" in haproxy and "timeout tunnel" in haproxy


def test_dockerfile_is_multi_stage_and_runs_as_non_root():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "USER 10001" in text


def test_compose_app_talks_to_the_redis_cluster_and_to_postgres_through_pgbouncer():
    services = compose()["services"]
    ini = pgbouncer_ini(PGBOUNCER_INI.read_text())
    for name in ("migrate", "server-1", "server-2", "worker"):
        env = services[name]["environment"]
        assert env["REDIS_CLUSTER"] == "1" and env["PG_STATEMENT_CACHE_SIZE"] == "0"
        db = urlparse(env["DATABASE_URL"])
        assert (db.hostname, db.port) == ("pgbouncer", int(ini["pgbouncer"]["listen_port"]))
        assert db.path.lstrip("/") in ini["databases"]
        seeds = env["REDIS_URL"].split("://", 1)[1].split(",")
        assert seeds and {s.split(":")[0] for s in seeds} <= set(REDIS_NODES)
    app_deps = services["migrate"]["depends_on"]
    assert app_deps["redis-cluster-init"]["condition"] == "service_completed_successfully"
    assert "pgbouncer" in app_deps
    # PgBouncer reaches the compose PostgreSQL, in transaction pooling, with a userlist mounted
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    target = dict(kv.split("=", 1) for kv in ini["databases"]["sawt"].split())
    assert target["host"] == "postgres" and target["dbname"] == "sawt"
    mounts = {v.split(":")[1] for v in services["pgbouncer"]["volumes"]}
    assert {"/etc/pgbouncer/pgbouncer.ini", ini["pgbouncer"]["auth_file"]} <= mounts
    # every node is a cluster node announcing its own service name; the init waits for all six
    for name in REDIS_NODES:
        cmd = services[name]["command"]
        assert cmd[cmd.index("--cluster-enabled") + 1] == "yes"
        assert cmd[cmd.index("--cluster-announce-hostname") + 1] == name
    init = services["redis-cluster-init"]
    assert init["environment"]["REDIS_NODES"].split() == [f"{n}:6379" for n in REDIS_NODES]
    assert {n: d["condition"] for n, d in init["depends_on"].items()} == {
        n: "service_healthy" for n in REDIS_NODES}
    assert init["restart"] == "no"
    assert any(v.startswith("./redis-cluster-init.sh:") for v in init["volumes"])


def test_k8s_redis_cluster_statefulset_headless_service_config_and_bootstrap_job():
    objs = k8s_objects()
    sts = objs[("StatefulSet", "sawt-redis")]
    svc = objs[("Service", sts["spec"]["serviceName"])]
    assert svc["spec"]["clusterIP"] == "None" and svc["spec"]["publishNotReadyAddresses"]
    assert svc["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    assert {p["port"] for p in svc["spec"]["ports"]} == {6379, 16379}  # clients and the bus
    assert sts["spec"]["replicas"] == 6  # 3 masters, one replica each
    conf = objs[("ConfigMap", "sawt-redis")]["data"]
    settings = dict(line.split(None, 1) for line in conf["redis.conf"].splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["cluster-enabled"] == "yes"
    assert settings["cluster-config-file"].startswith("/data/")  # on the pod's volume
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert "$(POD_NAME)." + svc["metadata"]["name"] in container["command"]
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/etc/redis", "/data"}
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["data"]
    # the Job runs the repository's script on every pod of the StatefulSet
    job = objs[("Job", "sawt-redis-cluster-init")]
    assert conf["redis-cluster-init.sh"] == INIT_SCRIPT.read_text()
    jc = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in jc["env"]}
    pods = [f"sawt-redis-{i}.{svc['metadata']['name']}:6379" for i in range(6)]
    assert env["REDIS_NODES"].split() == pods
    assert job["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == "sawt-redis"


def test_k8s_pgbouncer_and_the_apps_settings_point_at_both():
    from server.config import Settings
    from server.redis_clients import seed_nodes

    objs = k8s_objects()
    ini_text = objs[("ConfigMap", "sawt-pgbouncer")]["data"]["pgbouncer.ini"]
    assert ini_text == PGBOUNCER_INI.read_text()
    ini = pgbouncer_ini(ini_text)
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    dep = objs[("Deployment", "sawt-pgbouncer")]
    svc = objs[("Service", "sawt-pgbouncer")]
    assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    assert svc["spec"]["ports"][0]["port"] == int(ini["pgbouncer"]["listen_port"])
    pod = dep["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] == "sawt-pgbouncer"
    auth = objs[("Secret", volumes["auth"]["secret"]["secretName"])]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert ini["pgbouncer"]["auth_file"] == mounts["auth"] + "/" + next(iter(auth["stringData"]))
    # server connections: replicas x (pool + reserve) under PostgreSQL's default max_connections
    # (100) less its 3 superuser slots and a few for migrations and operators
    per_replica = int(ini["pgbouncer"]["default_pool_size"]) + int(
        ini["pgbouncer"]["reserve_pool_size"])
    assert dep["spec"]["replicas"] * per_replica <= 100 - 3 - 10
    # client side: the HPA's most server pods and the workers, each with its whole pool
    pool_max = int(objs[("ConfigMap", "sawt-config")]["data"]["DB_POOL_MAX"])
    clients = (objs[("HorizontalPodAutoscaler", "sawt-server")]["spec"]["maxReplicas"] * pool_max
               + objs[("Deployment", "sawt-worker")]["spec"]["replicas"] * max(2, pool_max // 2))
    assert clients <= dep["spec"]["replicas"] * int(ini["pgbouncer"]["max_client_conn"])
    # the app's environment, as the pods get it, makes these settings
    env = {**objs[("ConfigMap", "sawt-config")]["data"],
           **objs[("Secret", "sawt-secrets")]["stringData"]}
    old = dict(os.environ)
    try:
        os.environ.update(env)
        settings = Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert settings.redis_cluster and settings.pg_statement_cache_size == 0
    db = urlparse(settings.database_url)
    assert (db.hostname, db.port) == (svc["metadata"]["name"], svc["spec"]["ports"][0]["port"])
    assert db.path.lstrip("/") in ini["databases"]
    sts = objs[("StatefulSet", "sawt-redis")]
    pods = {f"sawt-redis-{i}.{sts['spec']['serviceName']}" for i in range(6)}
    seeds = seed_nodes(settings.redis_url)
    assert len(seeds) >= 3 and {h for h, _ in seeds} <= pods and {p for _, p in seeds} == {6379}
    # every app pod (server, worker, migrate) reads these
    for kind, name in (("Deployment", "sawt-server"), ("Deployment", "sawt-worker"),
                       ("Job", "sawt-migrate")):
        sources = objs[(kind, name)]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"sawt-config", "sawt-secrets"} <= {
            (s.get("configMapRef") or s.get("secretRef"))["name"] for s in sources}


def test_pgbouncer_image_runs_debians_pgbouncer_as_non_root():
    text = (ROOT / "deploy" / "pgbouncer" / "Dockerfile").read_text()
    assert "apt-get install" in text and "pgbouncer" in text
    assert "USER 10002" in text
    dep = k8s_objects()[("Deployment", "sawt-pgbouncer")]
    assert dep["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10002


def test_cluster_init_script_creates_a_cluster_once_and_a_second_run_leaves_it_alone():
    """deploy/redis-cluster-init.sh against six real cluster-enabled redis-servers."""
    from tests.redis_cluster import free_base

    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server and redis-cli are needed "
                    "(scripts/redis_cluster.sh installs them)")
    base = free_base()
    ports = list(range(base, base + 6))
    work = Path(tempfile.mkdtemp(prefix="sawt-cluster-init-"))
    procs = []
    try:
        for port in ports:
            (work / str(port)).mkdir()
            procs.append(subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", "2000", "--cluster-announce-hostname", "localhost",
                 "--cluster-preferred-endpoint-type", "hostname", "--save", "",
                 "--appendonly", "no"],
                cwd=work / str(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        env = {**os.environ, "REDIS_WAIT_TRIES": "15",
               "REDIS_NODES": " ".join(f"localhost:{p}" for p in ports)}

        def run() -> subprocess.CompletedProcess:
            return subprocess.run(["sh", str(INIT_SCRIPT)], env=env, capture_output=True,
                                  text=True, timeout=120)

        first = run()
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
        assert "cluster_state:ok" in first.stdout
        second = run()
        assert second.returncode == 0 and "exists" in second.stdout, second.stdout[-2000:]

        def cli(port: int, *args: str) -> str:
            return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                                  text=True, timeout=10).stdout

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            roles = [cli(p, "role").split()[0] for p in ports]
            if sorted(roles) == ["master"] * 3 + ["slave"] * 3:
                break
            time.sleep(0.2)
        assert sorted(roles) == ["master"] * 3 + ["slave"] * 3
        # clients are sent to the announced host name, not an IP
        assert "localhost" in cli(ports[0], "cluster", "slots").split()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)
