"""The HTTP contract, probed: schemathesis generates requests for every operation in
http/openapi.yaml (valid and invalid, anonymous and signed in) against a live server; no
answer may be a 5xx or break the documented status codes, content types and schemas.

Bounded: EXAMPLES per operation, mode and caller (a few hundred requests in all, seconds of
run time). A new route in the contract is probed without editing this test."""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from tests.support.auth_api import FAST_AUTH_ENV

SPEC = Path(__file__).resolve().parents[1] / "http" / "openapi.yaml"
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "6"))
# bodies that are bytes or text on the wire (tus chunks, SDP offers)
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
schemathesis.serializer.alias("application/sdp", "text/plain")
# (positive_data_acceptance is not enforced: the contract's request schemas are looser than
# the rules the server applies to phones, codes and passwords, and 405 on WHIP PATCH is by
# design; what it found is in the closing note)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def probe(base_url: str, callers: dict[str, dict]) -> tuple[Counter, dict[str, str]]:
    """Run every operation; returns (requests per operation, first failure per finding)."""
    schema = schemathesis.openapi.from_path(SPEC)
    sent: Counter = Counter()
    failures: dict[str, str] = {}
    http = requests.Session()
    # signing out ends the callers' sessions: those operations go last
    ops = sorted((r.ok() for r in schema.get_all_operations()),
                 key=lambda op: op.path.endswith("/logout"))
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for who, headers in callers.items():
                strategy = op.as_strategy(generation_mode=mode)

                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          phases=[Phase.generate], derandomize=True,
                          suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def run(case):
                    case.headers = {**(case.headers or {}), **headers}
                    try:
                        resp = case.call(base_url=base_url, session=http, timeout=15)
                    except requests.RequestException as exc:
                        failures.setdefault(f"{op.label} [{who}] transport",
                                            f"{type(exc).__name__}: {exc}"[:300])
                        return
                    sent[op.label] += 1
                    try:
                        case.validate_response(resp, checks=CHECKS)
                    except (Exception, BaseExceptionGroup) as exc:  # FailureGroup
                        key = f"{op.label} [{who}] {resp.status_code} {type(exc).__name__}"
                        failures.setdefault(key, f"{exc}"[:600])

                try:
                    run()
                except Unsatisfiable:  # e.g. no invalid request exists for GET /healthz
                    pass
    return sent, failures


async def test_every_documented_operation_holds_its_contract(server_procs, make_user):
    # a server process (its loop-stall guard reports through its log); the generator runs in
    # a thread of this process, so its work never counts against the server
    [server] = await server_procs(1, **FAST_AUTH_ENV)
    user = await make_user("prober")
    admin = await make_user("root", role="admin")
    callers = {"anonymous": {}, "user": {"Authorization": f"Bearer {user.token}"},
               "admin": {"Authorization": f"Bearer {admin.token}"}}
    sent, failures = await asyncio.to_thread(probe, server.url, callers)
    print(f"contract probe: {sum(sent.values())} requests over {len(sent)} operations")
    assert len(sent) >= 40, sent
    assert not failures, "\n\n".join(f"{k}\n  {v}" for k, v in sorted(failures.items()))
