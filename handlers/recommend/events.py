"""Socket events of the recommend domain."""
from __future__ import annotations

import msgspec

from handlers.recommend import actions
from handlers.recommend.interests import GOVERNORATES, catalogue
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on


class ForYou(msgspec.Struct, forbid_unknown_fields=True):
    cursor: str | None = None
    limit: int = 20


class Interests(msgspec.Struct, forbid_unknown_fields=True):
    interests: list[str]
    governorate: str | None = None


class Feedback(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str
    kind: str  # view | like | comment | share | watch | skip | not_interested
    value: float = 1.0  # watch: fraction of the video watched (0..1)


@on("feed:for_you")
async def on_for_you(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(ForYou, data)
    limit = max(1, min(50, req.limit))
    return ok(await actions.get_for_you(ctx.state, ctx.user_id, cursor=req.cursor, limit=limit))


@on("recommend:catalogue")
async def on_catalogue(ctx: SocketContext, data: dict | None) -> dict:
    return ok({"interests": sorted(catalogue()), "governorates": list(GOVERNORATES)})


@on("recommend:interests")
async def on_interests(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Interests, data)
    interests = actions.check_interests(req.interests, req.governorate)
    return ok(await actions.do_set_interests(ctx.state, ctx.user_id, interests, req.governorate))


@on("recommend:feedback")
async def on_feedback(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Feedback, data)
    actions.check_feedback(req.post_id, req.kind)
    return ok(await actions.do_record_engagement(ctx.state, ctx.user_id, req.post_id, req.kind,
                                                 req.value))
