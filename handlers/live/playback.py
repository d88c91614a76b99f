"""Signed playback URLs for streams that are not public.

Players (hls.js, AVPlayer, ExoPlayer, ffmpeg) fetch playlists, segments and parts on their
own: they cannot add an `Authorization` header to each request. So the viewer shows their
access token once, on the master playlist (`?token=` or `Authorization: Bearer`), and every
URI the server then writes (variants, EXT-X-MAP, segments, parts, preload hints) carries a
short-lived signed viewer token `vt`: HMAC-SHA256 over (stream, user, role, expiry), no
cookie (so CORS stays `*`-friendly and a page on any allowed origin can play).

- Media files need a `vt` that has not expired (LIVE_PLAYBACK_TTL, 5 min; a token is reused
  until half of it is left, so a URI in a playlist is good for at least half of that).
- Playlists renew it: a player keeps reloading the variant URL it got from the master, so a
  playlist request whose `vt` expired checks again that the user may watch (block, unfollow,
  a lapsed subscription all end playback), then writes fresh tokens into its URIs; past
  LIVE_PLAYBACK_RENEW (12 h) the app has to load the master again.
- A recording (a playlist with ENDLIST, never reloaded) gets tokens of LIVE_PLAYBACK_VOD_TTL
  (6 h), so a long VOD plays to its end.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
import uuid
from dataclasses import dataclass

from handlers.live.access import can_watch
from handlers.live.runtime import runtime
from server.errors import NotFound, Unauthorized
from server.state import AppState

_ROLES = ("user", "moderator", "admin")
_BODY = struct.Struct(">16s16sBI")  # stream, user, role, expiry (unix seconds)
_MAC_BYTES = 16
_URI_ATTR = re.compile(r'URI="([^"?]+)"')


@dataclass(frozen=True)
class Grant:
    stream_id: str
    user_id: str
    role: str
    exp: int


def _key(state: AppState) -> bytes:
    key = state.extras.get("live_playback_key")
    if key is None:
        s = state.settings
        material = (s.jwt_private_key or s.jwt_secret).encode()
        key = state.extras["live_playback_key"] = hashlib.sha256(
            b"sawt live playback v1\0" + material).digest()
    return key


def mint(state: AppState, stream_id: str, user_id: str, role: str, *, ttl: float | None = None,
         now: float | None = None) -> str:
    """A viewer token for this stream and user; reused while more than half its life is left."""
    rt = runtime(state)
    now = time.time() if now is None else now
    ttl = rt.playback_ttl if ttl is None else ttl
    cache_key = (stream_id, user_id, role, ttl)
    hit = rt.playback_tokens.get(cache_key)
    if hit is not None and hit[0] - now > ttl / 2:
        return hit[1]
    exp = int(now + ttl)
    body = _BODY.pack(uuid.UUID(stream_id).bytes, uuid.UUID(user_id).bytes,
                      _ROLES.index(role) if role in _ROLES else 0, exp)
    mac = hmac.new(_key(state), body, hashlib.sha256).digest()[:_MAC_BYTES]
    token = base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()
    if len(rt.playback_tokens) > 50_000:
        rt.playback_tokens.clear()
    rt.playback_tokens[cache_key] = (exp, token)
    return token


def read(state: AppState, token: str, stream_id: str) -> Grant:
    """The grant a `vt` carries for this stream (maybe expired); 401 if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != _BODY.size + _MAC_BYTES:
        raise Unauthorized("Invalid playback token", code="invalid_playback_token")
    body, mac = raw[:_BODY.size], raw[_BODY.size:]
    good = hmac.new(_key(state), body, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, good):
        raise Unauthorized("Invalid playback token", code="invalid_playback_token")
    sid, uid, role, exp = _BODY.unpack(body)
    if str(uuid.UUID(bytes=sid)) != stream_id:
        raise Unauthorized("This playback token is for another stream",
                           code="invalid_playback_token")
    return Grant(stream_id, str(uuid.UUID(bytes=uid)), _ROLES[role] if role < 3 else "user",
                 exp)


async def renew(state: AppState, stream: dict, token: str, *, playlist: bool) -> Grant:
    """Check a `vt` on a request: media files need it unexpired; playlists re-check access
    once it expired (see the module docstring)."""
    grant = read(state, token, stream["id"])
    now = time.time()
    if grant.exp > now:
        return grant
    rt = runtime(state)
    if not playlist or now > grant.exp + rt.playback_renew:
        raise Unauthorized("This playback link expired; load the master playlist again",
                           code="playback_expired")
    if not await may_watch(state, stream, grant.user_id, grant.role):
        raise NotFound("No such stream", code="stream_not_found")
    return grant


async def may_watch(state: AppState, stream: dict, user_id: str, role: str) -> bool:
    """can_watch, remembered for a few seconds: players reload playlists several times a
    second, and only a change of access (not every reload) needs the database."""
    rt = runtime(state)
    key = (stream["id"], user_id, role)
    hit = rt.watch_checks.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    ok = await can_watch(state, stream, user_id, role)
    if len(rt.watch_checks) > 50_000:
        rt.watch_checks.clear()
    rt.watch_checks[key] = (now + 5.0, ok)
    return ok


def sign_playlist(text: str, token: str) -> str:
    """Every URI of a playlist (tag attributes and URI lines) with `?vt=<token>`."""
    q = f"?vt={token}"
    out = []
    for line in text.split("\n"):
        if line.startswith("#"):
            if 'URI="' in line:
                line = _URI_ATTR.sub(lambda m: f'URI="{m.group(1)}{q}"', line)
        elif line.strip() and "?" not in line:
            line = line + q
        out.append(line)
    return "\n".join(out)
