"""server/engine/ replaces internals of python-socketio, python-engineio and aiohttp, and
server/redis_clients.py three methods of redis-py's cluster client and its asyncio command
packers. They are written against
exact versions (pinned in pyproject.toml and requirements.lock); these tests
fail, naming what to re-check, as soon as another version is installed or one of the upstream
methods the engine replaces or leans on reads differently."""
from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import inspect
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE_DISTS = ("python-socketio", "python-engineio", "aiohttp", "redis")

# upstream object -> sha256[:12] of its source in the pinned versions. Our overrides:
# eio.py / esocket.py (engineio), sio.py (socketio.AsyncServer), manager.py (the Redis
# manager), wsconn.py (aiohttp's request handler and websocket helpers).
UPSTREAM = {
    "engineio.async_server:AsyncServer.__init__": "a06b17502fbd",
    "engineio.async_server:AsyncServer.attach": "7874d4dc1c31",
    "engineio.async_server:AsyncServer.handle_request": "1a8c878e3516",
    "engineio.async_server:AsyncServer._handle_connect": "5bd7edc1d1ae",
    "engineio.async_server:AsyncServer.send_packet": "c54317440865",
    "engineio.async_server:AsyncServer.disconnect": "8bb6448caae4",
    "engineio.async_server:AsyncServer._trigger_event": "4a09b6e47eb6",
    "engineio.async_socket:AsyncSocket": "af72dafc541d",
    "engineio.async_drivers.aiohttp:translate_request": "20aa78274006",
    "socketio.async_server:AsyncServer._engineio_server_class": "199c42bf1492",
    "socketio.async_server:AsyncServer._send_packet": "a00022b42c1c",
    "socketio.async_server:AsyncServer._send_eio_packet": "64cf72a2ab7d",
    "socketio.async_server:AsyncServer._handle_eio_connect": "76704886d944",
    "socketio.async_server:AsyncServer._handle_eio_disconnect": "9344593148b6",
    "socketio.async_server:AsyncServer._handle_connect": "c97c480cf777",
    "socketio.async_server:AsyncServer._handle_disconnect": "c0b32ada5b37",
    "socketio.async_server:AsyncServer.disconnect": "7d2f76686c12",
    "socketio.async_server:AsyncServer.shutdown": "70ac47acea94",
    "socketio.async_redis_manager:AsyncRedisManager._redis_listen_with_retries": "ad347f253fd3",
    "socketio.async_pubsub_manager:AsyncPubSubManager.emit": "6cc46e0ff9b6",
    "socketio.async_pubsub_manager:AsyncPubSubManager.close_room": "71a374e53b36",
    "socketio.async_pubsub_manager:AsyncPubSubManager._thread": "fa8d075729aa",
    "socketio.async_pubsub_manager:AsyncPubSubManager._handle_close_room": "8794e03b8968",
    "socketio.async_pubsub_manager:AsyncPubSubManager.initialize": "e8a2b026ecea",
    "socketio.base_manager:BaseManager.pre_connect": "bfdba4c0c8f1",
    "socketio.base_manager:BaseManager.basic_enter_room": "3f509586d2d7",
    "socketio.base_manager:BaseManager.basic_leave_room": "e27f3eea06d1",
    "socketio.base_manager:BaseManager.basic_disconnect": "2933b50bc4b2",
    "socketio.base_manager:BaseManager.get_rooms": "56a1017f85af",
    "socketio.packet:Packet.data_is_binary": "464dded7ae95",
    # wsconn.py: `_message_tail` (bytes after the upgrade request) and detaching the handler
    "aiohttp.web_protocol:RequestHandler.data_received": "1ee57ebe052e",
    "aiohttp.web_protocol:RequestHandler.connection_lost": "df2fe6e95fd0",
    # server/redis_clients.py replaces these on import (redis-py 7.4 cluster bugs: a promoted
    # replica kept as a replica, MULTI queued through a new thread and loop); the originals
    # it saved are what is fingerprinted
    "server.redis_clients:_initialize_nodes": "a79be3dbabce",  # NodesManager.initialize
    "server.redis_clients:_queue_in_a_thread": "a21f8d65cb57",  # TransactionStrategy.execute_command
    "server.redis_clients:_execute_transaction": "7cd190799228",  # TransactionStrategy.execute
    # server/redis_clients.py HiredisPackedConnection packs with hiredis instead of these
    "redis.asyncio.connection:AbstractConnection.pack_command": "9a0e503fdcf5",
    "redis.asyncio.connection:AbstractConnection.pack_commands": "6a0fb874993f",
}


def _resolve(name: str):
    module, _, attr = name.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def fingerprint(name: str) -> str:
    return hashlib.sha256(inspect.getsource(_resolve(name)).encode()).hexdigest()[:12]


def pinned_versions() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^;\s]+)", dep)
        if m and m.group(1) in ENGINE_DISTS:
            pins[m.group(1)] = m.group(2)
    return pins


def locked_versions() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {m.group(1): m.group(2) for m in re.finditer(
        r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M) if m.group(1) in ENGINE_DISTS}


def test_the_engine_libraries_are_pinned_exactly_and_installed_at_those_versions():
    pins = pinned_versions()
    assert set(pins) == set(ENGINE_DISTS), (
        f"pyproject.toml must pin each of {ENGINE_DISTS} with == (server/engine/ overrides "
        f"their internals); pinned: {pins}")
    installed = {d: importlib.metadata.version(d) for d in ENGINE_DISTS}
    wrong = {d: (installed[d], pins[d]) for d in ENGINE_DISTS if installed[d] != pins[d]}
    assert not wrong, "installed vs pinned: " + "; ".join(
        f"{d} {have} is installed but server/engine/ (server/redis_clients.py for redis) "
        f"was written against {want}"
        for d, (have, want) in wrong.items()) + ". Diff the upstream methods listed in " \
        "tests/test_engine_versions.py between the versions, re-apply the overrides, then " \
        "update the pins, requirements.lock and the fingerprints."
    assert locked_versions() == pins, "requirements.lock disagrees with pyproject.toml's pins"


def test_the_upstream_methods_the_engine_replaces_read_as_when_it_was_written():
    changed = {}
    for name, expected in UPSTREAM.items():
        try:
            got = fingerprint(name)
        except (AttributeError, ImportError) as exc:
            got = f"missing ({exc})"
        if got != expected:
            changed[name] = got
    assert not changed, (
        "upstream code that server/engine/ replaces or relies on has changed: "
        + ", ".join(f"{n} (now {g})" for n, g in changed.items())
        + ". Read the new upstream source, carry the change into the override, then update "
        "the fingerprint here.")
