"""Wire behaviours of the engine that the official Socket.IO / Engine.IO test suites check,
each with raw websocket frames or long-polling requests (server/engine/)."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from server.sockets import CONNECT_HOOKS
from tests.conftest import LiveApp
from tests.test_engine_protocol import (_raw_websocket, app, eio, http,  # noqa: F401
                                        open_polling, parked_poll, poll_once, upgrade,
                                        ws_url)


async def connected_raw(app, token):
    """A raw websocket past OPEN and CONNECT; returns (writer, send, receive, sid)."""
    writer, send, receive = await _raw_websocket(app)
    assert (await receive())[1].startswith(b"0{")
    send(b"40" + json.dumps({"token": token}).encode(), 0x1)
    op, data = await receive()
    assert data.startswith(b"40{")
    return writer, send, receive, json.loads(data[2:])["sid"]


async def closed_within(receive, seconds=5.0) -> list[bytes]:
    """Frames until the websocket close frame; fails if the server keeps the line open."""
    frames = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            op, data = await receive()
        except (ConnectionResetError, asyncio.IncompleteReadError):
            return frames  # closed while our own frames were still arriving: a reset
        if op == 0x8:
            return frames
        if data == b"2":
            continue
        frames.append(data)
    raise AssertionError(f"still open after {seconds}s: {frames}")


async def test_tuple_arguments_with_bytes_arrive_as_a_binary_event_with_attachments(
        app, make_user):
    alice = await make_user()
    writer, send, receive, sid = await connected_raw(app, alice.token)
    try:
        sio = app.state.sio
        await sio.emit("test:bin", (b"\x01\x02\x03", b"\x04\x05\x06"), to=sid)
        await sio.manager.emit_many([("test:many", (b"\x07", {"n": 1}), sid)])
        got = [await receive() for _ in range(5)]
    finally:
        writer.close()
    assert got[0] == (0x1, b'452-["test:bin",{"_placeholder":true,"num":0},'
                           b'{"_placeholder":true,"num":1}]')
    assert got[1:3] == [(0x2, b"\x01\x02\x03"), (0x2, b"\x04\x05\x06")]
    assert got[3] == (0x1, b'451-["test:many",{"_placeholder":true,"num":0},{"n":1}]')
    assert got[4] == (0x2, b"\x07")


async def test_a_message_in_too_many_fragments_is_refused_quickly(app):
    """A text frame with fin=0 then empty continuations: once past the fragment limit the
    connection is closed with 1009 (it used to re-sum every fragment: quadratic)."""
    writer, send, receive = await _raw_websocket(app)
    try:
        assert (await receive())[0] == 0x1  # OPEN
        send(b"4", 0x1, fin=False)
        for _ in range(5000):
            send(b"", 0x0, fin=False)
        assert await closed_within(receive) in ([], [b"1"])
    finally:
        writer.close()


BAD_PACKETS = {
    "unknown type": b"49",
    "broken json": b'42[{"oops":',  # no event name to answer (see payloads.py)
    # not JSON though the event name reads fine: JSON.parse refuses NaN and Infinity, so the
    # reference parser cannot decode these and closes; no invalid_payload ack
    "truncated json after a name": b'421["system:ping",{"a":',
    "nan after a name": b'421["system:ping",NaN]',
    "infinity after a name": b'42["system:ping",{"n":-Infinity}]',
    "id over 100 digits": b"42" + b"1" * 101 + b'["system:ping",{}]',
    "event without a name": b"42[]",
    "too many attachments": b'4511-["system:ping",{"_placeholder":true,"num":0}]',
}


@pytest.mark.parametrize("packet", BAD_PACKETS.values(), ids=BAD_PACKETS.keys())
async def test_an_undecodable_socketio_packet_closes_the_connection(app, make_user, packet):
    alice = await make_user()
    writer, send, receive, _ = await connected_raw(app, alice.token)
    try:
        send(packet, 0x1)
        assert await closed_within(receive) == [b"1"]  # Engine.IO close, then the close frame
    finally:
        writer.close()


async def test_attachments_that_never_come_do_not_swallow_the_next_packets(app, make_user):
    """A binary event announces one attachment, then text arrives instead: the connection is
    closed rather than left treating every later packet as that attachment."""
    alice = await make_user()
    writer, send, receive, _ = await connected_raw(app, alice.token)
    try:
        send(b'451-["system:ping",{"_placeholder":true,"num":0}]', 0x1)
        send(b'421["system:ping",{}]', 0x1)
        assert await closed_within(receive) == [b"1"]
    finally:
        writer.close()


async def test_a_pending_poll_is_answered_noop_when_the_client_closes(app, http):
    _, url, parked = await parked_poll(http, app, settle=0.1)
    async with http.post(url, data="1") as r:
        assert await r.text() == "ok"
    assert await asyncio.wait_for(parked, 5) == (200, "6")


async def test_during_an_upgrade_pending_and_new_polls_are_answered_noop_at_once(app, http):
    """After 3probe, polling is paused: the parked GET and any new one get `6` right away
    (not after the ping interval)."""
    app.state.sio.eio.ping_interval = 30  # a GET that waits would wait 30 s
    sid, url, parked = await parked_poll(http, app, settle=0.1)
    ws = await http.ws_connect(ws_url(app, sid=sid))
    try:
        await ws.send_str("2probe")
        assert (await ws.receive(timeout=5)).data == "3probe"
        assert await asyncio.wait_for(parked, 5) == (200, "6")
        assert await asyncio.wait_for(poll_once(http, url), 5) == (200, "6")
        await ws.send_str("5")
    finally:
        await ws.close()


async def test_a_second_websocket_for_an_upgraded_session_is_accepted_then_closed(app, http):
    hs = await open_polling(http, app)
    ws = await upgrade(http, app, hs["sid"])
    try:
        await asyncio.sleep(0.1)
        second = await http.ws_connect(ws_url(app, sid=hs["sid"]))  # handshake succeeds
        msg = await second.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await second.close()
        await ws.send_str("3")  # the first one still carries the session
        assert not ws.closed and hs["sid"] in app.state.sio.eio.sockets
    finally:
        await ws.close()


@pytest.fixture
async def heartbeat_app(settings):
    """Short heartbeats; the connect timeout long enough not to close anything first."""
    a = await LiveApp(settings.with_(ping_interval=0.3, ping_timeout=0.2,
                                     connect_timeout=30)).start()
    yield a
    await a.stop()


async def test_a_silent_session_is_gone_at_ping_interval_plus_ping_timeout(heartbeat_app, http):
    """pingInterval 300 ms + pingTimeout 200 ms: 500 ms after the handshake the session is
    closed (the official suite polls right then and expects 400). The server's heartbeat
    timers and this test's sleep share one event loop, so this is an ordering, not a race."""
    async def one(delay: float) -> int:
        await asyncio.sleep(delay)
        hs = await open_polling(http, heartbeat_app)
        await asyncio.sleep((hs["pingInterval"] + hs["pingTimeout"]) / 1000)
        async with http.get(eio(heartbeat_app, transport="polling", sid=hs["sid"])) as r:
            return r.status

    # sessions opened 5 ms apart: whatever internal timer grid there is, some land between
    # its ticks (a cut up to one tick late failed about half of them)
    assert await asyncio.gather(*(one(i * 0.005) for i in range(10))) == [400] * 10


@pytest.fixture
def hello_on_connect():
    async def hook(ctx):
        await ctx.state.sio.emit("test:hello", {}, to=ctx.sid, ignore_queue=True)

    CONNECT_HOOKS.append(hook)
    yield
    CONNECT_HOOKS.remove(hook)


class RecordingTransport:
    """The server side of one websocket, recording each write (one write: one send)."""

    def __init__(self, inner):
        self.inner, self.writes = inner, []

    def write(self, data):
        self.writes.append(bytes(data))
        self.inner.write(data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def test_the_handshake_answer_and_the_open_packet_leave_in_one_write(app, monkeypatch):
    """A websocket session's 101 answer and its Engine.IO OPEN go out in one send: one
    syscall (and one wake-up of the client) per handshake, not two."""
    from aiohttp import web_protocol

    spies = []
    connection_made = web_protocol.RequestHandler.connection_made

    def spying(self, transport):
        spies.append(spy := RecordingTransport(transport))
        connection_made(self, spy)

    monkeypatch.setattr(web_protocol.RequestHandler, "connection_made", spying)
    writer, send, receive = await _raw_websocket(app)
    try:
        assert (await receive())[1].startswith(b"0{")
    finally:
        writer.close()
    (spy,) = [s for s in spies if s.writes and s.writes[0].startswith(b"HTTP/1.1 101")]
    head, _, rest = spy.writes[0].partition(b"\r\n\r\n")
    assert rest[:1] == b"\x81" and rest[2:9] == b'0{"sid"', spy.writes


async def test_the_connect_reply_leaves_in_a_write_of_its_own(app, make_user, hello_on_connect):
    """A client reading one message per read (the official suites' does) must get CONNECT
    alone, not glued to what the connect handler emits."""
    alice = await make_user()
    writer, send, receive = await _raw_websocket(app)
    try:
        assert (await receive())[1].startswith(b"0{")
        (sock,) = app.state.sio.eio.sockets.values()
        sock.transport = spy = RecordingTransport(sock.transport)
        send(b"40" + json.dumps({"token": alice.token}).encode(), 0x1)
        assert (await receive())[1].startswith(b"40{")
        assert (await receive())[1] == b'42["test:hello",{}]'
    finally:
        writer.close()
    assert spy.writes[0][2:4] == b"40" and spy.writes[0].count(b"\x81") == 1
    assert b"test:hello" in spy.writes[1]
