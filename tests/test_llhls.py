"""LL-HLS pieces without a server: fMP4 fragment splitting, playlists, blocking reloads."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from media.llhls import (FragmentSplitter, Part, Segment, codecs_from_extradata, position,
                         render_media_playlist, satisfied)


class _Sink:
    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data += b
        return len(b)


def _muxed_fragments(seconds: float = 2.0, fps: int = 30):
    sink = _Sink()
    c = av.open(sink, "w", format="mp4", options={
        "movflags": "empty_moov+default_base_moof+frag_keyframe+cmaf",
        "frag_duration": "200000"})
    v = c.add_stream("libx264", rate=fps, options={"preset": "ultrafast",
                                                    "tune": "zerolatency", "forced-idr": "1",
                                                    "x264-params": "keyint=300:scenecut=0"})
    v.width, v.height, v.pix_fmt = 160, 96, "yuv420p"
    v.time_base = v.codec_context.time_base = Fraction(1, 90000)
    for i in range(int(seconds * fps)):
        f = av.VideoFrame.from_ndarray(np.full((96 * 3 // 2, 160), i % 255, np.uint8),
                                       format="yuv420p")
        f.pts, f.time_base = i * 3000, Fraction(1, 90000)
        f.pict_type = av.video.frame.PictureType.I if i % fps == 0 else \
            av.video.frame.PictureType.NONE
        for p in v.encode(f):
            c.mux(p)
    for p in v.encode(None):
        c.mux(p)
    c.close()
    return bytes(sink.data), v.codec_context.extradata


def test_muxer_output_splits_into_200ms_parts_with_keyframes_on_the_second():
    data, extradata = _muxed_fragments()
    sp = FragmentSplitter()
    frags = []
    for i in range(0, len(data), 777):  # arbitrary chunking, as the muxer writes
        frags += sp.feed(data[i:i + 777])
    assert sp.init is not None and sp.tracks[1].kind == "vide"
    assert [round(f.duration, 3) for f in frags] == [0.2] * 10
    assert [round(f.start, 3) for f in frags if f.keyframe] == [0.0, 1.0]
    assert codecs_from_extradata(extradata).startswith("avc1.42")  # ultrafast: baseline


def test_playlist_position_and_blocking_conditions():
    segs = [Segment(msn=n, duration=1.0, uri=f"s{n}.m4s",
                    parts=[Part(0.2, i == 0, f"s{n}.{i}.m4s") for i in range(5)])
            for n in range(4, 7)]
    cur = Segment(msn=7, duration=0.4, uri="s7.m4s",
                  parts=[Part(0.2, True, "s7.0.m4s"), Part(0.2, False, "s7.1.m4s")])
    text = render_media_playlist(target=1.0, part_target=0.2, media_sequence=4,
                                 discontinuity_sequence=0, segments=segs, current=cur,
                                 next_part_uri="s7.2.m4s")
    assert "#EXT-X-MEDIA-SEQUENCE:4" in text
    assert '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s7.2.m4s"' in text
    assert "PART-HOLD-BACK=0.600" in text
    assert position(text) == (7, 1)
    assert satisfied((7, 1), 7, 1) and satisfied((7, 1), 6, None)
    assert not satisfied((7, 1), 7, 2) and not satisfied((7, 1), 7, None)
    # segment 7 complete: a request for its last part is answered now
    assert satisfied((7, -1), 7, 4) and satisfied((7, -1), 7, None)
    assert not satisfied((7, -1), 8, 0)
    ended = render_media_playlist(target=1.0, part_target=0.2, media_sequence=4,
                                  discontinuity_sequence=0, segments=segs, current=None,
                                  next_part_uri=None, ended=True)
    assert ended.rstrip().endswith("#EXT-X-ENDLIST") and "#EXT-X-PART:" not in ended
    assert satisfied(position(ended), 99, 3)
