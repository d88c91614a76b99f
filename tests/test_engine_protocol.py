"""Engine.IO v4 / Socket.IO v5 conformance of our engine, one rule per test, raw HTTP and
websocket clients (what the official clients rely on; see server/engine/)."""
from __future__ import annotations

import asyncio
import json
import urllib.parse

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import Settings
from server.sockets import CONNECT_HOOKS
from tests.conftest import LiveApp


def eio(app: LiveApp, **query) -> str:
    return app.url + "/socket.io/?" + urllib.parse.urlencode({"EIO": "4", **query})


def ws_url(app: LiveApp, **query) -> str:
    return eio(app, transport="websocket", **query).replace("http://", "ws://")


async def open_polling(http: aiohttp.ClientSession, app: LiveApp) -> dict:
    async with http.get(eio(app, transport="polling")) as r:
        assert r.status == 200
        body = await r.text()
    assert body.startswith("0")
    return json.loads(body[1:])


async def poll_once(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with http.get(url) as r:
        return r.status, await r.text()


async def parked_poll(http: aiohttp.ClientSession, app: LiveApp, settle: float = 0.2
                      ) -> tuple[str, str, asyncio.Task]:
    """A polling session and a GET parked on it (the server holds it until it has something
    to say): the session's id and URL, and the GET's task."""
    hs = await open_polling(http, app)
    url = eio(app, transport="polling", sid=hs["sid"])
    parked = asyncio.create_task(poll_once(http, url))
    await asyncio.sleep(settle)  # let the GET park on the server
    return hs["sid"], url, parked


async def error_of(resp: aiohttp.ClientResponse) -> dict:
    return json.loads(await resp.text())


@pytest.fixture
async def app(settings):
    a = await LiveApp(settings).start()
    yield a
    await a.stop()


@pytest.fixture
async def fast_app(settings):
    """Short heartbeats and connect timeout, so the timeout rules show quickly."""
    a = await LiveApp(settings.with_(ping_interval=0.3, ping_timeout=0.2,
                                     connect_timeout=0.3)).start()
    yield a
    await a.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_handshake_heartbeat_is_in_milliseconds_not_truncated_seconds(fast_app, http):
    hs = await open_polling(http, fast_app)
    assert hs["pingInterval"] == 300 and hs["pingTimeout"] == 200
    assert hs["maxPayload"] == fast_app.settings.max_payload_bytes
    assert hs["upgrades"] == ["websocket"]


@pytest.mark.parametrize("query", [{}, {"transport": "carrier-pigeon"}])
async def test_polling_without_a_known_transport_is_400(app, http, query):
    async with http.get(eio(app, **query)) as r:
        assert r.status == 400
        assert (await error_of(r)) == {"code": 0, "message": "Transport unknown"}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_methods_other_than_get_and_post_are_400(app, http, method):
    hs = await open_polling(http, app)
    async with http.request(method, eio(app, transport="polling", sid=hs["sid"])) as r:
        assert r.status == 400


async def test_a_post_is_answered_ok(app, http):
    hs = await open_polling(http, app)
    async with http.post(eio(app, transport="polling", sid=hs["sid"]), data="6") as r:
        assert r.status == 200 and await r.text() == "ok"


async def test_an_invalid_packet_closes_the_session(app, http):
    hs = await open_polling(http, app)
    url = eio(app, transport="polling", sid=hs["sid"])
    async with http.post(url, data="9garbage") as r:
        assert r.status == 400
    async with http.get(url) as r:
        assert r.status == 400
        assert (await error_of(r))["message"] == "Session ID unknown"


async def test_two_concurrent_polls_close_the_session(app, http):
    _, url, first = await parked_poll(http, app)
    status, _ = await poll_once(http, url)
    assert status == 400
    assert await asyncio.wait_for(first, 5) == (200, "1")  # the parked poll gets CLOSE
    assert (await poll_once(http, url))[0] == 400


async def test_a_client_that_never_answers_pings_is_closed_after_the_ping_timeout(
        fast_app, http):
    hs = await open_polling(http, fast_app)
    url = eio(fast_app, transport="polling", sid=hs["sid"])
    seen = []
    for _ in range(20):  # bounded: each poll returns at the next ping or the close
        async with http.get(url) as r:
            if r.status != 200:
                break
            seen.append(await r.text())
    assert r.status == 400
    packets = [p for body in seen for p in body.split("\x1e")]
    assert "2" in packets and packets[-1] == "1"  # pinged, never answered, closed


async def test_a_forced_close_ends_the_session(app, http, make_user):
    alice = await make_user()
    hs = await open_polling(http, app)
    url = eio(app, transport="polling", sid=hs["sid"])
    async with http.post(url, data="40" + json.dumps({"token": alice.token})) as r:
        assert await r.text() == "ok"
    async with http.get(url) as r:
        assert (await r.text()).startswith("40")

    async def poll():
        async with http.get(url) as r:
            return r.status, await r.text()

    parked = asyncio.create_task(poll())
    await asyncio.sleep(0.1)
    await app.state.sio.eio.disconnect(hs["sid"])  # e.g. an operator kicks the socket
    status, body = await asyncio.wait_for(parked, 5)
    assert status == 200 and body.split("\x1e")[-1] == "1"
    assert (await poll())[0] == 400


async def upgrade(http, app, sid):
    ws = await http.ws_connect(ws_url(app, sid=sid))
    await ws.send_str("2probe")
    assert (await ws.receive(timeout=5)).data == "3probe"
    await ws.send_str("5")
    return ws


async def test_after_an_upgrade_polling_requests_for_the_session_fail(app, http):
    hs = await open_polling(http, app)
    ws = await upgrade(http, app, hs["sid"])
    try:
        url = eio(app, transport="polling", sid=hs["sid"])
        await asyncio.sleep(0.1)
        async with http.get(url) as r:
            assert r.status == 400
        async with http.post(url, data="6") as r:
            assert r.status == 400
    finally:
        await ws.close()


async def test_a_parked_poll_is_answered_when_the_server_stops(settings):
    """A long-poll GET waiting when the web server shuts down is answered at once (noop), and
    the client's next GET too. Before, aiohttp waited for it (60 s, then 60 s more to cancel
    it: a test's app.stop() hung past the 120 s test timeout in CI) and the client then got
    a dropped connection, not an answer."""
    app = await LiveApp(settings).start()
    stopping = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        try:
            _, _, parked = await parked_poll(http, app)
            stopping = asyncio.create_task(app.stop())
            assert await asyncio.wait_for(parked, 20) == (200, "6")
        finally:
            await (stopping if stopping is not None else app.stop())


async def test_upgrade_ends_the_pending_poll_with_one_noop_and_sends_no_stray_noops(
        app, http, make_user):
    alice = await make_user()
    hs = await open_polling(http, app)
    url = eio(app, transport="polling", sid=hs["sid"])

    async def poll():
        async with http.get(url) as r:
            return await r.text()

    parked = asyncio.create_task(poll())
    await asyncio.sleep(0.1)
    ws = await http.ws_connect(ws_url(app, sid=hs["sid"]))
    try:
        await ws.send_str("2probe")
        assert (await ws.receive(timeout=5)).data == "3probe"
        assert await asyncio.wait_for(parked, 5) == "6"  # the paused poll ends with noop
        await ws.send_str("5")
        await ws.send_str("40" + json.dumps({"token": alice.token}))
        first = (await ws.receive(timeout=5)).data
        assert first.startswith("40{")  # not a leftover noop
        await ws.send_str('421["system:ping",{}]')
        ack = (await ws.receive(timeout=5)).data
        assert ack.startswith("431[")
    finally:
        await ws.close()


@pytest.fixture
def hello_on_connect():
    """A connect hook that emits to the new socket at once (locally and through Redis)."""
    async def hook(ctx):
        await ctx.state.sio.emit("test:hello", {"via": "local"}, to=ctx.sid, ignore_queue=True)
        await ctx.state.sio.emit("test:hello", {"via": "redis"}, to=ctx.sid)

    CONNECT_HOOKS.append(hook)
    yield
    CONNECT_HOOKS.remove(hook)


async def test_connect_packet_goes_out_before_what_the_connect_handler_emits(
        app, http, make_user, hello_on_connect):
    alice = await make_user()
    ws = await http.ws_connect(ws_url(app))
    try:
        assert (await ws.receive(timeout=5)).data.startswith("0{")
        await ws.send_str("40" + json.dumps({"token": alice.token}))
        frames = [(await ws.receive(timeout=5)).data for _ in range(3)]
    finally:
        await ws.close()
    assert frames[0].startswith('40{"sid":')
    assert '42["test:hello",{"via":"local"}]' in frames[1:]  # local: no log offset
    (redis,) = [f for f in frames[1:] if "redis" in f]
    assert redis.startswith('42["test:hello",{"via":"redis"},"')  # + its log offset


async def test_connect_to_an_unknown_namespace_is_answered_invalid_namespace(app, http):
    ws = await http.ws_connect(ws_url(app))
    try:
        assert (await ws.receive(timeout=5)).data.startswith("0{")
        await ws.send_str("40/nope,")
        assert (await ws.receive(timeout=5)).data == '44/nope,{"message":"Invalid namespace"}'
    finally:
        await ws.close()


async def test_a_transport_that_never_sends_connect_is_closed_after_the_connect_timeout(
        fast_app, http):
    ws = await http.ws_connect(ws_url(fast_app), autoping=True)
    frames = []
    try:
        for _ in range(10):  # bounded: OPEN, then CLOSE and the websocket close
            msg = await ws.receive(timeout=5)
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frames.append(msg.data)
            if msg.data == "2":
                await ws.send_str("3")  # alive: only the missing CONNECT can close us
    finally:
        await ws.close()
    assert frames[0].startswith("0{") and frames[-1] == "1"
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def test_engine_settings_come_from_the_environment(monkeypatch):
    for k, v in {"PING_INTERVAL": "0.5", "PING_TIMEOUT": "0.25", "MAX_PAYLOAD_BYTES": "4096",
                 "CORS_ORIGINS": "https://a.example, https://b.example",
                 "CONNECT_TIMEOUT": "7.5", "WS_MAX_BUFFER_BYTES": "65536",
                 "RECOVERY_WINDOW": "30"}.items():
        monkeypatch.setenv(k, v)
    s = Settings.from_env()
    assert (s.ping_interval, s.ping_timeout, s.max_payload_bytes, s.connect_timeout) == \
        (0.5, 0.25, 4096, 7.5)
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert (s.ws_max_buffer_bytes, s.recovery_window) == (65536, 30.0)


async def test_a_websocket_that_answers_pings_stays_and_one_that_stops_is_cut(
        fast_app, http, make_user):
    """Heartbeats of all sockets share one timer (server/engine/heartbeat.py): pings keep
    coming every interval while the client answers, and silence is cut after the timeout."""
    alice = await make_user()
    ws = await http.ws_connect(ws_url(fast_app))
    try:
        assert (await ws.receive(timeout=5)).data.startswith("0{")
        await ws.send_str("40" + json.dumps({"token": alice.token}))
        assert (await ws.receive(timeout=5)).data.startswith("40{")
        for _ in range(6):  # six intervals of 0.3 s, each ping answered
            assert (await ws.receive(timeout=5)).data == "2"
            await ws.send_str("3")
        await ws.send_str('421["system:ping",{}]')
        frame = (await ws.receive(timeout=5)).data
        while frame == "2":
            await ws.send_str("3")
            frame = (await ws.receive(timeout=5)).data
        assert frame.startswith("431[")  # still connected and served
        frames = []
        for _ in range(10):  # now silent: one more ping, then the close
            msg = await ws.receive(timeout=5)
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frames.append(msg.data)
        assert frames and frames[0] == "2" and frames[-1] == "1"
    finally:
        await ws.close()


async def _raw_websocket(app: LiveApp):
    """A websocket by hand (masked frames, fragments, control frames at will)."""
    import base64
    import os

    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", app.port), 5)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                  f"Host: 127.0.0.1:{app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101")

    def send(payload: bytes, opcode: int, fin: bool = True) -> None:
        mask = os.urandom(4)
        n = len(payload)
        size = bytes((0x80 | n,)) if n < 126 else bytes((0x80 | 126,)) + n.to_bytes(2, "big")
        writer.write(bytes(((0x80 if fin else 0) | opcode,)) + size + mask
                     + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    async def receive() -> tuple[int, bytes]:
        b0, b1 = await asyncio.wait_for(reader.readexactly(2), 5)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), 5), "big")
        return b0 & 0x0F, await asyncio.wait_for(reader.readexactly(n), 5)

    return writer, send, receive


async def test_websocket_frames_fragments_pings_and_close_from_the_client(app, make_user):
    """After the handshake our own protocol object reads the websocket (wsconn.py): a message
    sent in fragments arrives whole, a websocket ping is answered, a close frame is echoed."""
    alice = await make_user()
    writer, send, receive = await _raw_websocket(app)
    try:
        op, data = await receive()
        assert op == 0x1 and data.startswith(b"0{")
        connect = b"40" + json.dumps({"token": alice.token}).encode()
        send(connect[:10], 0x1, fin=False)
        send(b"", 0x9)  # a ping between the fragments is allowed
        send(connect[10:20], 0x0, fin=False)
        send(connect[20:], 0x0)
        assert await receive() == (0xA, b"")  # pong
        op, data = await receive()
        assert op == 0x1 and data.startswith(b"40{")
        send(b'421["system:ping",{}]', 0x1)
        op, data = await receive()
        assert data.startswith(b"431[")
        send(b"\x03\xe8", 0x8)  # close, 1000
        assert await receive() == (0x8, b"\x03\xe8")
    finally:
        writer.close()


async def test_a_message_over_the_size_limit_closes_with_1009(settings, make_user):
    small = await LiveApp(settings.with_(max_payload_bytes=1000)).start()
    try:
        writer, send, receive = await _raw_websocket(small)
        try:
            assert (await receive())[0] == 0x1  # OPEN
            send(b"4" + b"x" * 2000, 0x1)
            assert await receive() == (0x8, (1009).to_bytes(2, "big"))
        finally:
            writer.close()
    finally:
        await small.stop()


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab=&;%+4 _-.~é", max_size=30))
def test_the_handshake_query_is_read_as_parse_qs_reads_it(query):
    """The Engine.IO query's fast reader (no unquoting when nothing is quoted) gives what
    urllib's parse_qs gives, for any query: repeated names, blanks, quoted and odd pairs."""
    import urllib.parse

    from server.engine.eio import parse_query
    assert parse_query(query) == urllib.parse.parse_qs(query)
