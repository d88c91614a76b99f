"""WHIP ingest (RFC 9725) with aiortc: one `WhipSession` per publisher connection.

The HTTP exchange lives in handlers/live/routes.py; this module only turns an SDP offer into
an answer and the received tracks into frames for the live packager.

- The answer is complete (aiortc gathers every candidate before `setLocalDescription`
  returns), so trickle ICE is not needed; the routes answer PATCH with 405.
- aiortc answers in the offer's codec order, so browsers would get VP8: the receiving
  transceivers are created before the offer is applied, with H.264 preferred, then VP8.
- aiortc always decodes incoming video; frames go to the pipeline with `push_*`, which
  only timestamps and enqueues (never blocks the loop). A video frame is decoded as soon as
  its last packet is in (media/rtp_frames.py), not when the next frame starts.
- The publisher is gone when a track ends, the peer connection fails or closes, or no media
  arrived for `media_timeout` seconds (ICE consent failure alone takes ~30 s).
"""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Awaitable, Callable, Protocol

import structlog
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from media.ice import advertise_public_address, configure_host_addresses, rtc_configuration
from media.rtp_frames import release_frames_at_marker

log = structlog.get_logger("whip")
configure_ice_host_addresses = configure_host_addresses  # (the name callers know)
VIDEO_CODECS = ("video/H264", "video/VP8")
AUDIO_CODECS = ("audio/opus",)


class FrameSink(Protocol):
    def push_video(self, frame) -> None: ...
    def push_audio(self, frame) -> None: ...


class BadOffer(Exception):
    """The SDP offer cannot be answered (malformed, or no codec we can receive)."""


def _preferences(kind: str, wanted: tuple[str, ...]):
    caps = RTCRtpReceiver.getCapabilities(kind).codecs
    ordered = [c for name in wanted for c in caps if c.mimeType.lower() == name.lower()]
    ordered += [c for c in caps if c.mimeType.lower() == f"{kind}/rtx"]
    return ordered


def offered_kinds(offer_sdp: str) -> set[str]:
    """The media kinds an offer sends: its m= sections that are not disabled (port 0)."""
    kinds = set()
    for line in offer_sdp.splitlines():
        parts = line.split()
        if line.startswith("m=") and len(parts) >= 2 and parts[1] != "0":
            kind = parts[0][2:]
            if kind in ("audio", "video"):
                kinds.add(kind)
    return kinds


class WhipSession:
    """One publisher's peer connection. `on_gone` is awaited once when it goes away."""

    def __init__(self, sink: FrameSink, on_gone: Callable[[str], Awaitable[None]], *,
                 media_timeout: float = 3.0, first_media_timeout: float = 15.0):
        self.id = uuid.uuid4().hex
        self.sink = sink
        self.on_gone = on_gone
        self.media_timeout = media_timeout
        self.first_media_timeout = first_media_timeout
        self.ice = rtc_configuration()  # media/ice.py
        self.pc = RTCPeerConnection(configuration=self.ice)
        self.codecs: dict[str, str] = {}
        self.kinds: set[str] = set()
        self.last_media: float | None = None
        self.created = time.monotonic()
        self._tasks: set[asyncio.Task] = set()
        self._gone = False
        self.closed = False

    async def accept(self, offer_sdp: str) -> str:
        """Apply the offer, return the SDP answer (all candidates included)."""
        self.kinds = offered_kinds(offer_sdp)
        if not self.kinds:
            raise BadOffer("The offer has no audio or video section")
        pc = self.pc
        # Only the kinds the offer has: a transceiver the offer does not match is left
        # without a mid, and aiortc cannot answer then (a screen share sends video only).
        for kind, codecs in (("video", VIDEO_CODECS), ("audio", AUDIO_CODECS)):
            if kind in self.kinds:
                t = pc.addTransceiver(kind, direction="recvonly")
                t.setCodecPreferences(_preferences(kind, codecs))
                if kind == "video":
                    release_frames_at_marker(t.receiver)  # media/rtp_frames.py

        @pc.on("track")
        def on_track(track):
            self._spawn(self._pump(track))

        @pc.on("connectionstatechange")
        async def on_state():
            if pc.connectionState in ("failed", "closed"):
                await self._went_away(f"connection {pc.connectionState}")

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except (ValueError, KeyError, IndexError, AssertionError, TypeError) as exc:
            # aiortc's SDP parser asserts on malformed lines
            raise BadOffer(f"Cannot answer this offer: {exc or 'malformed SDP'}") from None
        for t in pc.getTransceivers():
            if t.kind == "video" and not getattr(t, "_codecs", None) and "m=video" in offer_sdp:
                raise BadOffer("The offer has no video codec we receive (H.264 or VP8)")
            if getattr(t, "_codecs", None):
                self.codecs[t.kind] = t._codecs[0].mimeType
        self._spawn(self._watchdog())
        return advertise_public_address(pc.localDescription.sdp)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pump(self, track) -> None:
        push = self.sink.push_video if track.kind == "video" else self.sink.push_audio
        try:
            while True:
                frame = await track.recv()
                self.last_media = time.monotonic()
                push(frame)
        except MediaStreamError:
            await self._went_away(f"{track.kind} track ended")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("whip_track_failed", kind=track.kind)
            await self._went_away(f"{track.kind} track failed")

    async def _watchdog(self) -> None:
        while not self._gone:
            await asyncio.sleep(min(0.5, self.media_timeout / 2))
            now = time.monotonic()
            if self.last_media is None:
                if now - self.created > self.first_media_timeout:
                    await self._went_away("no media arrived")
            elif now - self.last_media > self.media_timeout:
                await self._went_away("media stopped")

    async def _went_away(self, reason: str) -> None:
        if self._gone or self.closed:
            return
        self._gone = True
        log.info("whip_publisher_gone", session=self.id, reason=reason)
        try:
            await self.on_gone(reason)
        except Exception:
            log.exception("whip_on_gone_failed", session=self.id)

    async def close(self) -> None:
        """Close the peer connection (idempotent); on_gone is not called for this."""
        if self.closed:
            return
        self.closed = True
        self._gone = True
        current = asyncio.current_task()
        for t in list(self._tasks):
            if t is not current:
                t.cancel()
        try:
            await self.pc.close()
        except Exception:
            log.exception("whip_close_failed", session=self.id)
