"""Drive tests/js/recovery.js (the official JS client) through forced reconnects across
server processes while another process emits to its room; count what arrived."""
from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from server.emitter import channel_name
from server.engine import RedisManager

JS_DIR = Path(__file__).resolve().parents[1] / "js"


@dataclass
class RecoveryRun:
    sent: int = 0
    recovered: int = 0
    cycles: int = 0
    seqs: list[int] = field(default_factory=list)
    offsets: int = 0

    @property
    def missed(self) -> list[int]:
        got = set(self.seqs)
        return [i for i in range(self.sent) if i not in got]

    @property
    def duplicated(self) -> int:
        return len(self.seqs) - len(set(self.seqs))


class JsClient:
    def __init__(self, token: str, urls: list[str]):
        self.token, self.urls = token, urls
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict:
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(JS_DIR / "recovery.js"), self.token, *self.urls, cwd=JS_DIR,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return await self.expect("connected")

    async def send(self, **cmd) -> None:
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()

    async def expect(self, kind: str, timeout: float = 15) -> dict:
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise RuntimeError(f"JS client exited while waiting for {kind}")
            msg = json.loads(line)
            if msg["type"] == kind:
                return msg
            if msg["type"] in ("connect_error", "timeout"):
                raise RuntimeError(f"JS client: {msg}")

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def settings_adapter(settings) -> RedisManager:
    """A write-only Socket.IO adapter on these settings' Redis (or cluster) and channel, as
    the server's workers build it (server/emitter.py), with `enter_room` for the tests."""
    return RedisManager(settings.redis_url,
                        channel=channel_name(settings.redis_prefix, settings.redis_cluster),
                        write_only=True, cluster=settings.redis_cluster,
                        pubsub=settings.socketio_pubsub)


async def run_recovery(settings, token: str, urls: list[str], cycles: int,
                       per_cut: int = 5, during_reconnect: int = 5) -> RecoveryRun:
    """Connect to urls[0]; join a room known only to the server; then `cycles` times: emit,
    cut, emit while away, reconnect to the next url while emitting; report what arrived."""
    emitter = settings_adapter(settings)
    room = f"test-room:{uuid.uuid4().hex[:8]}"
    run = RecoveryRun()
    js = JsClient(token, urls)
    try:
        first = await js.start()
        # the room exists only on the server side: it comes back only if recovery restores it
        await emitter.enter_room(first["id"], "/", room)
        for n in range(50):  # bounded: until the join has reached the socket's node
            await emitter.emit("test:probe", {"n": n}, room=room)
            try:
                await js.expect("probe", timeout=0.2)
                break
            except asyncio.TimeoutError:
                continue
        else:
            raise RuntimeError("the room join never reached the client's node")

        async def emit(k: int) -> None:
            for _ in range(k):
                await emitter.emit("test:seq", {"i": run.sent}, room=room)
                run.sent += 1

        for c in range(cycles):
            await emit(per_cut)
            await js.send(cmd="cut")
            await js.expect("cut")
            await emit(per_cut)  # missed while away
            await js.send(cmd="reconnect", to=(c + 1) % len(urls))
            racing = asyncio.create_task(emit(during_reconnect))  # in flight during recovery
            conn = await js.expect("connected")
            await racing
            run.recovered += bool(conn.get("recovered"))
            run.cycles += 1
        await emit(per_cut)
        await emitter.emit("test:probe", {"n": -1}, room=room)  # after every seq, in order
        while (await js.expect("probe"))["n"] != -1:
            pass
        await js.send(cmd="report")
        report = await js.expect("report")
        run.seqs, run.offsets = report["seqs"], report["offsets"]
        return run
    finally:
        await js.stop()
        await emitter.close()
