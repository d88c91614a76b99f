"""PDPL (Egypt Law 151/2020): consent records, data-subject export and erasure.

Export and erasure drive `server.privacy.HOLDERS`: every domain that stores personal data
registers an exporter and an eraser there. Erasure runs every eraser in ONE transaction (all
or nothing), then each domain's after-commit cleanup (Redis, vectors, files), then a sweep
of Redis keys and media paths named after the user. What the law makes us keep (ledger
entries, the audit trail) the owning domain pseudonymises rather than deletes.

This module registers three holders itself: `account` (the core users row: anonymised, the
row stays so ledger and audit references still resolve), `moderation` (items, reports,
standing) and `pdpl` (consents, audit log).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib
import io
import json
import os
import pkgutil
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import structlog

import handlers
from handlers.moderation import queries as q
from handlers.moderation.actions import _end_sessions, audit
from server.errors import BadRequest, NotFound
from server.payloads import to_builtins
from server.privacy import HOLDERS, holds_personal_data
from server.state import AppState

log = structlog.get_logger("pdpl")
ERASE_LAST = ("moderation", "pdpl", "account")  # after every other domain, in this order
MEDIA_SWEEP_DEPTH = 3


def load_all_holders() -> dict:
    """Import every domain's actions module so its holder is registered, then HOLDERS."""
    for info in pkgutil.iter_modules(handlers.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"handlers.{info.name}.actions")
            except ModuleNotFoundError as exc:
                if exc.name != f"handlers.{info.name}.actions":
                    raise
    return HOLDERS


def _erase_order() -> list[str]:
    names = [n for n in load_all_holders() if n not in ERASE_LAST]
    return sorted(names) + [n for n in ERASE_LAST if n in HOLDERS]


def pseudonym(state: AppState, user_id: str) -> str:
    """A stable pseudonym of an erased id: HMAC-SHA256 under the deployment's secret."""
    key = state.settings.jwt_secret.encode()
    return "p_" + hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------- consent

async def do_grant_consent(state: AppState, user_id: str, purpose: str,
                           policy_version: str) -> dict:
    async with state.db.acquire() as conn:
        async with conn.transaction():
            # a new grant supersedes an open one for the same purpose
            await conn.execute(q.WITHDRAW_CONSENT, user_id, purpose)
            row = await conn.fetchrow(q.GRANT_CONSENT, user_id, purpose, policy_version)
    return to_builtins(dict(row))


async def do_withdraw_consent(state: AppState, user_id: str, purpose: str) -> dict:
    row = await state.db.fetchrow(q.WITHDRAW_CONSENT, user_id, purpose)
    if row is None:
        raise NotFound("No consent given for this purpose", code="no_consent")
    return to_builtins(dict(row))


async def do_list_consents(state: AppState, user_id: str) -> dict:
    rows = [to_builtins(dict(r)) for r in await state.db.fetch(q.LIST_CONSENTS, user_id)]
    current = {}
    for r in rows:  # oldest first: the last row per purpose is the current state
        current[r["purpose"]] = {"granted": r["withdrawn_at"] is None,
                                 "policy_version": r["policy_version"],
                                 "since": r["withdrawn_at"] or r["granted_at"]}
    return {"current": current, "history": rows}


async def has_consent(state: AppState, user_id: str, purpose: str) -> bool:
    """For other domains: does the user currently consent to `purpose`?"""
    return (await do_list_consents(state, user_id))["current"].get(purpose, {}).get(
        "granted", False)


# ---------------------------------------------------------------- export

def _media_paths(state: AppState, user_id: str) -> list[Path]:
    """Files and folders under MEDIA_ROOT named after the user (a few levels deep)."""
    root = Path(state.settings.media_root)
    found: list[Path] = []
    if not root.exists():
        return found
    frontier = [root]
    for _ in range(MEDIA_SWEEP_DEPTH):
        nxt = []
        for d in frontier:
            try:
                entries = list(os.scandir(d))
            except OSError:
                continue
            for e in entries:
                if user_id in e.name:
                    found.append(Path(e.path))
                elif e.is_dir(follow_symlinks=False):
                    nxt.append(Path(e.path))
        frontier = nxt
    return found


async def collect_export(state: AppState, user_id: str) -> dict:
    """Everything each domain holds about the user, keyed by domain."""
    out: dict = {"user_id": user_id,
                 "generated_at": datetime.now(timezone.utc).isoformat(), "domains": {}}
    async with state.db.acquire() as conn:
        for name in sorted(load_all_holders()):
            try:
                out["domains"][name] = to_builtins(await HOLDERS[name].export(conn, user_id))
            except Exception:
                log.exception("export_failed", domain=name)
                out["domains"][name] = {"error": "this domain's export failed; it was logged"}
    return out


def export_archive(data: dict, media: list[Path], root: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        z.writestr("README.txt",
                   "Everything Sawt holds about you (PDPL, Egypt Law 151/2020).\n"
                   "export.json: one section per part of the service. media/: your files.\n")
        for p in media:
            files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
            for f in files:
                z.write(f, "media/" + str(f.relative_to(root)))
    return buf.getvalue()


async def do_export(state: AppState, user_id: str, *, actor_id: str, actor_role: str,
                    archive: bool = True) -> bytes | dict:
    """The data-subject export; audited (as staff access when someone else asks)."""
    if await state.db.fetchval("SELECT 1 FROM users WHERE id = $1::uuid", user_id) is None:
        raise NotFound("No such user", code="user_not_found")
    data = await collect_export(state, user_id)
    async with state.db.acquire() as conn:
        await audit(conn, actor_id=actor_id, actor_role=actor_role,
                    action="data_export" if actor_id == user_id else "staff_export",
                    subject_id=user_id)
    if not archive:
        return data
    media = _media_paths(state, user_id)
    root = Path(state.settings.media_root)
    return await asyncio.to_thread(export_archive, data, media, root)


# ---------------------------------------------------------------- erasure

async def _sweep_redis(state: AppState, user_id: str) -> int:
    n = 0
    batch: list[bytes] = []
    async for key in state.redis.scan_iter(match=state.key("*") + user_id + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            n += await state.redis.delete(*batch)
            batch = []
    if batch:
        n += await state.redis.delete(*batch)
    return n


async def do_erase(state: AppState, user_id: str, *, actor_id: str,
                   actor_role: str) -> dict:
    """Erase the user everywhere. Sessions end first (their revocation is itself logged and
    then pseudonymised with the rest)."""
    if await state.db.fetchval("SELECT status FROM users WHERE id = $1::uuid",
                               user_id) is None:
        raise NotFound("No such user", code="user_not_found")
    await _end_sessions(state, user_id, "account_erased")
    order = _erase_order()
    async with state.db.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT set_config('sawt.pdpl_erase', 'on', true),"
                               "       set_config('sawt.audit_erase', 'on', true),"
                               "       set_config('sawt.pdpl_pseudonym', $1, true)",
                               pseudonym(state, user_id))
            for name in order:
                await HOLDERS[name].erase(conn, user_id)
            await audit(conn, actor_id=None, actor_role=actor_role, action="erasure",
                        subject_id=None, details={"pseudonym": pseudonym(state, user_id),
                                                  "by_self": actor_id == user_id,
                                                  "domains": order})
    for name in order:
        after = HOLDERS[name].after_commit
        if after is not None:
            try:
                await after(state, user_id)
            except Exception:  # the rows are gone; a leftover file is retried by hand
                log.exception("erase_after_commit_failed", domain=name)
    keys = await _sweep_redis(state, user_id)
    paths = _media_paths(state, user_id)
    for p in paths:
        await asyncio.to_thread(shutil.rmtree, p, True) if p.is_dir() else p.unlink(True)
    return {"erased": True, "domains": order, "redis_keys": keys, "media_paths": len(paths)}


# ---------------------------------------------------------------- this domain's holders

async def _export_users(conn, user_id: str):
    return await conn.fetchval(q.EXPORT_USER, user_id)


async def _erase_users(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_USER, user_id)


async def _export_moderation(conn, user_id: str):
    return await conn.fetchval(q.EXPORT_MODERATION, user_id)


async def _erase_moderation(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_ITEMS_AUTHORED, user_id)
    await conn.execute(q.ERASE_REPORTS, user_id)
    await conn.execute(q.ERASE_STAFF_REFS, user_id)
    await conn.execute(q.ERASE_STANDING, user_id)


async def _export_pdpl(conn, user_id: str):
    return await conn.fetchval(q.EXPORT_PDPL, user_id)


async def _erase_pdpl(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_CONSENTS, user_id)
    # do_erase puts the keyed pseudonym in the transaction; a bare hash is the fallback
    ps = await conn.fetchval("SELECT current_setting('sawt.pdpl_pseudonym', true)")
    ps = ps or "p_" + hashlib.sha256(("sawt-audit:" + user_id).encode()).hexdigest()[:32]
    await conn.execute(q.PSEUDONYMISE_AUDIT, user_id, ps)


holds_personal_data("account", export=_export_users, erase=_erase_users)
holds_personal_data("moderation", export=_export_moderation, erase=_erase_moderation)
holds_personal_data("pdpl", export=_export_pdpl, erase=_erase_pdpl)


def validate_purpose(purpose: str, policy_version: str | None = None) -> None:
    import re

    if not re.fullmatch(r"[a-z_]{2,40}", purpose or ""):
        raise BadRequest("purpose is 2-40 lower-case letters or underscores",
                         code="invalid_purpose")
    if policy_version is not None and not (1 <= len(policy_version) <= 40):
        raise BadRequest("policy_version is 1-40 characters", code="invalid_payload")
