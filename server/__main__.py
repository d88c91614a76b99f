"""`python -m server <command>`: serve, migrate, emit, worker, and the domains' commands
(token and user from auth, seed from demo...)."""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sys
import time

# One BLAS thread per process: a 2-core server runs one event loop per core, and BLAS thread
# pools spinning beside it slowed numpy work (ranking, embeddings) 3-10x in our measurements.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from server.domains import discover  # noqa: E402


def _settings():
    from server.config import Settings

    return Settings.from_env()


def _lan_address() -> str | None:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return None


# connections the kernel queues for a busy process: a dead process's sockets all reconnect to
# the survivors within a second (past the backlog their SYNs are dropped and retried 1-15 s
# later); the kernel caps it at net.core.somaxconn
LISTEN_BACKLOG = 4096


def _listen(host: str, port: int):
    """A listening socket for host:port (what aiohttp's TCPSite would bind)."""
    import socket

    family, kind, proto, _, addr = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def _serve(host: str, port: int) -> int:
    from aiohttp import web

    from server.app import EMBEDDED, create_app, drain
    from server.state import STATE

    try:  # the port first: a taken port is one line, before any store is started
        sock = _listen(host, port)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()  # "address already in use"
        print(f"error: cannot listen on {host}:{port}: {reason} (another process "
              f"uses the port? pick one with --port, or stop it)", file=sys.stderr, flush=True)
        return 2
    settings = _settings()
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
    await runner.setup()
    site = web.SockSite(runner, sock, backlog=LISTEN_BACKLOG)  # aiohttp would listen(128)
    await site.start()
    # Long-lived objects (modules, app) are frozen out of the cyclic GC; larger gen0 threshold
    # keeps per-delivery garbage collection cheap (measured in docs/benchmarks.md).
    # GC_TUNING=0 keeps CPython's defaults (for measuring the difference).
    if os.environ.get("GC_TUNING", "1") != "0":
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 1000)
    embedded = app[EMBEDDED]
    url_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{url_host}:{port}"
    app[STATE].self_url = url
    if embedded is not None:
        embedded.publish_serve_url(url)
    ready = {"event": "READY", "host": host, "port": port, "pid": os.getpid(), "url": url,
             "data_dir": str(settings.data_dir.resolve()),
             "stores": embedded.describe() if embedded else "configured URLs"}
    if host in ("0.0.0.0", "::", ""):
        lan = _lan_address()
        if lan:  # what a phone on the same network opens
            ready["lan_url"] = f"http://{lan}:{port}"
    print(json.dumps(ready), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    lost: list[str] = []
    if embedded is not None and not embedded.owner:
        def on_lost(reason: str) -> None:
            lost.append(reason)
            stop.set()
        watcher = loop.create_task(embedded.watch(on_lost))
    else:
        watcher = None
    await stop.wait()
    if lost:
        print(f"error: {lost[0]}", file=sys.stderr, flush=True)
    started = time.monotonic()
    await site.stop()  # stop accepting new connections
    try:
        await asyncio.wait_for(drain(app, settings.reconnect_hint_ms), settings.shutdown_grace)
    except asyncio.TimeoutError:
        pass
    await runner.cleanup()
    if watcher is not None:
        watcher.cancel()
    print(json.dumps({"event": "STOPPED", "seconds": round(time.monotonic() - started, 3)}),
          flush=True)
    return 3 if lost else 0


async def _migrate() -> None:
    from server.embedded import resolve_stores
    from server.migrations import migrate_dsn

    settings, emb = resolve_stores(_settings())
    try:
        applied = await migrate_dsn(settings.database_url, settings.database_schema)
        print(json.dumps({"applied": applied}))
    finally:
        if emb is not None:
            emb.stop()


async def _emit(user_id: str, event: str, payload: str) -> None:
    from server.embedded import resolve_stores
    from server.emitter import settings_emitter

    settings, emb = resolve_stores(_settings())
    try:
        data = json.loads(payload)
        emitter = settings_emitter(settings)
        await emitter.emit_to_user(user_id, event, data)
        print(json.dumps({"emitted": event, "user_id": user_id}))
    finally:
        if emb is not None:
            emb.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the Socket.IO + HTTP server")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)))
    sub.add_parser("migrate", help="apply pending SQL migrations")
    p = sub.add_parser("emit", help="push an event to every socket of a user")
    p.add_argument("user_id")
    p.add_argument("event")
    p.add_argument("json")
    from server.worker import add_worker_command

    add_worker_command(sub)
    # Domains may add commands: handlers/<domain>/commands.py with add_commands(sub).
    domains = discover()
    for d in domains:
        if d.commands is not None and hasattr(d.commands, "add_commands"):
            d.commands.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        import uvloop

        return uvloop.run(_serve(args.host, args.port))
    elif args.command == "migrate":
        asyncio.run(_migrate())
    elif args.command == "emit":
        asyncio.run(_emit(args.user_id, args.event, args.json))
    elif hasattr(args, "run"):
        return args.run(args) or 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
