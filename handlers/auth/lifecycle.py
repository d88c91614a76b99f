"""Per process: listen for session revocations and cut this process's sockets of them.

Redis pub/sub keeps nothing for a subscriber that is away: a revocation published while this
process was resubscribing (a Redis restart, a dropped connection) never reaches it, and one
never published (the revoking process died between its commit and its publish) reaches no
one; the revoked device's socket would stay connected for good. So after every gap in the
subscription, and every REVOCATION_SWEEP_SECONDS, the process asks PostgreSQL (the truth)
about each session it holds a socket of, and cuts the ones that are no longer live, as a
heard revocation would have.
"""
from __future__ import annotations

import asyncio
import json

import structlog

from handlers.auth import queries as q
from handlers.auth.actions import do_cut_local_sockets, revocation_channel
from handlers.auth.config import auth_config
from handlers.auth.guard import session_checks
from handlers.auth.otp_channels import close_http
from server.channel_listener import ChannelListener
from server.outages import note_if_outage
from server.state import AppState
from server.user_rooms import session_room

SWEEP_CHUNK = 5000  # sessions per PostgreSQL query in a sweep

log = structlog.get_logger("auth")


async def startup(state: AppState) -> None:
    auth_config(state)  # fail fast on bad settings
    sweeper = state.extras["auth_gap_sweeper"] = GapSweeper(state)

    async def heard(data: bytes) -> None:
        body = json.loads(data)
        sessions = [str(s) for s in body["sessions"]]
        session_checks(state).heard_revoked(sessions)
        await do_cut_local_sockets(state, sessions, str(body.get("reason", "revoked")))

    def subscribed(pubsub, first: bool) -> None:
        # after a gap (or a start without Redis) what was published meanwhile is lost: sweep,
        # unless redis-py reconnected that same connection by itself (its callback swept)
        if not first and sweeper.watched is not pubsub.connection:
            state.spawn(sweeper.sweep())
        sweeper.watch(pubsub)

    listener = ChannelListener(state, revocation_channel(state), heard, name="revocation",
                               on_subscribed=subscribed)
    state.extras["auth_revocations"] = listener
    await listener.start()  # before the process reports ready, so no revocation is missed
    state.spawn(_sweep_every(sweeper, auth_config(state).revocation_sweep_seconds))


async def shutdown(state: AppState) -> None:
    await close_http(state)
    listener = state.extras.pop("auth_revocations", None)
    if listener is not None:
        await listener.stop()


def local_session_ids(state: AppState) -> list[str]:
    """The login sessions this process holds at least one socket of."""
    prefix = session_room("")
    rooms = state.sio.manager.rooms.get("/", {})
    return [room[len(prefix):] for room in list(rooms)
            if isinstance(room, str) and room.startswith(prefix) and rooms.get(room)]


async def do_sweep_revoked_sessions(state: AppState) -> int:
    """Cut this process's sockets of sessions PostgreSQL says are no longer live (revoked,
    expired, user suspended) — the revocations missed while unsubscribed. Returns how many
    sessions were cut."""
    ids = local_session_ids(state)
    dead: list[str] = []
    for start in range(0, len(ids), SWEEP_CHUNK):
        rows = await state.db.fetch(q.SESSIONS_STATUS, ids[start:start + SWEEP_CHUNK])
        known = {row["id"]: row["live"] for row in rows}
        dead += [sid for sid in ids[start:start + SWEEP_CHUNK] if not known.get(sid, False)]
    if dead:
        session_checks(state).heard_revoked(dead)
        await do_cut_local_sockets(state, dead, "revoked")
        log.info("revoked_sessions_swept", sessions=len(dead), checked=len(ids))
    return len(dead)


class GapSweeper:
    """Runs the sweep after every gap in the subscription: when the listener resubscribes
    after an error, and when redis-py reconnects the pub/sub connection and resubscribes by
    itself (silently) — its connect callback. Sweeps run one at a time."""

    def __init__(self, state: AppState):
        self.state = state
        self.lock = asyncio.Lock()
        self.watched = None  # the pub/sub connection whose reconnects we hear

    def watch(self, pubsub) -> None:
        """Call after each successful subscribe (the connection is up then)."""
        conn = pubsub.connection
        if conn is not None and conn is not self.watched:
            conn.register_connect_callback(self.reconnected)  # held weakly: we are in extras
            self.watched = conn

    def reconnected(self, _connection) -> None:
        self.state.spawn(self.sweep())

    async def sweep(self) -> None:
        async with self.lock:
            try:
                await do_sweep_revoked_sessions(self.state)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if note_if_outage(exc, "revocation_sweep") is None:
                    log.exception("revocation_sweep_failed")


async def _sweep_every(sweeper: "GapSweeper", seconds: float) -> None:
    while seconds > 0:
        await asyncio.sleep(seconds)
        await sweeper.sweep()
