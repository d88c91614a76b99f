"""Sawt behind a real PgBouncer in transaction pooling, as deploy/ runs it.

Each test starts Debian's `pgbouncer` (scripts/install_pgbouncer.sh installs it when absent)
on a free loopback port with its own ini, in front of the tests' PostgreSQL, with fewer server
connections than the app's pool has clients: consecutive transactions of one asyncpg
connection land on different server connections. Migrations, sign-up, chat, a tip sent twenty
times with one idempotency key and a job writing to the database then run through it with
PG_STATEMENT_CACHE_SIZE=0; asyncpg's default statement cache fails there.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest

from server.config import Settings
from server.db import create_pool, transaction
from server.migrations import discover, migrate_dsn
from tests.conftest import LiveApp
from tests.support.auth_api import FAST_AUTH, AuthApi
from tests.support.servers import free_port
from tests.wallet_support import fund, key

ROOT = Path(__file__).resolve().parents[1]
SERVER_POOL = 3  # PgBouncer's server connections per database: fewer than the app's clients


def pgbouncer_binary() -> str | None:
    for candidate in (os.environ.get("PGBOUNCER"), shutil.which("pgbouncer"),
                      "/usr/sbin/pgbouncer"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def pgbouncer_bin() -> str:
    """The pgbouncer binary, installed through apt when absent (as scripts/test.sh installs
    Chromium). Skips where it cannot be installed, except under CI, where a skip hides a gap."""
    found = pgbouncer_binary()
    if found is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "install_pgbouncer.sh")], timeout=600,
                       check=False)
        found = pgbouncer_binary()
    if found is None:
        reason = "PgBouncer is not installed and scripts/install_pgbouncer.sh could not install it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


class PgBouncer:
    """One pgbouncer process in transaction pooling, in front of `upstream` (a postgresql URL).

    Database `app` sets the test's schema on every server connection it opens (behind
    transaction pooling a session `SET` from a client would leak to other clients), and
    PgBouncer drops the pool's `search_path` startup parameter, which it cannot forward;
    database `plain` has no schema, to see what server connections carry."""

    def __init__(self, binary: str, upstream: str, schema: str):
        self.binary, self.schema = binary, schema
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sawt-pgbouncer-"))
        up = urlparse(upstream)
        target = (f"host={up.hostname or '127.0.0.1'} port={up.port or 5432} "
                  f"dbname={up.path.lstrip('/') or 'postgres'} user={up.username or 'postgres'}")
        (self.dir / "pgbouncer.ini").write_text(f"""\
[databases]
app = {target} connect_query='SET search_path TO {schema}, public'
plain = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.dir / "userlist.txt"}
pool_mode = transaction
default_pool_size = {SERVER_POOL}
max_client_conn = 200
ignore_startup_parameters = search_path
server_lifetime = 60
""")
        (self.dir / "userlist.txt").write_text(f'"{up.username or "postgres"}" ""\n')
        self.user = up.username or "postgres"
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "pgbouncer.log"

    def url(self, database: str = "app") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    async def start(self) -> "PgBouncer":
        os.chmod(self.dir, 0o755)  # pgbouncer refuses to run as root: it drops to postgres
        for f in self.dir.iterdir():
            os.chmod(f, 0o644)
        cmd = [self.binary, str(self.dir / "pgbouncer.ini")]
        if os.geteuid() == 0:
            cmd[1:1] = ["-u", "postgres"]
        self.proc = subprocess.Popen(cmd, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if self.proc.poll() is not None:
                break
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                await asyncio.sleep(0.05)
        raise AssertionError(f"pgbouncer did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
async def bouncer(pgbouncer_bin, settings):
    b = await PgBouncer(pgbouncer_bin, settings.database_url, settings.database_schema).start()
    yield b
    b.stop()


@pytest.fixture
def bounced(settings, bouncer) -> Settings:
    """This test's settings with the database behind PgBouncer, as deploy/ configures it."""
    return settings.with_(database_url=bouncer.url(), pg_statement_cache_size=0,
                          extra={"auth": FAST_AUTH})


@pytest.fixture
async def bounced_app(bounced):
    app = await LiveApp(bounced).start()  # migrate_on_start: the migrations go through it
    yield app
    await app.stop()


async def test_migrations_through_pgbouncer_run_once_concurrently_and_leave_no_session_state(
        bouncer, settings):
    first, second = await asyncio.gather(migrate_dsn(bouncer.url(), settings.database_schema),
                                         migrate_dsn(bouncer.url(), settings.database_schema))
    assert sorted(first + second) == [name for _, name, _ in discover()]
    assert await migrate_dsn(bouncer.url(), settings.database_schema) == []
    # nothing stuck to PgBouncer's server connections: no advisory lock held, no search path
    direct = await asyncpg.connect(settings.database_url)
    try:
        held = await direct.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objid = (hashtext($1)::bigint & 4294967295)",
            f"sawt-migrate:{settings.database_schema}")
        assert held == 0
    finally:
        await direct.close()
    plain = await asyncpg.connect(bouncer.url("plain"), statement_cache_size=0)
    try:
        for _ in range(SERVER_POOL * 2):
            assert settings.database_schema not in await plain.fetchval("SHOW search_path")
    finally:
        await plain.close()


async def test_sign_up_chat_and_history_work_through_pgbouncer(bounced_app, make_user):
    api = AuthApi(bounced_app.url)
    try:
        phone = "+2010" + str(uuid.uuid4().int)[:8]
        signed = await api.sign_up(phone, name="Mona")
        again = await api.login(phone, device="laptop")
        assert again["user_id"] == signed["user_id"]
        sessions = (await api.ok("GET", "/v1/auth/sessions", token=again["access_token"]))[
            "sessions"]
        assert {s["label"] for s in sessions} == {"Pixel 8", "laptop"}
    finally:
        await api.close()
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(bounced_app.url), await bob.connect(bounced_app.url)
    first = await a.ok("chat:send", {"to": bob.id, "client_id": "c-0", "text": "m0"})
    conv = first["conversation_id"]
    sends = [first] + list(await asyncio.gather(*(  # under the socket's 10/s rate limit
        a.ok("chat:send", {"conversation_id": conv, "client_id": f"c-{i}", "text": f"m{i}"})
        for i in range(1, 8))))
    assert sorted(s["seq"] for s in sends) == list(range(1, 9))
    # many reads at once from both members: the app's pool lends more client connections
    # than PgBouncer has server connections, so transactions move between server connections
    pages = []
    for _ in range(3):
        pages += await asyncio.gather(*(s.ok("chat:history", {"conversation_id": conv})
                                        for s in (a, b) for _ in range(15)))
    for page in pages:
        assert sorted(m["text"] for m in page["messages"]) == [f"m{i}" for i in range(8)]


async def test_one_idempotency_key_twenty_times_is_one_tip_through_pgbouncer(bounced_app,
                                                                            make_user):
    fan, creator = await make_user("fan"), await make_user("creator", role="creator")
    await fund(bounced_app.state, fan.id, 10_000)
    fs = await fan.connect(bounced_app.url)
    body = {"creator_id": creator.id, "amount": 1_000, "idempotency_key": key()}
    acks = await asyncio.gather(*(fs.call("wallet:tip", body) for _ in range(20)))
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
    assert len({a["data"]["tip_id"] for a in acks}) == 1
    assert sum(1 for a in acks if not a["data"]["replayed"]) == 1
    assert await fs.ok("wallet:balance", {}) == {"wallet": 9_000, "earnings": 0}


async def test_worker_jobs_write_the_database_through_pgbouncer(bounced, make_user):
    from server.jobs import JobConfig, JobQueue, Worker
    from server.worker import build_worker_state, close_worker_state

    await migrate_dsn(bounced.database_url, bounced.database_schema)
    users = [await make_user(f"u{i}") for i in range(6)]
    state = await build_worker_state(bounced)
    try:
        done: list[str] = []

        async def rename(st, payload):
            async with transaction(st.db) as tx:
                await tx.conn.execute("UPDATE users SET display_name = $2 WHERE id = $1::uuid",
                                      payload["id"], payload["name"])
                done.append(await tx.conn.fetchval(
                    "SELECT display_name FROM users WHERE id = $1::uuid", payload["id"]))

        q = JobQueue(state.redis, state.settings,
                     JobConfig(reclaim_idle=0.6, max_attempts=1, block=0.1))
        for u in users:
            await q.enqueue("rename", {"id": u.id, "name": f"renamed-{u.name}"})
        stop = asyncio.Event()
        task = asyncio.create_task(Worker(state, {"rename": rename}, ["default"], queue=q,
                                          concurrency=4).run(stop, grace=2))
        try:
            async with asyncio.timeout(15):
                while len(done) < len(users):
                    await asyncio.sleep(0.02)
        finally:
            stop.set()
            await task
        assert sorted(done) == sorted(f"renamed-{u.name}" for u in users)
    finally:
        await close_worker_state(state)


async def run_queries(pool, rounds: int = 5, width: int = 40) -> list[BaseException]:
    async def one(i: int):
        async with pool.acquire() as conn:
            return await conn.fetchval("SELECT count(*) FROM users WHERE display_name <> $1",
                                       f"x{i}")

    errors: list[BaseException] = []
    for _ in range(rounds):
        got = await asyncio.gather(*(one(i) for i in range(width)), return_exceptions=True)
        errors += [g for g in got if isinstance(g, BaseException)]
    return errors


async def test_default_statement_cache_fails_behind_transaction_pooling_and_zero_does_not(
        bouncer, settings):
    """Why PG_STATEMENT_CACHE_SIZE exists: asyncpg's default (100) names its prepared
    statements per connection; behind transaction pooling the next use lands on a server
    connection that never saw them."""
    await migrate_dsn(settings.database_url, settings.database_schema)
    assert Settings().pg_statement_cache_size == 100  # asyncpg's own default stays the default
    default = await create_pool(bouncer.url(), settings.database_schema, min_size=10, max_size=10,
                                statement_cache_size=Settings().pg_statement_cache_size)
    try:
        errors = await run_queries(default)
    finally:
        await default.close()
    # a name missing on the server connection the transaction got, or already taken there
    # by another client's statement of the same name
    prepared_errors = (asyncpg.exceptions.InvalidSQLStatementNameError,
                       asyncpg.exceptions.DuplicatePreparedStatementError)
    assert errors and all(isinstance(e, prepared_errors) for e in errors), errors[:3]
    zero = await create_pool(bouncer.url(), settings.database_schema, min_size=10, max_size=10,
                             statement_cache_size=0)
    try:
        assert await run_queries(zero) == []
    finally:
        await zero.close()
