"""A broadcast where some sockets never read: the others get everything, the slow ones are cut
with a reason, and the server's memory for them stays bounded.

The readers are one test process reading 1,900 sockets, so they are healthy only if they read
from the moment they connect (the server closes a socket that leaves its pings unanswered for
pingInterval + pingTimeout) and if the broadcasts come no faster than they read: each round
of broadcasts waits until every reader has the previous one. The sockets that never read are
then cut by the buffer bound alone (the test's server pings rarely)."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import socket

import aiohttp
import pytest

from server.emitter import write_only_emitter

READERS, SLOW = 1900, 100
BUFFER_LIMIT = 16 * 1024  # the server's per-socket unsent-bytes bound in this test
PAD = "x" * 4000


def client_frame(text: str) -> bytes:
    """A masked text frame (clients must mask, RFC 6455 §5.3)."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    head = bytes((0x81, 0x80 | n)) if n < 126 else bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawSocket:
    """A bare websocket Socket.IO client: handshake, CONNECT, then read frames (or not)."""

    def __init__(self, port: int, token: str, *, rcvbuf: int | None = None):
        self.port, self.token, self.rcvbuf = port, token, rcvbuf
        self.blobs: list[int] = []
        self.ended = asyncio.Event()
        self.progress = asyncio.Event()  # set on each blob; `has` clears it
        self.stopped = False  # read_all returned (end of stream, or test:end)

    async def connect(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.rcvbuf:
            # a small window, and a small MSS: on loopback the server's send buffer
            # autotunes from the MSS (64 KB there) up to megabytes, which would hide the
            # bound we test behind the kernel's own buffering
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.port))
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                           f"Host: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        assert (await self.frame()).startswith(b"0{")
        self.writer.write(client_frame("40" + json.dumps({"token": self.token})))
        for _ in range(5):  # a busy machine may ping before our CONNECT is answered
            data = await self.frame()
            if data != b"2":
                break
            self.writer.write(client_frame("3"))
        assert data.startswith(b"40{"), data
        if self.rcvbuf:
            self.writer.transport.pause_reading()  # never read again: the kernel fills up

    async def frame(self) -> bytes:
        b0, b1 = await self.reader.readexactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(await self.reader.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await self.reader.readexactly(8), "big")
        return await self.reader.readexactly(n)

    async def read_all(self) -> None:
        blob = re.compile(rb'^42\["test:blob",\{"i":(\d+)')
        try:
            while not self.ended.is_set():
                data = await self.frame()
                if data == b"2":
                    self.writer.write(client_frame("3"))
                elif m := blob.match(data):
                    self.blobs.append(int(m.group(1)))
                    self.progress.set()
                elif data.startswith(b'42["test:end"'):
                    self.ended.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.stopped = True
            self.progress.set()

    async def has(self, count: int) -> bool:
        """Until this reader holds `count` blobs; False if its stream ended first."""
        while len(self.blobs) < count:
            if self.stopped:
                return False
            self.progress.clear()
            await self.progress.wait()
        return True

    def close(self) -> None:
        self.writer.transport.abort()


async def connect_reading(reader: RawSocket) -> asyncio.Task:
    """Connect, then read (and answer pings) from that moment on."""
    await reader.connect()
    return asyncio.create_task(reader.read_all())


async def slow_consumer_count(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(url + "/metrics") as r:
        text = await r.text()
    m = re.search(r'sawt_socket_disconnects_total\{reason="slow consumer"\} (\d+)', text)
    return int(m.group(1)) if m else 0


@pytest.mark.timeout(240)  # 2,000 authenticated connects dominate; bounded loops below
async def test_broadcast_reaches_readers_while_sockets_that_never_read_are_cut(
        server_procs, make_user, settings):
    # pings every 10 minutes: only the buffer bound may cut the sockets that never read
    (srv,) = await server_procs(1, WS_MAX_BUFFER_BYTES=str(BUFFER_LIMIT), PING_INTERVAL="600")
    # one user per socket (connecting 2,000 devices of one user is quadratic in presence);
    # the broadcast goes to everyone
    users = [await make_user() for _ in range(READERS + SLOW)]
    readers = [RawSocket(srv.port, u.token) for u in users[:READERS]]
    slow = [RawSocket(srv.port, u.token, rcvbuf=2048) for u in users[READERS:]]
    tasks: list[asyncio.Task] = []
    emitter = write_only_emitter(settings.redis_url, settings.redis_prefix)
    try:
        for i in range(0, READERS, 100):
            tasks += await asyncio.gather(*(connect_reading(r) for r in readers[i:i + 100]))
        for i in range(0, SLOW, 50):
            await asyncio.gather(*(s.connect() for s in slow[i:i + 50]))
        sent = 0
        async with aiohttp.ClientSession() as http:
            for _ in range(40):  # bounded: 40 x 5 broadcasts of 8 KB
                for _ in range(5):
                    await emitter.emit("test:blob", {"i": sent, "pad": PAD}, room=None)
                    sent += 1
                got = await asyncio.wait_for(
                    asyncio.gather(*(r.has(sent) for r in readers)), 60)
                assert all(got), "a reader's stream ended before the round arrived"
                if await slow_consumer_count(http, srv.url) >= SLOW:
                    break
            await emitter.emit("test:end", {}, room=None)
            await asyncio.wait_for(asyncio.gather(*(r.ended.wait() for r in readers)), 60)
            assert await slow_consumer_count(http, srv.url) == SLOW
        for r in readers:
            assert r.blobs == list(range(sent))
        # the slow ones were cut: after what fit in the buffers, their stream ends
        for s in slow[:5]:
            s.writer.transport.resume_reading()
            with_end = asyncio.create_task(s.read_all())
            await asyncio.wait_for(with_end, 30)
            assert len(s.blobs) < sent and not s.ended.is_set()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in readers + slow:
            if hasattr(s, "writer"):
                s.close()
        await emitter._target.close()
