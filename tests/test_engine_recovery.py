"""Connection state recovery across processes, with the official JavaScript client."""
from __future__ import annotations

from tests.support.recovery import run_recovery


async def test_js_client_recovers_its_room_and_every_missed_event_on_another_process(
        server_procs, make_user, settings):
    a, b = await server_procs(2)
    alice = await make_user("alice")
    run = await run_recovery(settings, alice.token, [a.url, b.url], cycles=4)
    assert run.cycles == 4 and run.recovered == 4  # `socket.recovered` after every cut
    assert run.missed == [] and run.duplicated == 0
    assert run.seqs == list(range(run.sent))  # in order
    assert run.offsets == run.sent  # every broadcast carried its offset
