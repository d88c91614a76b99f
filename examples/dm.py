"""A Sawt client in 20 lines: connect with an access token, then send a DM or wait for one.

    python examples/dm.py TOKEN                  # wait for a message, print it, exit
    python examples/dm.py TOKEN PEER_ID "ahlan"  # send one, print the ack, exit
SAWT_URL defaults to http://127.0.0.1:8080. Needs python-socketio (installed with the server).
"""
import asyncio, os, sys, uuid  # noqa: E401
import socketio


async def main(token, peer=None, text=None):
    sio, got = socketio.AsyncClient(), asyncio.Event()
    if not peer:  # (a sender's own sockets get its messages too; *_ is the recovery offset)
        sio.on("chat:message", lambda m, *_: (print(f"{m['sender_id']}: {m['text']}", flush=True), got.set()))
    try:  # a bad or expired token is refused with {message, code} (the `connect_error` event)
        await sio.connect(os.environ.get("SAWT_URL", "http://127.0.0.1:8080"),
                          auth={"token": token}, transports=["websocket"])
    except socketio.exceptions.ConnectionError as exc:
        sys.exit(f"connect refused: {exc}")
    if peer:  # every event takes an ack: {ok: true, data} or {ok: false, error: {code, message}}
        print(await sio.call("chat:send", {"to": peer, "client_id": uuid.uuid4().hex, "text": text}), flush=True)
    else:
        print("connected; waiting for a message", flush=True)
        await asyncio.wait_for(got.wait(), 120)
    await sio.disconnect()

asyncio.run(main(*sys.argv[1:4]))
