"""Video frames out of RTP as soon as they are complete, not one frame later.

aiortc's jitter buffer hands a video frame to the decoder only when the first packet of the
*next* frame arrives (a new RTP timestamp): every frame waits one frame interval on the
server (33 ms at 30 fps, 200 ms for a 5 fps screen share) before it is even decoded. The
sender marks the last packet of each frame (the RTP marker bit: RFC 6184 for H.264, RFC 7741
for VP8; Chromium and aiortc both set it), so a frame whose packets are all in, from the
buffer's start up to a marked one, is complete. `MarkerJitterBuffer` releases it then, and
otherwise behaves as aiortc's (a missing packet still holds the frame until it is resent or
the next frame shows the loss).
"""
from __future__ import annotations

import structlog
from aiortc.jitterbuffer import JitterBuffer, JitterFrame

log = structlog.get_logger("whip")
VIDEO_CAPACITY = 512  # packets, as aiortc's own video buffer


class MarkerJitterBuffer(JitterBuffer):
    """aiortc's video JitterBuffer (prefetch 0) that also ends a frame at its marker bit."""

    def __init__(self, capacity: int = VIDEO_CAPACITY) -> None:
        super().__init__(capacity=capacity, is_video=True)

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        packets = []
        timestamp = None
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]
            if packet is None:
                return None  # a gap: wait for the packet (NACK) or give up as aiortc does
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:
                # the next frame started, so this one is complete (aiortc's own rule; it
                # covers a lost marker packet's frame)
                self.remove(count)
                return JitterFrame(data=b"".join(p._data for p in packets),
                                   timestamp=timestamp)
            packets.append(packet)
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(p._data for p in packets),
                                   timestamp=timestamp)
        return None


def release_frames_at_marker(receiver) -> bool:
    """Give an aiortc video RTCRtpReceiver a MarkerJitterBuffer (before media flows).

    aiortc keeps the buffer in a private attribute; if a release renames it, frames keep
    aiortc's timing (logged once per session, and tests/test_live_rtp.py fails)."""
    name = "_RTCRtpReceiver__jitter_buffer"
    current = getattr(receiver, name, None)
    if not isinstance(current, JitterBuffer):
        log.warning("jitter_buffer_not_replaced", reason="aiortc has no such attribute")
        return False
    setattr(receiver, name, MarkerJitterBuffer(current.capacity))
    return True
