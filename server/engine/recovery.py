"""Connection state recovery (Socket.IO v4.6+ semantics) with the state in Redis.

Every socket gets a private id (`pid`) in its CONNECT packet, and every broadcast it receives
carries an offset as the last argument: the id of the broadcast in the packet log (a Redis
stream written by `manager.RedisManager`, shared by every node). A socket's session (sid,
rooms, owner, baseline offset) is kept in Redis under its pid while it is connected, written
again whenever its rooms change (`LiveSessions`, batched every 20 ms) and kept alive
by a periodic refresh, so it survives its process: a SIGKILLed node's sockets recover on the
others. A client that reconnects to any node with `pid` and `offset` in its auth gets the
same sid, its rooms (each re-checked by the app), and every logged packet after `offset`
that it would have received, in order, then `recovered: true` (the JS client compares pids).
A session outlives its socket by `window` seconds; a socket that leaves for good (client
or server disconnect) takes its session with it.
"""
from __future__ import annotations

import asyncio
import bisect
import json
import logging
from typing import Any, Callable

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from server.batching import Batcher
from server.redis_clients import connect, is_cluster, run_scripts

log = logging.getLogger("sawt.engine")

# socket.io's RECOVERABLE_DISCONNECT_REASONS, plus ours
RECOVERABLE = frozenset({"transport error", "transport close", "ping timeout", "slow consumer",
                         "forced close", "server shutting down"})
FLUSH_DELAY = 0.02  # s: a session reaches Redis this long after its change, at most
MAX_REPLAY = 10_000  # a gap longer than this is not recovered (fresh session instead)
# Write a session: `new` always; `update` / `delete` only while it is still this
# connection's (another node may have taken it over by recovering the socket).
SAVE_SESSION = """
if ARGV[1] ~= 'new' then
  local cur = redis.call('GET', KEYS[1])
  if not cur then return 0 end
  local ok, s = pcall(cjson.decode, cur)
  if not ok or type(s) ~= 'table' or s['conn'] ~= ARGV[2] then return 0 end
end
if ARGV[1] == 'delete' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""


def parse_offset(offset: bytes | str | None) -> tuple[int, int] | None:
    """A stream id 'ms-seq' as a comparable tuple; None if it is not one."""
    if offset is None:
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    ms, _, seq = offset.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return None


class RecoveryStore:
    """Sessions of dropped sockets and the missed-packet query, in Redis."""

    def __init__(self, redis_url: str, *, key_prefix: str, log_key: str, window: float,
                 cluster: bool = False, redis_options: dict | None = None):
        self.redis_url = redis_url
        self.cluster = cluster
        self.redis_options = redis_options or {}
        self.key_prefix = key_prefix
        self.log_key = log_key
        self.window = window
        self._redis: aioredis.Redis | None = None
        self._save: str | None = None  # SHA of SAVE_SESSION, once loaded
        self._script = None  # SAVE_SESSION registered on a cluster client
        # a reconnect storm brings thousands of sockets back at once: their session reads and
        # missed-packet queries go to Redis in a few batches, not one round trip (and one
        # pooled connection) each
        self._takes: Batcher[str, dict | None] = Batcher(self._take_many)
        self._misses: Batcher[str, list | None] = Batcher(self._missed_many)
        self._heads: Batcher[None, str] = Batcher(self._head_many)

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            self._redis = connect(self.redis_url, cluster=self.cluster, **self.redis_options)
            self._save = self._script = None
        return self._redis

    def _key(self, pid: str) -> str:
        return f"{self.key_prefix}{pid}"

    @property
    def window_ms(self) -> int:
        return max(1, int(self.window * 1000))

    async def save_many(self, writes: list[tuple[str, dict[str, Any]]]) -> None:
        """[(mode, session)] in one round trip; mode is new, update or delete. A new session
        is a plain SET; only updates and deletes need the script's ownership check (loaded
        once: no SCRIPT EXISTS round trip per batch, reloaded if Redis lost it). A cluster's
        pipelines refuse EVALSHA: there each call goes to its key's master at once."""
        client = self.redis
        if is_cluster(client):
            if self._script is None:
                self._script = client.register_script(SAVE_SESSION)
            await run_scripts(client, [
                (self._script, [self._key(session["pid"])],
                 [mode, session["conn"], json.dumps(session), self.window_ms])
                for mode, session in writes])
            return
        for attempt in (1, 2):
            if self._save is None and any(mode != "new" for mode, _ in writes):
                self._save = await self.redis.script_load(SAVE_SESSION)
            pipe = self.redis.pipeline(transaction=False)
            for mode, session in writes:
                key, value = self._key(session["pid"]), json.dumps(session)
                if mode == "new":
                    pipe.set(key, value, px=self.window_ms)
                else:
                    pipe.evalsha(self._save, 1, key, mode, session["conn"], value,
                                 self.window_ms)
            try:
                await pipe.execute()
                return
            except NoScriptError:  # Redis restarted or flushed its scripts
                self._save = None
                if attempt == 2:
                    raise

    async def refresh(self, pids: list[str]) -> None:
        """Keep the sessions of connected sockets alive (their process may die any time)."""
        for start in range(0, len(pids), 1000):
            pipe = self.redis.pipeline(transaction=False)
            for pid in pids[start:start + 1000]:
                pipe.pexpire(self._key(pid), self.window_ms)
            await pipe.execute()

    async def take(self, pid: str) -> dict[str, Any] | None:
        """The stored session. Left in place: a connect the client gave up on (a timeout in
        a storm) must not use it up; the connection that completes writes it anew as its
        own, and the old connection's writes no longer match (`conn`)."""
        return await self._takes.submit(pid)

    async def _take_many(self, pids: list[str]) -> list[dict[str, Any] | None]:
        client, keys = self.redis, [self._key(pid) for pid in pids]
        # a cluster's MGET must stay in one slot: there, one GET per key's master at once
        raws = await (client.mget_nonatomic(keys) if is_cluster(client) else client.mget(keys))
        out = []
        for raw in raws:
            try:
                out.append(json.loads(raw) if raw else None)
            except ValueError:
                out.append(None)
        return out

    async def head(self) -> str:
        """The id of the newest logged packet ('0-0' when the log is empty); the connects
        waiting for it share one read."""
        return await self._heads.submit(None)

    async def _head_many(self, asks: list[None]) -> list[str]:
        last = await self.redis.xrevrange(self.log_key, "+", "-", count=1)
        head = last[0][0].decode() if last else "0-0"
        return [head] * len(asks)

    async def missed(self, since: str) -> list[tuple[bytes, bytes]] | None:
        """Logged packets after `since`, oldest first; None if some were already trimmed
        (the gap cannot be filled, so the session must not claim to be recovered)."""
        if parse_offset(since) is None:
            return None
        return await self._misses.submit(since)

    async def _missed_many(self, sinces: list[str]) -> list[list | None]:
        """One log read for a batch of recovering sockets: from the oldest offset asked,
        each gets its own tail (they are close together in a storm)."""
        oldest = min(sinces, key=parse_offset)
        pipe = self.redis.pipeline(transaction=False)
        pipe.xinfo_stream(self.log_key)
        pipe.xrange(self.log_key, f"({oldest}", "+", count=MAX_REPLAY + 1)
        try:
            info, entries = await pipe.execute()
        except aioredis.ResponseError:  # no log yet: nothing was ever broadcast
            return [[] for _ in sinces]
        deleted = parse_offset(info.get("max-deleted-entry-id"))
        first = info.get("first-entry")
        first_t = parse_offset(first[0]) if first else None
        # entries ever removed from the log's head (MAXLEN trimming does not move
        # max-deleted-entry-id); Redis < 7 does not say: a log that long may have been
        added, length = info.get("entries-added"), info.get("length", 0)
        trimmed = added > length if added is not None else length >= MAX_REPLAY
        complete = len(entries) <= MAX_REPLAY  # the read reached the log's end
        offsets = [parse_offset(eid) for eid, _ in entries]  # ascending
        out: list[list | None] = []
        for since in sinces:
            since_t = parse_offset(since)
            if deleted is not None and deleted > (0, 0) and deleted > since_t:
                out.append(None)
            elif trimmed and first_t is not None and first_t > since_t:
                out.append(None)  # `since` itself was trimmed, and maybe what followed it
            else:
                tail = entries[bisect.bisect_right(offsets, since_t):]
                if complete:
                    out.append([(eid, fields[b"m"]) for eid, fields in tail])
                elif len(tail) > MAX_REPLAY:
                    out.append(None)
                else:  # the shared read stopped short of the log's end: read this one alone
                    out.append(await self._missed_alone(since))
        return out

    async def _missed_alone(self, since: str) -> list | None:
        entries = await self.redis.xrange(self.log_key, f"({since}", "+", count=MAX_REPLAY + 1)
        if len(entries) > MAX_REPLAY:
            return None
        return [(eid, fields[b"m"]) for eid, fields in entries]

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


class LiveSessions:
    """The sessions of this process's connected sockets, mirrored in Redis as they change.

    `track` when a socket connects (or is recovered here), `changed` when its rooms change
    (the manager calls it), `finish` when it leaves. Writes are batched: one pipeline per
    FLUSH_DELAY with changes, so a connect or a join never waits for Redis."""

    def __init__(self, store: RecoveryStore, rooms_of: Callable[[str, str], list],
                 owner_of: Callable[[str], Any]):
        self.store = store
        self.rooms_of = rooms_of
        self.owner_of = owner_of
        self.by_sid: dict[str, dict] = {}  # sid -> {pid, sid, ns, base, conn}
        self._dirty: dict[str, str] = {}  # sid -> mode of its next write
        self._final: list[tuple[tuple[str, dict], asyncio.Future]] = []  # sockets that left
        self._flushing: asyncio.Task | None = None
        self._refresher: asyncio.Task | None = None

    def session(self, state: dict) -> dict:
        sid, ns = state["sid"], state["ns"]
        return {"pid": state["pid"], "sid": sid, "ns": ns, "base": state["base"],
                "conn": state["conn"], "owner": _plain(self.owner_of(sid)),
                "rooms": [r for r in self.rooms_of(sid, ns) if r != sid]}

    def track(self, state: dict) -> None:
        self.by_sid[state["sid"]] = state
        self._mark(state["sid"], "new")
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_loop())

    def changed(self, sid: str) -> None:
        if sid in self.by_sid and sid not in self._dirty:
            self._mark(sid, "update")

    def pop(self, sid: str) -> dict | None:
        self._dirty.pop(sid, None)
        return self.by_sid.pop(sid, None)

    async def finish(self, state: dict, recoverable: bool) -> None:
        """The socket left: keep its session for `window` (recoverable) or drop it. Its
        rooms and owner are read now; the write joins the next batch (after the pending
        ones, its own `new` among them, never before) and this returns once it is stored."""
        if recoverable:  # `new` if its first write was still waiting for the batch
            write = ("update" if state.get("written") else "new", self.session(state))
        else:
            write = ("delete", state)
        done = asyncio.get_running_loop().create_future()
        self._final.append((write, done))
        self._start_flush()
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            if not done.cancelled():
                raise
        except Exception:
            pass  # logged by the flush; the session is simply not recoverable

    def _mark(self, sid: str, mode: str) -> None:
        if self._dirty.get(sid) != "new":
            self._dirty[sid] = mode
        self._start_flush()

    def _start_flush(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)  # gather the changes of many connects in one write
        while self._dirty or self._final:
            dirty, self._dirty = self._dirty, {}
            final, self._final = self._final, []
            states = [(mode, self.by_sid[sid]) for sid, mode in dirty.items()
                      if sid in self.by_sid]
            writes = [(mode, self.session(st)) for mode, st in states]
            writes += [write for write, _ in final]
            try:
                await self.store.save_many(writes)
            except Exception as exc:
                log.exception("cannot store %d sessions for recovery", len(writes))
                for _, done in final:
                    if not done.done():
                        done.set_exception(exc)
                await asyncio.sleep(FLUSH_DELAY)  # Redis is out: no busy retry loop
                continue
            for _, st in states:
                st["written"] = True
            for _, done in final:
                if not done.done():
                    done.set_result(None)

    async def _refresh_loop(self) -> None:
        while self.by_sid:
            await asyncio.sleep(max(0.05, self.store.window / 4))
            try:
                await self.store.refresh([s["pid"] for s in list(self.by_sid.values())])
            except Exception:
                log.exception("cannot refresh the recovery sessions")

    async def close(self) -> None:
        for task in (self._flushing, self._refresher):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        final, self._final = self._final, []
        for _, done in final:  # nobody waits forever on a write that will not happen
            done.cancel()


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int)) else str(value)
