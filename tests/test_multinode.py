"""Several real server processes sharing Redis: emits cross nodes; SIGTERM drains cleanly."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.clients import SocketClient
from tests.test_engine_slow_consumer import RawSocket, client_frame
from tests.support.servers import ROOT
from tests.support.stores import settings_env


async def test_emit_to_user_from_a_process_without_sockets_reaches_every_node(
        server_procs, make_user, settings):
    a, b = await server_procs(2)
    bob = await make_user("bob")
    on_a = await bob.connect(a.url)
    on_b = await bob.connect(b.url)
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    out = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "emit", bob.id, "system:notice",
                         json.dumps({"text": "ahlan"})],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert await on_a.next("system:notice") == {"text": "ahlan"}
    assert await on_b.next("system:notice") == {"text": "ahlan"}


async def test_room_broadcast_from_one_process_reaches_a_client_on_another(
        server_procs, make_user):
    a, b = await server_procs(2)
    admin = await make_user("admin", role="admin")
    bob = await make_user("bob")
    admin_on_a = await admin.connect(a.url)
    bob_on_b = await bob.connect(b.url)
    await admin_on_a.ok("system:announce", {"event": "maintenance", "data": {"in": 5}})
    assert await bob_on_b.next("announce:maintenance") == {"in": 5}


async def test_token_command_prints_a_token_the_server_accepts(server_procs, make_user, settings):
    (a,) = await server_procs(1)
    carol = await make_user("carol")
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    out = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "token", carol.id],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    client = SocketClient(a.url, out.stdout.strip())
    try:
        await client.connect()
        assert (await client.ok("system:ping", {}))["user_id"] == carol.id
    finally:
        await client.close()


async def test_sigterm_tells_clients_and_exits_cleanly_within_ten_seconds(
        server_procs, make_user):
    (a,) = await server_procs(1)
    users = [await make_user(f"u{i}") for i in range(5)]
    socks = [await u.connect(a.url) for u in users]
    started = time.monotonic()
    a.terminate()
    notices = await asyncio.gather(*(s.next("server:shutdown", timeout=10) for s in socks))
    assert all(n["reconnect_after_ms"] > 0 for n in notices)
    code = await asyncio.to_thread(a.proc.wait, 10)
    assert code == 0
    assert time.monotonic() - started < 10
    for s in socks:  # the server closed them; nobody hangs on a dead socket
        for _ in range(50):
            if not s.sio.connected:
                break
            await asyncio.sleep(0.1)
        assert not s.sio.connected


async def _told_to_leave(sock) -> bool:
    """Read a raw socket to its end (answering pings); True if the server's DISCONNECT
    packet (41) came before the connection closed."""
    try:
        for _ in range(100):  # bounded: a handful of frames is expected
            data = await asyncio.wait_for(sock.frame(), 20)
            if data == b"2":
                sock.writer.write(client_frame("3"))
            elif data.startswith(b"41"):
                return True
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    return False


async def test_sigterm_tells_every_socket_of_a_busy_process_within_the_grace(
        server_procs, make_user):
    """A process holding many sockets tells each of them to go (DISCONNECT) before it
    exits. Before, drain disconnected them one by one, each waiting for its own recovery
    write (a 20 ms batch): 400 sockets took 8 s, past the grace; the sockets past the grace
    were cut without a word."""
    (a,) = await server_procs(1, SHUTDOWN_GRACE="3")
    users = [await make_user() for _ in range(400)]
    socks = [RawSocket(a.port, u.token) for u in users]
    try:
        for i in range(0, len(socks), 50):
            await asyncio.gather(*(s.connect() for s in socks[i:i + 50]))
        a.terminate()
        told = await asyncio.gather(*(_told_to_leave(s) for s in socks))
        code = await asyncio.to_thread(a.proc.wait, 20)
        assert code == 0
        assert told.count(False) == 0, f"{told.count(False)} of {len(told)} sockets cut untold"
    finally:
        for s in socks:
            if hasattr(s, "writer"):
                s.close()


async def test_msgpack_serializer_for_clients_that_ask_for_it(server_procs, make_user):
    import socketio

    (a,) = await server_procs(1, SOCKETIO_SERIALIZER="msgpack")
    dina = await make_user("dina")
    client = socketio.AsyncClient(serializer="msgpack")
    try:
        await client.connect(a.url, auth={"token": dina.token}, transports=["websocket"])
        ack = await client.call("system:ping", {"binary": b"\x00\x01"}, timeout=5)
        assert ack["ok"] is True and ack["data"]["user_id"] == dina.id
    finally:
        await client.disconnect()


async def test_serve_with_no_store_urls_comes_up_on_embedded_stores(tmp_path):
    """A fresh machine: no DATABASE_URL / REDIS_URL, real embedded PostgreSQL and Redis."""
    import shutil
    import tempfile

    from tests.support.servers import free_port

    port = free_port()
    # Not under pytest's tmp root: it is 0700 and re-tightened by every pytest session that
    # starts meanwhile, while embedded PostgreSQL runs as another user that must traverse it.
    data = Path(tempfile.mkdtemp(prefix="sawt-embedded-"))
    data.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "QDRANT_URL", "DATABASE_SCHEMA")}
    env.update({"DATA_DIR": str(data), "PYTHONPATH": str(ROOT),
                "LOG_LEVEL": "WARNING"})
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        import aiohttp

        body = None
        async with aiohttp.ClientSession() as http:
            for _ in range(900):  # 90 s: a loaded machine starts PostgreSQL slowly
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                        if r.status == 200:
                            body = await r.json()
                            break
                except aiohttp.ClientError:
                    pass
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
        assert body == {"status": "ready", "checks": {"postgres": "ok", "redis": "ok",
                                                   "subscription": "ok"}}, \
            (tmp_path / "serve.log").read_text()[-3000:]
        assert (data / "postgres").is_dir()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(data, ignore_errors=True)
    assert proc.returncode == 0
