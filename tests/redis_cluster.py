"""A real local Redis Cluster for tests: 3 masters and 3 replicas on free loopback ports,
started by scripts/redis_cluster.sh and stopped (every node) when the fixture ends.

Import the fixture into a test module: `from tests.redis_cluster import redis_cluster`.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "redis_cluster.sh"


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base() -> int:
    """A base port whose six client ports and six cluster-bus ports (+10000) are free."""
    for _ in range(200):
        base = random.randrange(21000, 31000, 10)
        if all(_free(p) and _free(p + 10000) for p in range(base, base + 6)):
            return base
    raise RuntimeError("no free ports for a Redis Cluster")


@dataclass
class LocalCluster:
    base: int
    dir: Path

    @property
    def ports(self) -> list[int]:
        return list(range(self.base, self.base + 6))

    @property
    def url(self) -> str:
        """Seed nodes, as REDIS_URL takes them."""
        return "redis://" + ",".join(f"127.0.0.1:{p}" for p in self.ports[:3])

    def cli(self, port: int, *args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                              text=True, timeout=10).stdout

    def masters(self) -> dict[int, str]:
        """port -> slot ranges of each master that is up."""
        out = {}
        for port in self.ports:
            line = self.cli(port, "cluster", "nodes")
            for row in line.splitlines():
                parts = row.split()
                if len(parts) >= 8 and "master" in parts[2] and "fail" not in parts[2] \
                        and "myself" in parts[2]:
                    out[port] = " ".join(parts[8:])
        return out

    def replica_of(self, port: int) -> int | None:
        """The port of a replica of the master on `port` (None if it has none)."""
        rows = [r.split() for r in self.cli(port, "cluster", "nodes").splitlines()]
        ids = {r[0]: r[1] for r in rows if len(r) >= 8}
        (me,) = [r[0] for r in rows if len(r) >= 8 and "myself" in r[2]]
        for r in rows:
            if len(r) >= 8 and r[3] == me and "fail" not in r[2]:
                return int(ids[r[0]].split("@")[0].rsplit(":", 1)[1])
        return None

    def pid(self, port: int) -> int:
        return int((self.dir / str(port) / "redis.pid").read_text())

    def kill(self, port: int) -> None:
        """SIGKILL one node: no goodbye to the cluster or its clients."""
        os.kill(self.pid(port), 9)

    def wait_ok(self, within: float = 20.0, skip: tuple[int, ...] = ()) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if all("cluster_state:ok" in self.cli(p, "cluster", "info")
                   for p in self.ports if p not in skip):
                return True
            time.sleep(0.1)
        return False


def start_cluster() -> LocalCluster:
    base = free_base()
    d = Path(tempfile.mkdtemp(prefix="sawt-cluster-"))
    subprocess.run(["bash", str(SCRIPT), "start", str(base), str(d)], check=True,
                   capture_output=True, timeout=120)
    return LocalCluster(base, d)


def stop_cluster(cluster: LocalCluster) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", str(cluster.base), str(cluster.dir)],
                   capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def redis_cluster():
    """A fresh cluster for one test module (a failover test may kill its masters); the
    script installs redis-server first when it is absent."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        stop_cluster(cluster)
