"""Socket side of auth: the connect guard (session must be live) and session events."""
from __future__ import annotations

from handlers.auth.actions import do_list_sessions, do_revoke_session
from handlers.auth.audit import Client
from handlers.auth.guard import session_guard, session_is_live
from server.errors import ok
from server.sockets import SocketContext, connect_guard, on, on_connect

connect_guard(session_guard)


@on_connect
async def recheck_after_join(ctx: SocketContext) -> None:
    """A revocation published between the guard and joining the session room would miss this
    socket; look once more now that it is in the room (off the connect path)."""
    if ctx.session_id:
        ctx.state.spawn(_recheck(ctx))


async def _recheck(ctx: SocketContext) -> None:
    if not await session_is_live(ctx.state, ctx.session_id, ctx.user_id):
        await ctx.state.sio.disconnect(ctx.sid, ignore_queue=True)


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
