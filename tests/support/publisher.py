"""A WHIP test publisher: aiortc with synthetic video (moving bar + the send time burned in
as a 32-bit barcode) and audio (a tone), posting its offer to a server's WHIP endpoint."""
from __future__ import annotations

import asyncio
import fractions
import math
import time

import aiohttp
import av
import numpy as np
from aiortc import AudioStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

BITS = 32
CELL = 8  # pixels per barcode cell (rows 0..CELL of the frame)


def burn_ms(img: np.ndarray, ms: int) -> None:
    """Write ms (mod 2**32) as BITS black/white cells along the top of an image (the top
    rows of a yuv420p array are luma)."""
    for i in range(BITS):
        v = 255 if (ms >> (BITS - 1 - i)) & 1 else 0
        img[0:CELL, i * CELL:(i + 1) * CELL] = v


def read_ms(frame: av.VideoFrame, src_width: int) -> int:
    """Read a burned timestamp back from a (possibly scaled) decoded frame."""
    y = frame.to_ndarray(format="gray")
    scale = frame.width / src_width
    cell = CELL * scale
    row = y[max(0, int(cell / 2))]
    ms = 0
    for i in range(BITS):
        x = int((i + 0.5) * cell)
        ms = (ms << 1) | (1 if row[min(x, len(row) - 1)] > 128 else 0)
    return ms


class _Freezable:
    """freeze(): recv() never returns again, the connection stays up (a network that drops
    without a word: no RTCP BYE, no DELETE; the server notices only by the media timeout)."""
    frozen: asyncio.Event | None = None

    async def _maybe_frozen(self) -> None:
        if self.frozen is not None and self.frozen.is_set():
            await asyncio.Event().wait()


class SyntheticVideo(_Freezable, VideoStreamTrack):
    def __init__(self, width: int = 640, height: int = 360, fps: int = 30,
                 wall_clock: bool = False):
        super().__init__()
        self.wall_clock = wall_clock
        self.width, self.height, self.fps = width, height, fps
        self.n = 0
        self.sent = 0
        self._start = None

    async def recv(self):
        await self._maybe_frozen()
        # wall_clock: like a camera, timestamps from the clock and frames skipped when late
        # (the benchmark). Otherwise every frame is sent with a regular timestamp, however
        # late (tests: deterministic media time on a busy machine).
        now = time.time()
        if self._start is None:
            self._start = now
        slot = max(self.n, int((now - self._start) * self.fps)) if self.wall_clock else self.n
        delay = self._start + slot / self.fps - now
        if delay > 0:
            await asyncio.sleep(delay)
        self.sent += 1
        # yuv420p straight away (no colour conversion): Y plane, then U and V planes
        h, w = self.height, self.width
        img = np.empty((h * 3 // 2, w), np.uint8)
        img[:h] = 40
        img[h:] = 128
        x = (self.n * 8) % w
        img[h // 3:h, x:x + 24] = 200
        burn_ms(img, int(time.time() * 1000) & 0xFFFFFFFF)
        frame = av.VideoFrame.from_ndarray(img, format="yuv420p")
        frame.pts = int(slot * 90000 / self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        self.n = slot + 1
        return frame


class ToneAudio(_Freezable, AudioStreamTrack):
    def __init__(self):
        super().__init__()
        self.samples = 0
        self._start = None

    async def recv(self):
        await self._maybe_frozen()
        if self._start is None:
            self._start = time.time()
        n = 960
        delay = self._start + self.samples / 48000 - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        t = (np.arange(n) + self.samples) / 48000
        tone = (np.sin(2 * math.pi * 440 * t) * 3000).astype(np.int16)
        data = np.repeat(tone, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, 48000)
        self.samples += n
        return frame


class WhipPublisher:
    """Publish to `whip_url` with `stream_key`. `status`/`location` after `start()`."""

    def __init__(self, base_url: str, whip_path: str, stream_key: str, *, width: int = 640,
                 height: int = 360, fps: int = 30, wall_clock: bool = False,
                 kinds: tuple[str, ...] = ("video", "audio")):
        self.base_url, self.whip_path, self.key = base_url, whip_path, stream_key
        self.video = SyntheticVideo(width, height, fps, wall_clock)
        self.pc = RTCPeerConnection()
        self.kinds = kinds
        self.frozen = self.video.frozen = asyncio.Event()
        self.status: int | None = None
        self.location: str | None = None
        self.body: str = ""
        self.answered_at: float | None = None

    async def start(self) -> int:
        if "video" in self.kinds:
            self.pc.addTransceiver(self.video, direction="sendonly")
        if "audio" in self.kinds:
            audio = ToneAudio()
            audio.frozen = self.frozen
            self.pc.addTransceiver(audio, direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with aiohttp.ClientSession() as http:
            async with http.post(self.base_url + self.whip_path,
                                 data=self.pc.localDescription.sdp,
                                 headers={"Content-Type": "application/sdp",
                                          "Authorization": f"Bearer {self.key}"}) as r:
                self.status, self.body = r.status, await r.text()
                self.location = r.headers.get("Location")
                self.content_type = r.headers.get("Content-Type", "")
        if self.status == 201:
            self.answered_at = time.time()
            await self.pc.setRemoteDescription(RTCSessionDescription(self.body, "answer"))
        return self.status

    def freeze(self) -> None:
        """The network drops silently (see _Freezable); stop() later closes for real."""
        self.frozen.set()

    async def stop(self, *, hang_up: bool = True) -> int | None:
        """Close the connection; with hang_up, DELETE the WHIP session first."""
        status = None
        if hang_up and self.location:
            async with aiohttp.ClientSession() as http:
                async with http.delete(self.base_url + self.location,
                                       headers={"Authorization": f"Bearer {self.key}"}) as r:
                    status = r.status
        await self.pc.close()
        return status
