"""Video frames leave the WHIP receiver's jitter buffer when their last packet is in, not
when the next frame starts (one frame interval later: 33 ms at 30 fps, 200 ms at 5 fps)."""
from __future__ import annotations

import asyncio

from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket

from media.ice import configure_host_addresses
from media.whip import WhipSession
from tests.support.publisher import SyntheticVideo


class _Sink:
    def push_video(self, frame):
        pass

    def push_audio(self, frame):
        pass


def _packet(seq: int, ts: int, marker: bool = False) -> RtpPacket:
    p = RtpPacket(payload_type=96, marker=int(marker), sequence_number=seq, timestamp=ts,
                  payload=bytes([seq % 256]))
    p._data = bytes([seq % 256])  # what aiortc's depayloader leaves on the packet
    return p


async def _video_jitter_buffer():
    """The jitter buffer a WHIP session's video receiver really uses."""
    configure_host_addresses("127.0.0.1")
    pub = RTCPeerConnection()
    pub.addTransceiver(SyntheticVideo(), direction="sendonly")
    await pub.setLocalDescription(await pub.createOffer())
    session = WhipSession(_Sink(), lambda reason: asyncio.sleep(0))
    try:
        await session.accept(pub.localDescription.sdp)
        (video,) = [t for t in session.pc.getTransceivers() if t.kind == "video"]
        return session, video.receiver._RTCRtpReceiver__jitter_buffer
    finally:
        await pub.close()


async def test_a_frame_is_released_at_its_marker_packet_not_at_the_next_frame():
    session, jb = await _video_jitter_buffer()
    try:
        assert jb.add(_packet(100, 3000))[1] is None  # frame 1, first packet
        frame = jb.add(_packet(101, 3000, marker=True))[1]  # its last packet
        assert frame is not None and frame.data == bytes([100, 101])
        # the next frame goes the same way, from the buffer's new start
        assert jb.add(_packet(102, 6000, marker=True))[1].data == bytes([102])
    finally:
        await session.close()


async def test_a_gap_still_holds_the_frame_and_a_lost_marker_ends_it_at_the_next_frame():
    session, jb = await _video_jitter_buffer()
    try:
        assert jb.add(_packet(10, 3000))[1] is None
        assert jb.add(_packet(12, 3000, marker=True))[1] is None  # 11 is missing
        assert jb.add(_packet(11, 3000))[1].data == bytes([10, 11, 12])  # resent: complete
        # a frame whose last packet lost its marker bit: it ends where the next one starts
        assert jb.add(_packet(13, 6000))[1] is None
        assert jb.add(_packet(14, 6000))[1] is None
        assert jb.add(_packet(15, 9000))[1].data == bytes([13, 14])
        assert jb.add(_packet(16, 9000, marker=True))[1].data == bytes([15, 16])
    finally:
        await session.close()
