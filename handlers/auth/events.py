"""Socket side of auth: the connect guard (session must be live) and session events."""
from __future__ import annotations

from functools import partial

import structlog

from handlers.auth.actions import do_list_sessions, do_revoke_session
from handlers.auth.audit import Client
from handlers.auth.guard import session_checks, session_guard
from server.errors import ok
from server.sockets import SocketContext, connect_guard, on, on_connect

log = structlog.get_logger("auth")
connect_guard(session_guard)


@on_connect
async def recheck_after_join(ctx: SocketContext) -> None:
    """A revocation published between the guard and joining the session room would miss this
    socket; look once more now that it is in the room (batched with other connects' checks,
    off the connect path: no task per socket)."""
    if not ctx.session_id:
        return
    checks = session_checks(ctx.state)
    if checks.is_revoked_here(ctx.session_id):
        ctx.state.spawn(ctx.state.sio.disconnect(ctx.sid, ignore_queue=True))
        return
    checks.lookups.submit_nowait(ctx.session_id).add_done_callback(
        partial(_rechecked, ctx.state, ctx.sid, ctx.session_id, ctx.user_id))


def _rechecked(state, sid: str, session_id: str, user_id: str, done) -> None:
    if done.cancelled():
        return
    if done.exception() is not None:
        log.warning("session_recheck_failed", sid=sid)
        return
    if done.result() != user_id or session_checks(state).is_revoked_here(session_id):
        state.spawn(state.sio.disconnect(sid, ignore_queue=True))


@on("auth:sessions")
async def on_sessions(ctx: SocketContext, data: dict | None) -> dict:
    """The caller's signed-in devices (same as GET /v1/auth/sessions)."""
    return ok(await do_list_sessions(ctx.state, ctx.user_id, ctx.session_id))


@on("auth:logout")
async def on_logout(ctx: SocketContext, data: dict | None) -> dict:
    """Sign this device out; its sockets (this one included) are disconnected."""
    await do_revoke_session(ctx.state, ctx.user_id, ctx.session_id, Client(),
                            by_session=ctx.session_id, reason="signed_out")
    return ok({"revoked": ctx.session_id})
