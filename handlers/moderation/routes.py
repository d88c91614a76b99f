"""HTTP routes of the PDPL rights: export, erasure, consent; staff export and audit."""
from __future__ import annotations

import msgspec
from aiohttp import web

from handlers.auth.guard import authenticate
from handlers.moderation.pdpl import (do_erase, do_export, do_grant_consent, do_list_consents,
                                      do_withdraw_consent, validate_purpose)
from server.payloads import decode_json, query_int, to_builtins
from server.state import STATE

routes = web.RouteTableDef()
STAFF = ("moderator", "admin")


class ConsentReq(msgspec.Struct, forbid_unknown_fields=True):
    purpose: str
    policy_version: str


def _export_response(body: bytes, user_id: str) -> web.Response:
    return web.Response(body=body, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="sawt-export-{user_id}.zip"',
        "Cache-Control": "no-store"})


@routes.get("/v1/me/export")
async def export_me(request: web.Request) -> web.Response:
    """Everything held about the caller: a ZIP (export.json + media/), or JSON (?format=json)."""
    claims = await authenticate(request)
    state = request.app[STATE]
    as_json = request.query.get("format") == "json"
    out = await do_export(state, claims.user_id, actor_id=claims.user_id,
                          actor_role=claims.role, archive=not as_json)
    if as_json:
        return web.json_response(out, headers={"Cache-Control": "no-store"})
    return _export_response(out, claims.user_id)


@routes.delete("/v1/me")
async def erase_me(request: web.Request) -> web.Response:
    """Erase the caller's account and personal data across every domain (irreversible)."""
    claims = await authenticate(request)
    result = await do_erase(request.app[STATE], claims.user_id, actor_id=claims.user_id,
                            actor_role=claims.role)
    return web.json_response(result)


@routes.get("/v1/me/consents")
async def list_consents(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    return web.json_response(await do_list_consents(request.app[STATE], claims.user_id))


@routes.post("/v1/me/consents")
async def grant_consent(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    req = decode_json(ConsentReq, await request.read())
    validate_purpose(req.purpose, req.policy_version)
    row = await do_grant_consent(request.app[STATE], claims.user_id, req.purpose,
                                 req.policy_version)
    return web.json_response(row, status=201)


@routes.delete("/v1/me/consents/{purpose}")
async def withdraw_consent(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    purpose = request.match_info["purpose"]
    validate_purpose(purpose)
    return web.json_response(await do_withdraw_consent(request.app[STATE], claims.user_id,
                                                       purpose))


@routes.get("/v1/admin/users/{user_id}/export")
async def staff_export(request: web.Request) -> web.Response:
    """A staff member reads a user's data (support, legal): audited as staff access."""
    claims = await authenticate(request, roles=("admin",))
    user_id = request.match_info["user_id"]
    from handlers.moderation.actions import _uuid

    out = await do_export(request.app[STATE], _uuid(user_id, "user_id"),
                          actor_id=claims.user_id, actor_role=claims.role, archive=False)
    return web.json_response(out, headers={"Cache-Control": "no-store"})


@routes.get("/v1/admin/audit")
async def audit_log(request: web.Request) -> web.Response:
    """The PDPL audit log (moderation decisions, staff access), newest first."""
    await authenticate(request, roles=("admin",))
    state = request.app[STATE]
    subject = request.query.get("subject_id")
    limit = query_int(request.query.get("limit"), 100, high=500)
    from handlers.moderation.actions import _uuid

    if subject:
        rows = await state.db.fetch(
            "SELECT * FROM pdpl_audit WHERE subject_id = $1::uuid ORDER BY id DESC LIMIT $2",
            _uuid(subject, "subject_id"), limit)
    else:
        rows = await state.db.fetch("SELECT * FROM pdpl_audit ORDER BY id DESC LIMIT $1", limit)
    return web.json_response({"entries": [to_builtins(dict(r)) for r in rows]})
