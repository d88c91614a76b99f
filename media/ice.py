"""ICE for the WHIP answerer: which servers, which addresses, which ports (all from the
environment, nothing by default).

- LIVE_ICE_SERVERS: comma-separated `stun:` / `turn:` / `turns:` URLs (aiortc uses the first
  STUN and the first TURN server), LIVE_ICE_USERNAME / LIVE_ICE_CREDENTIAL for TURN. Unset:
  none, so aiortc does not fall back to Google's public STUN server and no answer waits on
  a server it cannot reach.
- LIVE_ICE_PUBLIC_ADDRESS: the address publishers reach this node at when it sits behind a
  1:1 NAT (a cloud VM's public IP, a k8s node's external IP with hostNetwork or a UDP port
  range forwarded). Every host candidate of that IP family is also offered at that address
  and the same port (as `srflx`), which is what STUN would have found, without a round trip.
- LIVE_ICE_PORT_RANGE: `min-max` UDP ports the answerer binds (to open in a firewall or a
  Service); unset, any ephemeral port.
- LIVE_ICE_HOST_ADDRESSES: restrict host candidates to these local addresses.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import types

from aiortc import RTCConfiguration, RTCIceServer


def rtc_configuration(env=os.environ) -> RTCConfiguration:
    urls = [u.strip() for u in env.get("LIVE_ICE_SERVERS", "").split(",") if u.strip()]
    servers = []
    for url in urls:
        if url.startswith("turn"):
            servers.append(RTCIceServer(urls=url, username=env.get("LIVE_ICE_USERNAME"),
                                        credential=env.get("LIVE_ICE_CREDENTIAL")))
        else:
            servers.append(RTCIceServer(urls=url))
    return RTCConfiguration(iceServers=servers)


def advertise_public_address(sdp: str, public: str | None = None, env=os.environ) -> str:
    """Add a candidate at the public address for each host candidate of its IP family."""
    public = public if public is not None else env.get("LIVE_ICE_PUBLIC_ADDRESS", "").strip()
    if not public:
        return sdp
    family = ipaddress.ip_address(public).version
    out = []
    for line in sdp.split("\r\n"):
        out.append(line)
        if not line.startswith("a=candidate:"):
            continue
        f = line[len("a=candidate:"):].split()
        # foundation component transport priority address port typ type ...
        if len(f) < 8 or f[7] != "host" or f[2].lower() != "udp":
            continue
        try:
            if ipaddress.ip_address(f[4]).version != family or f[4] == public:
                continue
        except ValueError:
            continue
        priority = max(1, int(f[3]) - 1)
        out.append(f"a=candidate:{f[0]}n {f[1]} {f[2]} {priority} {public} {f[5]} typ srflx "
                   f"raddr {f[4]} rport {f[5]}")
    return "\r\n".join(out)


def parse_port_range(spec: str | None) -> tuple[int, int] | None:
    if not spec or not spec.strip():
        return None
    lo, _, hi = spec.strip().partition("-")
    lo_i, hi_i = int(lo), int(hi or lo)
    if not (1024 <= lo_i <= hi_i <= 65535):
        raise ValueError(f"LIVE_ICE_PORT_RANGE must be min-max within 1024-65535: {spec!r}")
    return lo_i, hi_i


class _PortRangeLoop:
    """The running loop, except that UDP sockets aioice binds to port 0 get a port from the
    range instead."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ports: tuple[int, int]):
        self._loop, self._ports = loop, ports

    def __getattr__(self, name):
        return getattr(self._loop, name)

    async def create_datagram_endpoint(self, factory, local_addr=None, **kw):
        if local_addr is None or local_addr[1] != 0:
            return await self._loop.create_datagram_endpoint(factory, local_addr=local_addr,
                                                             **kw)
        ports = list(range(self._ports[0], self._ports[1] + 1))
        random.shuffle(ports)
        for port in ports:
            try:
                return await self._loop.create_datagram_endpoint(
                    factory, local_addr=(local_addr[0], port), **kw)
            except OSError:
                continue
        raise OSError(f"no free UDP port in LIVE_ICE_PORT_RANGE {self._ports}")


def configure_port_range(spec: str | None = None) -> None:
    """Make aioice bind within LIVE_ICE_PORT_RANGE (None: read it; "" restores any port).
    aioice has no setting for it, so its view of asyncio gets a loop that picks the port."""
    import aioice.ice

    spec = spec if spec is not None else os.environ.get("LIVE_ICE_PORT_RANGE")
    ports = parse_port_range(spec)
    if ports is None:
        aioice.ice.asyncio = asyncio
        return
    shim = types.ModuleType("asyncio_with_port_range")
    shim.__getattr__ = lambda name: getattr(asyncio, name)  # type: ignore[attr-defined]
    shim.get_running_loop = lambda: _PortRangeLoop(asyncio.get_running_loop(), ports)
    aioice.ice.asyncio = shim


def configure_host_addresses(addresses: str | None = None) -> None:
    """Restrict ICE host candidates (LIVE_ICE_HOST_ADDRESSES, comma-separated), e.g. to
    127.0.0.1 in tests so media never leaves loopback. Unset: every interface (aioice)."""
    addresses = addresses if addresses is not None else os.environ.get("LIVE_ICE_HOST_ADDRESSES")
    if not addresses:
        return
    import aioice.ice

    fixed = [a.strip() for a in addresses.split(",") if a.strip()]
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: list(fixed)
