"""The ladder without servers: rung choice, rotation, playlists (small clips, fast)."""
from __future__ import annotations

import av

from media.hls import Segment, Variant, master_playlist, media_playlist, parse_media_playlist
from media.probe import probe
from media.transcode import plan_ladder, transcode
from tests.support.media import make_clip


def test_ladder_never_upscales_and_follows_the_short_side():
    assert [(r.width, r.height) for r in plan_ladder(1920, 1080)] == \
        [(1280, 720), (854, 480), (426, 240)]
    assert [(r.width, r.height) for r in plan_ladder(1080, 1920)] == \
        [(720, 1280), (480, 854), (240, 426)]  # portrait phone video
    assert [r.name for r in plan_ladder(960, 540)] == ["540p", "480p", "240p"]
    assert [r.name for r in plan_ladder(320, 180)] == ["180p"]
    for w, h in ((640, 360), (1280, 720), (3840, 2160), (200, 120)):
        assert all(r.width <= w and r.height <= h for r in plan_ladder(w, h))


def test_a_sideways_phone_clip_comes_out_upright(tmp_path):
    # Stored 640x360 with a display matrix: the phone was held upright.
    src = make_clip(tmp_path / "phone.mp4", seconds=1, width=640, height=360, fps=10,
                    rotation=90)
    info = probe(src, max_duration=10)
    assert info.rotation in (90, 270) and info.display_size == (360, 640)
    out = tmp_path / "out"
    out.mkdir()
    ladder = transcode(src, out, info, segment_seconds=1, preset="ultrafast")
    assert [(r.rung.width, r.rung.height) for r in ladder.renditions] == [(360, 640),
                                                                           (240, 426)]
    with av.open(str(out / "hls" / "360p" / "index.m3u8")) as c:
        frame = next(c.decode(video=0))
        assert (frame.width, frame.height) == (360, 640)
    with av.open(str(out / "poster.jpg")) as c:
        poster = next(c.decode(video=0))
        assert (poster.width, poster.height) == (360, 640)


def test_playlists_follow_rfc_8216():
    segs = [Segment("a.ts", 4.0), Segment("b.ts", 4.4), Segment("c.ts", 1.2)]
    vod = media_playlist(segs)
    assert vod.startswith("#EXTM3U\n") and "#EXT-X-ENDLIST" in vod
    assert "#EXT-X-TARGETDURATION:4\n" in vod  # 4.4 rounds to 4 (RFC 8216 4.3.3.1)
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod
    assert parse_media_playlist(vod) == segs
    live = media_playlist(segs[1:], endlist=False, media_sequence=41, init_uri="init.mp4")
    assert "#EXT-X-MEDIA-SEQUENCE:41" in live and "ENDLIST" not in live
    assert '#EXT-X-MAP:URI="init.mp4"' in live and "PLAYLIST-TYPE" not in live
    master = master_playlist([Variant("240p/index.m3u8", 400_000, (426, 240), "avc1.42c015"),
                              Variant("720p/index.m3u8", 3_000_000, (1280, 720),
                                      "avc1.64001f,mp4a.40.2")])
    lines = master.splitlines()
    assert lines[2] == "#EXT-X-INDEPENDENT-SEGMENTS"
    assert lines[3] == ('#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,'
                        'CODECS="avc1.64001f,mp4a.40.2"')
    assert lines[4] == "720p/index.m3u8"
