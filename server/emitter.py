"""Emit to rooms and users from any process, including ones that hold no sockets.

A serving process emits through its AsyncServer (whose Redis manager publishes to every
node). A worker or the CLI uses a write-only AsyncRedisManager on the same channel.
"""
from __future__ import annotations

from typing import Any, Protocol

from server.user_rooms import user_room


class _Emits(Protocol):
    async def emit(self, event: str, data: Any, **kw: Any) -> Any: ...


class Emitter:
    def __init__(self, target: _Emits, *, namespace: str = "/"):
        self._target = target
        self._namespace = namespace

    async def emit(self, event: str, data: Any, *, room: str | None) -> None:
        """Send to a room on every node. room=None is a broadcast to everyone."""
        await self._target.emit(event, data, room=room, namespace=self._namespace)

    async def emit_many(self, items: list[tuple[str, Any, str | None]]) -> None:
        """Several (event, data, room) sends, in order, in one Redis round trip where the
        adapter supports it (ours does); otherwise one by one."""
        mgr = getattr(self._target, "manager", self._target)
        many = getattr(mgr, "emit_many", None)
        if many is None:
            for event, data, room in items:
                await self.emit(event, data, room=room)
            return
        await many(items, namespace=self._namespace)

    async def close_room(self, room: str) -> None:
        """Every socket leaves `room` on every node, after the broadcasts to it sent before."""
        await self._target.close_room(room, namespace=self._namespace)

    async def emit_to_user(self, user_id: object, event: str, data: Any) -> None:
        """Every device of one user, wherever it is connected."""
        await self.emit(event, data, room=user_room(user_id))


def channel_name(redis_prefix: str, cluster: bool = False) -> str:
    """The Socket.IO adapter's pub/sub channel: per deployment (and per test). In a cluster
    it carries the hash tag `{sio}` that its packet log and room channels share."""
    return f"{redis_prefix}{{sio}}socketio" if cluster else f"{redis_prefix}socketio"


def write_only_emitter(redis_url: str, redis_prefix: str, serializer: str = "default", *,
                       cluster: bool = False, pubsub: str = "auto") -> Emitter:
    """An Emitter for processes without sockets (workers, `python -m server emit`)."""
    from server.engine import RedisManager
    from server.outages import redis_options

    # our adapter, so that these broadcasts are logged for connection state recovery too
    mgr = RedisManager(redis_url, channel=channel_name(redis_prefix, cluster), write_only=True,
                       cluster=cluster, pubsub=pubsub, redis_options=redis_options())
    return Emitter(mgr)


def settings_emitter(settings) -> Emitter:
    """The write-only Emitter for these settings (cluster mode and pub/sub mode included)."""
    return write_only_emitter(settings.redis_url, settings.redis_prefix,
                              settings.socketio_serializer, cluster=settings.redis_cluster,
                              pubsub=settings.socketio_pubsub)
