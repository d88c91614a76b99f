"""Every registered socket event, fuzzed: Hypothesis generates malformed payloads (wrong
types, unknown and adversarial fields, huge and non-finite numbers, NUL, lone surrogates,
direction overrides, deep nesting) and each call must be acked within a second with `ok`
or a stable error code, never `internal`, and the socket must stay connected.

The registry is the list (server.sockets.EVENTS): a new event is fuzzed without editing this
test. Bounded: FIXED + VARIANTS payloads per event and caller, sent one at a time."""
from __future__ import annotations

import asyncio
import json
import os
import re
from collections import Counter

import aiohttp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from server.domains import discover
from server.sockets import EVENTS
from tests.support.rawsock import RawSocket

VARIANTS = int(os.environ.get("FUZZ_VARIANTS", "8"))
ACK_SECONDS = float(os.environ.get("FUZZ_ACK_SECONDS", "1.0"))
SESSION_ENDING = {"auth:logout"}  # ends its own session by design: the socket is replaced
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
FIELDS = ["user_id", "stream_id", "conv_id", "conversation_id", "post_id", "comment_id",
          "circle_id", "message_id", "item_id", "media_id", "creator_id", "target_id",
          "target_type", "target_kind", "cursor", "before", "after", "newer_than", "limit",
          "text", "body", "name", "title", "display_name", "bio", "handle", "amount",
          "currency", "idempotency_key", "client_id", "reason", "decision", "visibility",
          "kind", "reaction", "status", "event", "data", "user_ids", "members", "role",
          "verified", "tier_id", "provider", "method", "destination", "phone", "interests",
          "to", "session_id", "note", "message", "labels"]
NASTY_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "\udfff x", "\u202e\u202e", "\u200b",
              "\ufeff", "../../etc/passwd", "' OR 1=1 --", "%s%s%n", "{{7*7}}", "٣", "²",
              "1e400", "NaN", "-0", "9" * 40, "x" * 5000, "ق" * 300, "\U0001F600" * 50,
              "00000000-0000-0000-0000-000000000000", "6f1d0f7e-0000-4000-8000-00000000000g"]
# JSON numbers only: NaN and Infinity are not JSON (JSON.stringify writes null), and a packet
# holding them cannot be decoded, so the server closes the connection (test_engine_wire.py)
NASTY_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 2 ** 64, 10 ** 30, 0.5, -0.0,
                 1e308, -1e308, 5e-324]

scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(NASTY_TEXT),
                    st.sampled_from(NASTY_NUMBERS), st.integers(),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=40))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)),
    max_leaves=12)
payloads = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
    st.dictionaries(st.text(max_size=12), values, max_size=3),
    scalars, st.lists(values, max_size=3))


def fixed_variants(event: str) -> list[str]:
    """Hand-written packets past every bound the edge has (JSON text after the ack id)."""
    e = json.dumps(event)
    return [f"[{e}]", f"[{e},null]", f'[{e},{{"text":"\\ud800"}}]',
            f'[{e},{{"user_id":"a\\u0000b"}}]', f'[{e},{{"limit":{2 ** 64}}}]',
            f'[{e},{{"limit":1e400}}]', f"[{e}," + "[" * 5000 + "]" * 5000 + "]",
            f'[{e},{{"cursor":""}},{{"x":1}}]']


def generate(n: int) -> list[str]:
    """n payloads per event, drawn by Hypothesis (a thread: no I/O here)."""
    out: list[str] = []

    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              derandomize=os.environ.get("FUZZ_RANDOM") != "1",
              suppress_health_check=list(HealthCheck))
    @given(payload=payloads)
    def draw(payload):
        out.append(json.dumps(payload, allow_nan=False))

    draw()
    return out[:n]


async def test_every_event_answers_every_malformed_payload(live_app, make_user):
    discover()
    events = sorted(EVENTS)
    drawn = await asyncio.to_thread(generate, VARIANTS * 4)
    callers = {"user": await make_user("fuzzer"),
               "admin": await make_user("fuzz admin", role="admin")}
    codes: Counter = Counter()
    failures: list[str] = []
    calls = 0
    for who, user in callers.items():
        sock = await RawSocket(live_app.url, user.token).connect()
        try:
            for i, event in enumerate(events):
                mine = [f"[{json.dumps(event)},{p}]"
                        for p in drawn[(i * 3) % len(drawn):][:VARIANTS]]
                for packet in fixed_variants(event) + mine:
                    calls += 1
                    if event in SESSION_ENDING or not sock.connected:
                        if not sock.connected:
                            failures.append(f"[{who}] disconnected before {packet[:200]}")
                        await sock.close()  # a fresh session for each call that ends one
                        user = await make_user(f"fuzzer {calls}", role=user.role)
                        sock = await RawSocket(live_app.url, user.token).connect()
                    try:
                        ack = await sock.call_raw(packet, timeout=ACK_SECONDS)
                    except asyncio.TimeoutError:
                        failures.append(f"[{who}] no ack within {ACK_SECONDS}s: {packet[:200]}")
                        continue
                    except aiohttp.ClientError as exc:
                        failures.append(f"[{who}] connection lost ({exc}): {packet[:200]}")
                        continue
                    if not isinstance(ack, dict) or not isinstance(ack.get("ok"), bool):
                        failures.append(f"[{who}] not an ack {ack!r}: {packet[:200]}")
                        continue
                    code = "ok" if ack["ok"] else ack.get("error", {}).get("code", "?")
                    codes[code] += 1
                    if code == "internal" or (code != "ok" and not CODE.match(code)):
                        failures.append(f"[{who}] {code}: {packet[:200]}")
        finally:
            await sock.close()
    print(f"socket fuzz: {len(events)} events, {calls} calls, codes {dict(codes)}")
    assert len(events) >= 100
    assert not failures, f"{len(failures)} of {calls} calls:\n" + "\n".join(failures[:40])
