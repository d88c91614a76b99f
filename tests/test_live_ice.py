"""ICE settings of the WHIP answerer: no servers by default, a configured STUN server used,
a public address advertised (1:1 NAT), a port range honoured."""
from __future__ import annotations

import asyncio
import re

import pytest
from aioice import stun
from aiortc import RTCPeerConnection

from media.ice import configure_host_addresses, configure_port_range
from media.whip import WhipSession
from tests.support.publisher import SyntheticVideo


class _Sink:
    def push_video(self, frame):
        pass

    def push_audio(self, frame):
        pass


async def _answer(monkeypatch, **env) -> tuple[WhipSession, str]:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    configure_host_addresses("127.0.0.1")
    configure_port_range(env.get("LIVE_ICE_PORT_RANGE", ""))
    pub = RTCPeerConnection()
    pub.addTransceiver(SyntheticVideo(), direction="sendonly")
    await pub.setLocalDescription(await pub.createOffer())
    session = WhipSession(_Sink(), lambda reason: asyncio.sleep(0))
    try:
        return session, await session.accept(pub.localDescription.sdp)
    finally:
        await pub.close()


def _candidates(sdp: str) -> list[tuple[str, int, str]]:
    return [(m[0], int(m[1]), m[2]) for m in
            re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ (\w+)", sdp)]


@pytest.fixture(autouse=True)
def _restore():
    yield
    configure_port_range("")


async def test_no_ice_server_unless_configured(monkeypatch):
    monkeypatch.delenv("LIVE_ICE_SERVERS", raising=False)
    session, answer = await _answer(monkeypatch)
    assert session.ice.iceServers == []  # (with none given aiortc asks Google's STUN)
    assert {t for _, _, t in _candidates(answer)} == {"host"}
    await session.close()


async def test_a_configured_stun_server_is_asked(monkeypatch):
    asked = []

    class Stun(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            req = stun.parse_message(data)
            asked.append(addr)
            resp = stun.Message(message_method=stun.Method.BINDING,
                                message_class=stun.Class.RESPONSE,
                                transaction_id=req.transaction_id)
            resp.attributes["XOR-MAPPED-ADDRESS"] = ("198.51.100.9", 40000)
            self.transport.sendto(bytes(resp), addr)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Stun, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        session, answer = await _answer(monkeypatch, LIVE_ICE_SERVERS=f"stun:127.0.0.1:{port}")
        assert asked and ("198.51.100.9", 40000, "srflx") in _candidates(answer)
        await session.close()
    finally:
        transport.close()


async def test_public_address_and_port_range(monkeypatch):
    session, answer = await _answer(monkeypatch, LIVE_ICE_PUBLIC_ADDRESS="203.0.113.7",
                                    LIVE_ICE_PORT_RANGE="45100-45120")
    cands = _candidates(answer)
    host = [c for c in cands if c[2] == "host"]
    assert host and all(45100 <= port <= 45120 for _, port, _ in host)
    for _, port, _ in host:  # reachable at the NAT's public address, same port
        assert ("203.0.113.7", port, "srflx") in cands
    await session.close()
