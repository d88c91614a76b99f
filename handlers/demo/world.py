"""The demo world, made through the public API of a running development server (so every
row, event and balance is what real clients would produce), except the accounts: those are
provisioned with their roles and known passwords (handlers/auth/provision.py).

Prints, for each person, how to sign in. Running it again resets the demo passwords and adds
another round of content.
"""
from __future__ import annotations

import asyncio
import base64
import io
import json
import uuid

import aiohttp
import socketio

PASSWORD = "sawt demo 2026"
PEOPLE = (  # name, phone, role, what they show
    ("Salma", "01000000101", "creator", "videos, posts, a live-ready stream, tips received"),
    ("Karim", "01000000102", "user", "a fan: topped up EGP 200, tipped Salma EGP 25, DMs with her"),
    ("Nour", "01000000103", "user", "a fan: EGP 100 in the wallet, follows Salma"),
    ("Hoda", "01000000104", "moderator", "the review queue has a held comment"),
    ("Adel", "01000000105", "admin", "roles, announcements, cashout review"),
)


class SeedFailed(Exception):
    pass


def _clip() -> bytes:
    """A one-second 320x240 H.264 MP4 (a moving bar), made with PyAV."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=15)
        v.width, v.height, v.pix_fmt = 320, 240, "yuv420p"
        v.options = {"preset": "ultrafast"}
        for i in range(15):
            img = np.full((240, 320, 3), (30, 90, 160), np.uint8)
            img[:, i * 20:(i * 20) + 20] = 255
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    return buf.getvalue()


class Person:
    def __init__(self, name: str, user: dict):
        self.name, self.user = name, user
        self.id = user["user_id"]
        self.token = ""
        self.sio = socketio.AsyncClient()
        self.events: dict[str, asyncio.Queue] = {}

        @self.sio.on("*")
        async def _any(event, data=None, *_offset):
            # a broadcast also carries its recovery offset (connection-state recovery)
            self.events.setdefault(event, asyncio.Queue()).put_nowait(data)

    async def ok(self, event: str, data: dict) -> dict:
        ack = await self.sio.call(event, data, timeout=30)
        if not ack.get("ok"):
            raise SeedFailed(f"{self.name}: {event} -> {ack.get('error')}")
        return ack["data"]

    async def next(self, event: str, timeout: float = 120) -> dict:
        q = self.events.setdefault(event, asyncio.Queue())
        return await asyncio.wait_for(q.get(), timeout)


async def _upload(http: aiohttp.ClientSession, base: str, who: Person, data: bytes) -> str:
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in (("filename", "demo.mp4"), ("filetype", "video/mp4")))
    auth = {"Authorization": f"Bearer {who.token}", "Tus-Resumable": "1.0.0"}
    async with http.post(base + "/v1/uploads/", headers={
            **auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta}) as r:
        if r.status != 201:
            raise SeedFailed(f"upload refused: {r.status} {await r.text()}")
        loc = r.headers["Location"]
    url = loc if loc.startswith("http") else base + loc
    async with http.patch(url, data=data, headers={
            **auth, "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}) as r:
        if r.status != 204:
            raise SeedFailed(f"upload failed: {r.status} {await r.text()}")
    return loc.rsplit("/", 1)[1]


async def _top_up(http, base: str, fan: Person, amount: int) -> None:
    top = await fan.ok("wallet:topup", {"provider": "fawry", "amount": amount,
                                        "idempotency_key": uuid.uuid4().hex})
    async with http.post(f"{base}/dev/payments/{top['reference']}",
                         json={"action": "pay"}) as r:
        if r.status != 200:
            raise SeedFailed(f"development checkout: {r.status} {await r.text()}")
    await fan.next("wallet:balance", timeout=30)


async def seed(server: str | None) -> None:
    from handlers.auth.provision import do_provision_user
    from server.cli import command_state
    from server.config import Settings
    from server.embedded import served_url

    base = server or served_url(Settings.from_env().data_dir) or "http://127.0.0.1:8080"
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(base + "/readyz") as r:
                if r.status != 200:
                    raise SeedFailed(f"{base} is not ready ({r.status})")
        except aiohttp.ClientError as exc:
            raise SeedFailed(f"no server answers at {base} ({exc}); start "
                             f"`python -m server serve` first, or pass --server") from None
        async with command_state() as state:
            people = {name: Person(name, await do_provision_user(
                state, phone, role=role, name=name, password=PASSWORD))
                for name, phone, role, _ in PEOPLE}
        for p in people.values():
            async with http.post(base + "/v1/auth/login", json={
                    "phone": p.user["phone"], "password": PASSWORD, "device": "seed"}) as r:
                body = await r.json()
                if r.status != 200:
                    raise SeedFailed(f"{p.name} cannot sign in: {body}")
            p.token = body["access_token"]
            await p.sio.connect(base, auth={"token": p.token}, transports=["websocket"])
        try:
            await _world(http, base, people)
        finally:
            for p in people.values():
                await p.sio.disconnect()
    _print_sign_in(base, people)


async def _world(http, base: str, people: dict[str, Person]) -> None:
    salma, karim, nour = people["Salma"], people["Karim"], people["Nour"]
    for fan in (karim, nour):
        await fan.ok("users:follow", {"user_id": salma.id})
    await salma.ok("feed:post", {"body": "Ahlan! Awel post 3ala Sawt"})
    media_id = await _upload(http, base, salma, await asyncio.to_thread(_clip))
    video = await salma.ok("feed:post", {"kind": "video", "media_id": media_id,
                                         "body": "Video men el Nil"})
    await salma.next("media:ready")
    stream = await salma.ok("live:create", {"title": "Live men el studio"})
    salma.user["stream"] = {"whip_url": base + stream["whip_url"]
                            if stream.get("whip_url", "").startswith("/") else stream.get("whip_url"),
                            "stream_key": stream.get("stream_key")}
    await _top_up(http, base, karim, 20000)
    await _top_up(http, base, nour, 10000)
    await karim.ok("wallet:tip", {"creator_id": salma.id, "amount": 2500,
                                  "idempotency_key": uuid.uuid4().hex,
                                  "message": "Habibti, estamerry"})
    await karim.ok("chat:send", {"to": salma.id, "client_id": uuid.uuid4().hex,
                                 "text": "sabah el kheir ya Salma, el video gamed"})
    await salma.ok("chat:send", {"to": karim.id, "client_id": uuid.uuid4().hex,
                                 "text": "shokran ya Karim!"})
    comment = await nour.ok("interactions:comment", {"post_id": video["id"],
                                                     "body": "Etba3 el link da w eksab felous"})
    await karim.ok("mod:report", {"target_type": "comment", "target_id": comment["id"],
                                  "reason": "scam", "note": "a scam link in the comments"})


def _print_sign_in(base: str, people: dict[str, Person]) -> None:
    print(f"Demo world on {base}. Everyone's password: {PASSWORD!r}\n")
    for name, phone, role, what in PEOPLE:
        p = people[name]
        print(f"{name:6} {role:9} {p.user['phone']}  id {p.id}\n       {what}")
        if "stream" in p.user:
            print(f"       stream: {json.dumps(p.user['stream'])}")
    p = people["Karim"]
    print(f"\nSign in (prints a token):\n  curl -s {base}/v1/auth/login -H 'Content-Type: "
          f"application/json' -d '{{\"phone\": \"{p.user['phone']}\", \"password\": "
          f"\"{PASSWORD}\", \"device\": \"laptop\"}}'\nor: python -m server token {p.id}")
