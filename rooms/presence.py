"""Presence across processes: online / away / offline per user, with last-seen time.

State lives in Redis, never in one process's memory, so a process that dies takes no
presence with it:

- `pres:nodes` (sorted set): process id -> time of its last heartbeat. A process beats every
  `presence_heartbeat` seconds; one silent for `presence_ttl` seconds is dead.
- `pres:user:{uid}` (hash): "node/sid" -> "online" | "away", one field per connected socket.
- `pres:node:{node}` (set): "uid/sid" of the sockets a process holds, for sweeping it.
- `pres:seen:{uid}`: last-seen time (ms) once the user's last socket went away.

A user's status is computed when read: fields of dead processes are ignored, so a SIGKILLed
process's users read as offline as soon as its heartbeat is `presence_ttl` old. The sweep
(any live process, one at a time per dead process thanks to a lock) then deletes the dead
fields and reports who went offline, so watchers get a push. With the defaults (5 s beat,
15 s TTL) a ghost is gone from reads after 15 s and pushed offline within ~20 s.

A process that was only slow (CPU starved past the TTL) and got swept notices at its next
heartbeat (its entry had to be re-added) and registers its sockets again from `local`, its
own list of the sockets it holds; that list is never read to answer anyone.

This module only keeps state and reports changes (`Change`); the chat actions emit them.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Iterable, Protocol

from server.state import AppState

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STATUSES = (ONLINE, AWAY)
SEEN_TTL = 90 * 24 * 3600  # forget last-seen after 90 days of absence


@dataclass(frozen=True)
class Presence:
    user_id: str
    status: str  # online | away | offline
    last_seen: int | None  # ms since epoch, when offline (None: never seen or online)

    def as_event(self) -> dict:
        return {"user_id": self.user_id, "status": self.status, "last_seen": self.last_seen}


@dataclass(frozen=True)
class Change:
    """A user's status after something happened, when it differs from before."""

    before: str
    after: Presence


class PresenceStore(Protocol):
    node_id: str

    async def heartbeat(self) -> list[Change]: ...
    async def connect(self, user_id: str, sid: str, status: str = ONLINE) -> Change | None: ...
    async def connect_many(self, sockets: list[tuple[str, str]]) -> list[Change | None]: ...
    async def disconnect(self, user_id: str, sid: str) -> Change | None: ...
    async def disconnect_many(self, sockets: list[tuple[str, str]]) -> list[Change | None]: ...
    async def set_status(self, user_id: str, sid: str, status: str) -> Change | None: ...
    async def statuses(self, user_ids: Iterable[str]) -> dict[str, Presence]: ...
    async def sweep(self) -> list[Change]: ...
    async def close(self) -> list[Change]: ...


class RedisPresence:
    """The Redis implementation; one per process (`presence(state)`)."""

    def __init__(self, state: AppState, node_id: str | None = None):
        self.state = state
        self.node_id = node_id or uuid.uuid4().hex[:16]
        s = state.settings
        self.ttl = s.presence_ttl
        self.k_nodes = s.key("pres", "nodes")
        self.local: dict[str, tuple[str, str]] = {}  # sid -> (user id, status), this process

    @property
    def r(self):
        return self.state.redis

    def _k_user(self, uid) -> str:
        return self.state.key("pres", "user", uid)

    def _k_node(self, node) -> str:
        return self.state.key("pres", "node", node)

    def _k_seen(self, uid) -> str:
        return self.state.key("pres", "seen", uid)

    async def heartbeat(self) -> list[Change]:
        """Say this process lives; if it had been swept as dead, put its sockets back."""
        if not await self.r.zadd(self.k_nodes, {self.node_id: time.time()}):
            return []
        local = dict(self.local)
        if not local:
            return []
        async with self.r.pipeline(transaction=False) as p:
            for sid, (uid, status) in local.items():
                p.hset(self._k_user(uid), f"{self.node_id}/{sid}", status)
                p.sadd(self._k_node(self.node_id), f"{uid}/{sid}")
            await p.execute()
        now = await self.statuses({uid for uid, _ in local.values()})
        return [Change(OFFLINE, p) for p in now.values() if p.status != OFFLINE]

    async def connect(self, user_id: str, sid: str, status: str = ONLINE) -> Change | None:
        if status == ONLINE:
            return (await self.connect_many([(user_id, sid)]))[0]
        before = (await self.statuses([user_id]))[user_id]
        self.local[sid] = (str(user_id), status)
        async with self.r.pipeline(transaction=False) as p:
            p.hset(self._k_user(user_id), f"{self.node_id}/{sid}", status)
            p.sadd(self._k_node(self.node_id), f"{user_id}/{sid}")
            await p.execute()
        return await self._changed(user_id, before.status)

    async def connect_many(self, sockets: list[tuple[str, str]]) -> list[Change | None]:
        """Register sockets (user id, sid) as online: one pipeline and one liveness read for
        the lot. Each socket's "before" is what its user had just before its own write, so
        two sockets of one user in a batch report one change, like two single calls."""
        if not sockets:
            return []
        async with self.r.pipeline(transaction=False) as p:
            for uid, sid in sockets:
                uid = str(uid)
                self.local[sid] = (uid, ONLINE)
                p.hgetall(self._k_user(uid))
                p.hset(self._k_user(uid), f"{self.node_id}/{sid}", ONLINE)
                p.sadd(self._k_node(self.node_id), f"{uid}/{sid}")
            raw = await p.execute()
        befores = raw[0::3]
        alive = await self._alive(self._nodes_in(befores))
        changes: list[Change | None] = []
        for (uid, _), fields in zip(sockets, befores):
            before = self._status_of(fields, alive)
            changes.append(Change(before, Presence(str(uid), ONLINE, None))
                           if before != ONLINE else None)
        return changes

    async def disconnect(self, user_id: str, sid: str) -> Change | None:
        return (await self.disconnect_many([(user_id, sid)]))[0]

    async def disconnect_many(self, sockets: list[tuple[str, str]]) -> list[Change | None]:
        """Forget sockets (user id, sid): one pipeline and one liveness read for the lot, and
        one more to stamp last-seen for the users that went offline."""
        if not sockets:
            return []
        me = self.node_id.encode()
        async with self.r.pipeline(transaction=False) as p:
            for uid, sid in sockets:
                uid = str(uid)
                self.local.pop(sid, None)
                field = f"{self.node_id}/{sid}"
                p.hget(self._k_user(uid), field)
                p.hdel(self._k_user(uid), field)
                p.srem(self._k_node(self.node_id), f"{uid}/{sid}")
                p.hgetall(self._k_user(uid))
            raw = await p.execute()
        gone, afters = raw[0::4], raw[3::4]
        alive = await self._alive(self._nodes_in(afters) | {me})
        seen_ms = int(time.time() * 1000)
        changes: list[Change | None] = []
        offline = []
        for (uid, sid), was, fields in zip(sockets, gone, afters):
            after = self._status_of(fields, alive)
            before = self._status_of({**fields, me + b"/" + sid.encode(): was}, alive) \
                if was is not None else after
            if after == OFFLINE:
                offline.append(str(uid))
            changes.append(Change(before, Presence(str(uid), after,
                                                   seen_ms if after == OFFLINE else None))
                           if before != after else None)
        if offline:
            async with self.r.pipeline(transaction=False) as p:
                for uid in dict.fromkeys(offline):
                    p.set(self._k_seen(uid), seen_ms, ex=SEEN_TTL)
                await p.execute()
        return changes

    @staticmethod
    def _nodes_in(hashes: list[dict]) -> set[bytes]:
        return {f.split(b"/", 1)[0] for h in hashes for f in h}

    @staticmethod
    def _status_of(fields: dict, alive: set[bytes]) -> str:
        live = [v for f, v in fields.items() if f.split(b"/", 1)[0] in alive]
        if any(v == b"online" for v in live):
            return ONLINE
        return AWAY if live else OFFLINE

    async def set_status(self, user_id: str, sid: str, status: str) -> Change | None:
        if status not in STATUSES:
            raise ValueError(status)
        before = (await self.statuses([user_id]))[user_id]
        field = f"{self.node_id}/{sid}"
        if not await self.r.hexists(self._k_user(user_id), field):
            return None
        if sid in self.local:
            self.local[sid] = (str(user_id), status)
        await self.r.hset(self._k_user(user_id), field, status)
        return await self._changed(user_id, before.status)

    async def _changed(self, user_id: str, before: str, seen_ms: int | None = None
                       ) -> Change | None:
        after = (await self.statuses([user_id]))[user_id]
        if after.status == OFFLINE and seen_ms is not None:
            await self.r.set(self._k_seen(user_id), seen_ms, ex=SEEN_TTL)
            after = Presence(user_id, OFFLINE, seen_ms)
        return Change(before, after) if after.status != before else None

    async def statuses(self, user_ids: Iterable[str]) -> dict[str, Presence]:
        """Current presence of each user, ignoring sockets of dead processes."""
        uids = list(dict.fromkeys(str(u) for u in user_ids))
        if not uids:
            return {}
        async with self.r.pipeline(transaction=False) as p:
            for uid in uids:
                p.hgetall(self._k_user(uid))
                p.get(self._k_seen(uid))
            raw = await p.execute()
        fields = {uid: raw[2 * i] for i, uid in enumerate(uids)}
        seen = {uid: raw[2 * i + 1] for i, uid in enumerate(uids)}
        nodes = sorted({f.split(b"/", 1)[0] for h in fields.values() for f in h})
        alive = await self._alive(nodes)
        out = {}
        for uid in uids:
            live = [v for f, v in fields[uid].items() if f.split(b"/", 1)[0] in alive]
            if any(v == b"online" for v in live):
                out[uid] = Presence(uid, ONLINE, None)
            elif live:
                out[uid] = Presence(uid, AWAY, None)
            else:
                out[uid] = Presence(uid, OFFLINE, int(seen[uid]) if seen[uid] else None)
        return out

    async def _alive(self, nodes) -> set[bytes]:
        if not nodes:
            return set()
        nodes = list(nodes)
        scores = await self.r.zmscore(self.k_nodes, nodes)
        cutoff = time.time() - self.ttl
        return {n for n, s in zip(nodes, scores) if s is not None and s >= cutoff}

    async def sweep(self) -> list[Change]:
        """Forget the sockets of processes whose heartbeat is older than the TTL."""
        cutoff = time.time() - self.ttl
        dead = await self.r.zrangebyscore(self.k_nodes, "-inf", cutoff, withscores=True)
        changes: list[Change] = []
        for node, last_beat in dead:
            node = node.decode()
            if node == self.node_id:
                continue  # our own loop was late; the next heartbeat revives us
            lock = self.state.key("pres", "sweep", node)
            if not await self.r.set(lock, self.node_id, nx=True, ex=30):
                continue
            try:
                changes += await self._forget_node(node, int(last_beat * 1000))
            finally:
                await self.r.delete(lock)
        return changes

    async def _forget_node(self, node: str, seen_ms: int) -> list[Change]:
        members = await self.r.smembers(self._k_node(node))
        by_user: dict[str, list[str]] = {}
        for m in members:
            uid, sid = m.decode().split("/", 1)
            by_user.setdefault(uid, []).append(sid)
        # A dead node's sockets were not counted as online already, so "before" is what a
        # reader saw while the node still looked alive: its fields' best status.
        changes = []
        for uid, sids in by_user.items():
            fields = [f"{node}/{sid}" for sid in sids]
            vals = await self.r.hmget(self._k_user(uid), fields)
            before = ONLINE if b"online" in vals else (AWAY if any(vals) else OFFLINE)
            await self.r.hdel(self._k_user(uid), *fields)
            after = (await self.statuses([uid]))[uid]
            if after.status == OFFLINE:
                if not await self.r.exists(self._k_seen(uid)) or before != OFFLINE:
                    await self.r.set(self._k_seen(uid), seen_ms, ex=SEEN_TTL)
                after = Presence(uid, OFFLINE, seen_ms)
            if before != after.status:
                changes.append(Change(before, after))
        await self.r.delete(self._k_node(node))
        await self.r.zrem(self.k_nodes, node)
        return changes

    async def close(self) -> list[Change]:
        """Graceful stop: forget what this process still holds, at once."""
        self.local.clear()
        return await self._forget_node(self.node_id, int(time.time() * 1000))


def presence(state: AppState) -> PresenceStore:
    """This process's presence store (created on first use)."""
    store = state.extras.get("presence")
    if store is None:
        store = state.extras["presence"] = RedisPresence(state)
    return store
