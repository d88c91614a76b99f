"""What one process holds for live streams: the ingests it hosts, local viewers, waiters.

Nothing here is the truth: the stream row (PostgreSQL) says the state, the Redis publisher
lock says which process hosts the ingest, and the viewer set in Redis is the count.
"""
from __future__ import annotations

import asyncio
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from media.live_hls import LivePipeline
from media.whip import WhipSession
from server.state import AppState


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class Ingest:
    stream_id: str
    creator_id: str
    pipeline: LivePipeline
    session: WhipSession | None = None
    ending: bool = False  # stopping: the publisher dropped or the stream ends
    stopped: asyncio.Event = field(default_factory=asyncio.Event)  # the packager is closed


@dataclass
class LiveRuntime:
    node: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    grace: float = field(default_factory=lambda: _env("LIVE_RECONNECT_GRACE", 10.0))
    media_timeout: float = field(default_factory=lambda: _env("LIVE_MEDIA_TIMEOUT", 3.0))
    tick: float = field(default_factory=lambda: _env("LIVE_VIEWER_TICK", 2.0))
    lock_ttl: int = 15  # seconds; refreshed every few seconds while this process hosts it
    # seconds a returning publisher waits for the previous host to save the stream's state
    handover_wait: float = field(default_factory=lambda: _env("LIVE_HANDOVER_WAIT", 5.0))
    # signed playback URLs (handlers/live/playback.py)
    playback_ttl: float = field(default_factory=lambda: _env("LIVE_PLAYBACK_TTL", 300.0))
    playback_renew: float = field(default_factory=lambda: _env("LIVE_PLAYBACK_RENEW", 43200.0))
    playback_vod_ttl: float = field(
        default_factory=lambda: _env("LIVE_PLAYBACK_VOD_TTL", 21600.0))
    playback_tokens: dict[tuple, tuple[int, str]] = field(default_factory=dict)
    watch_checks: dict[tuple, tuple[float, bool]] = field(default_factory=dict)
    ingests: dict[str, Ingest] = field(default_factory=dict)
    # stream id -> user id -> this process's sids of that user in the room
    viewers: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))
    sid_streams: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _events: dict[str, asyncio.Event] = field(default_factory=dict)
    loop: asyncio.AbstractEventLoop | None = None

    # ---- progress of the packager, for blocking playlist reloads
    def progressed(self, stream_id: str) -> None:
        """Wake the requests waiting on this stream (event loop thread)."""
        ev = self._events.pop(stream_id, None)
        if ev is not None:
            ev.set()

    def progressed_threadsafe(self, stream_id: str) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.progressed, stream_id)

    def progress_event(self, stream_id: str) -> asyncio.Event:
        """Take this before reading the playlist, then wait on it: no missed wake-up."""
        ev = self._events.get(stream_id)
        if ev is None:
            ev = self._events[stream_id] = asyncio.Event()
        return ev

    @staticmethod
    async def wait_event(ev: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(ev.wait(), max(0.0, timeout))
        except asyncio.TimeoutError:
            pass

    # ---- local viewers
    def add_viewer(self, stream_id: str, user_id: str, sid: str) -> None:
        self.viewers[stream_id].setdefault(user_id, set()).add(sid)
        self.sid_streams[sid].add(stream_id)

    def remove_viewer(self, stream_id: str, user_id: str, sid: str) -> bool:
        """True if that was the user's last socket in the room on this process."""
        users = self.viewers.get(stream_id)
        self.sid_streams.get(sid, set()).discard(stream_id)
        if not users or user_id not in users:
            return False
        users[user_id].discard(sid)
        if users[user_id]:
            return False
        del users[user_id]
        if not users:
            self.viewers.pop(stream_id, None)
        return True

    def is_viewer(self, stream_id: str, sid: str) -> bool:
        return stream_id in self.sid_streams.get(sid, ())


def runtime(state: AppState) -> LiveRuntime:
    rt = state.extras.get("live")
    if rt is None:
        rt = state.extras["live"] = LiveRuntime()
    return rt


def stream_dir(state: AppState, stream_id: str) -> Path:
    return Path(state.settings.media_root) / "live" / stream_id
