"""Our Socket.IO engine: small subclasses of python-socketio / python-engineio.

Tracks python-socketio 5.18.1 and python-engineio 4.15.1 (the versions pinned in
pyproject.toml). Each override names the upstream method it replaces; when upgrading,
diff those upstream methods and re-apply. What the layer changes, and why:

- `eio.EngineServer` / `esocket.EngineSocket` (engineio.AsyncServer / AsyncSocket): Engine.IO v4
  conformance (fractional heartbeat in the handshake, 400 for bad transports/methods, `ok` for
  POSTs, sessions closed on invalid packets, overlapping polls, ping timeouts; no stray noop
  packets around upgrades); websocket frames are queued on the socket and written by one flush
  per loop iteration, all of a socket's frames in one `transport.write` (no writer task, no
  ping task, no task per packet), with a bounded buffer that disconnects slow consumers.
- `sio.SocketServer` (socketio.AsyncServer): CONNECT goes out before anything the connect
  handler emits; unknown namespaces get `{"message": "Invalid namespace"}`; a transport that
  never sends CONNECT is closed after `connect_timeout`; connection state recovery.
- `manager.RedisManager` (socketio.AsyncRedisManager): a broadcast is appended to a Redis
  stream (the packet log; its id is the offset) and published in one atomic script; each node
  checks its local recipients before decoding anything, encodes the packet and builds the
  websocket frame once, and queues that frame on every recipient in one loop.
- `recovery.RecoveryStore`: sessions of disconnected sockets and the missed-packet query.
- `wsconn.WebSocketConn`: after the websocket handshake the connection leaves aiohttp
  (`transport.set_protocol`) for a small frame reader. It relies on aiohttp 3.14 internals:
  `RequestHandler._message_tail` (bytes after the upgrade request) and detaching by setting
  `protocol.transport = None` before `protocol.connection_lost(None)`; re-check both when
  upgrading aiohttp (tests/test_engine_protocol.py covers the behaviour).
- `heartbeat.Heartbeats`: every socket's ping/pong timing on one timer.
"""
from server.engine.eio import EngineServer
from server.engine.esocket import EngineSocket
from server.engine.manager import RedisManager
from server.engine.sio import SocketServer

__all__ = ["EngineServer", "EngineSocket", "RedisManager", "SocketServer"]
