"""Throwaway Redis and PostgreSQL on their own loopback ports, and a small cluster on them
(two server processes, two workers) for the chaos suite. Never the shared 6379 / 5432.

Everything here is synchronous (subprocesses, sockets, polling with a deadline) so the
cluster can live for the whole module while each test runs in its own event loop.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import ServerProcess, free_port
from tests.support.workers import WorkerProcess


def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise TimeoutError(what)


class ThrowawayRedis:
    """A redis-server without persistence: a restart comes back empty."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.root = root
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> float:
        """Start; returns the time.time() at which it first answered."""
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self.answers, 10, "throwaway redis did not start")
        return time.time()

    def kill(self) -> float:
        """SIGKILL (its data is gone with it); returns when."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        return time.time()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found (apt-get install postgresql)")
    return path


class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary directory (as the postgres user when we are root:
    PostgreSQL refuses to run as root)."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.root = root / "pg"
        self.data = self.root / "data"
        self._user: list[str] = []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self._user, *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> "ThrowawayPostgres":
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._user = ["runuser", "-u", "postgres", "--"]
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        return self

    def answers(self) -> bool:
        return subprocess.run([_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                               str(self.port)], timeout=5).returncode == 0

    def start(self) -> float:
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                  str(self.root / "log"), "-w", "-t", "30", "start")
        _wait(self.answers, 30, "throwaway postgres did not start")
        return time.time()

    def stop(self) -> float:
        """A fast shutdown (every connection is cut); returns when it stopped."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        return time.time()

    def destroy(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                      "stop", timeout=30)
        except Exception:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def readyz(url: str, timeout: float = 3) -> int:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


@dataclass
class LogMark:
    """Where each process's log stood when a fault began."""

    offsets: dict[str, int] = field(default_factory=dict)


@dataclass
class Cluster:
    """Two servers and two workers on a throwaway Redis and PostgreSQL."""

    settings: object
    redis: ThrowawayRedis
    pg: ThrowawayPostgres
    env: dict
    servers: list[ServerProcess] = field(default_factory=list)
    workers: list[WorkerProcess] = field(default_factory=list)

    def start_server(self, i: int | None = None) -> ServerProcess:
        s = ServerProcess(self.settings, free_port(), extra_env=self.env)
        s.start()
        if i is None:
            self.servers.append(s)
        else:
            self.servers[i] = s
        return s

    def wait_ready(self, s: ServerProcess, timeout: float = 90) -> float:
        _wait(lambda: readyz(s.url) == 200 or s.proc.poll() is not None, timeout,
              f"server {s.port} not ready:\n{s.log_tail()}")
        if s.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{s.log_tail()}")
        return time.time()

    def start_worker(self, name: str) -> WorkerProcess:
        w = WorkerProcess(self.settings, extra_env=self.env, name=name).start()
        _wait(lambda: "WORKER_READY" in w.log_tail(100_000) or w.proc.poll() is not None,
              60, f"worker not ready:\n{w.log_tail()}")
        if w.proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{w.log_tail()}")
        return w

    def processes(self) -> dict[str, object]:
        procs = {f"server{i}": s for i, s in enumerate(self.servers)}
        procs.update({f"worker{i}": w for i, w in enumerate(self.workers)})
        return procs

    def mark_logs(self) -> LogMark:
        return LogMark({str(p.log_path): p.log_path.stat().st_size
                        for p in self.processes().values()})

    def lines_since(self, mark: LogMark) -> dict[str, list[str]]:
        """Each process's log lines written since `mark` (a replaced process: all of its)."""
        out = {}
        for name, p in self.processes().items():
            data = p.log_path.read_bytes()
            start = mark.offsets.get(str(p.log_path), 0)
            out[name] = [ln for ln in data[start:].decode(errors="replace").splitlines()
                         if ln.strip()]
        return out

    def stop(self) -> None:
        for p in [*self.servers, *self.workers]:
            p.stop(timeout=8)


def start_cluster(settings, env: dict) -> Cluster:
    """Servers first (they migrate the schema), then workers."""
    root = Path(tempfile.mkdtemp(prefix="sawt-chaos-"))
    root.chmod(0o755)  # the postgres user reaches its data directory inside
    redis = ThrowawayRedis(root)
    pg = ThrowawayPostgres(root)
    try:
        pg.init()
        redis.start()
        pg.start()
    except BaseException:
        redis.kill()
        pg.destroy()
        shutil.rmtree(root, ignore_errors=True)
        raise
    settings = settings.with_(database_url=pg.url, redis_url=redis.url,
                              media_root=root / "media", data_dir=root / "data")
    cluster = Cluster(settings, redis, pg, env)
    try:
        for _ in range(2):
            cluster.start_server()
        for s in cluster.servers:
            cluster.wait_ready(s)
        cluster.workers = [cluster.start_worker(f"w{i}") for i in range(2)]
    except BaseException:
        cluster.stop()
        redis.kill()
        pg.destroy()
        shutil.rmtree(root, ignore_errors=True)
        raise
    cluster.root = root
    return cluster


def json_lines_only(lines: list[str]) -> list[str]:
    """The lines that are not one JSON object each (should be none)."""
    bad = []
    for ln in lines:
        try:
            if not isinstance(json.loads(ln), dict):
                bad.append(ln)
        except ValueError:
            bad.append(ln)
    return bad
