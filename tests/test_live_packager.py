"""The live packager without WebRTC or a server: frames in, LL-HLS files out."""
from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction

import av
import numpy as np

from media.live_hls import LivePipeline, PipelineConfig, close_orphaned_recording, parse_ladder


def _pipeline(out, **kw) -> LivePipeline:
    cfg = PipelineConfig(ladder=parse_ladder("180:250"), segment_seconds=1.0, window=2)
    cfg.queue_size = 100_000  # pushed faster than real time: keep every frame
    return LivePipeline(out, cfg, **kw)


def _feed(p: LivePipeline, seconds: float, fps: int = 30) -> None:
    img = np.zeros((270, 320), np.uint8)  # 320x180 yuv420p
    for i in range(int(seconds * fps)):
        img[:180, (i * 4) % 300:(i * 4) % 300 + 20] = 200
        f = av.VideoFrame.from_ndarray(img, format="yuv420p")
        f.pts, f.time_base = i * 3000, Fraction(1, 90000)
        p.push_video(f)


def _pdt(text: str) -> float:
    m = re.search(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", text)
    return datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()


def test_program_date_time_follows_the_sliding_window(tmp_path):
    p = _pipeline(tmp_path)
    _feed(p, 5.5)
    p.stop(suspend=True)  # the playlist stays live
    text = (tmp_path / "180p" / "index.m3u8").read_text()
    seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    assert seq >= 3
    # The first segment of the window starts `seq` seconds of media after the first frame.
    assert abs(_pdt(text) - (p.t0_wall + seq)) < 0.05


def test_a_suspended_stream_resumes_into_the_same_playlists_and_recording(tmp_path):
    first = _pipeline(tmp_path)
    _feed(first, 2.5)
    first.stop(suspend=True)
    live = (tmp_path / "180p" / "index.m3u8").read_text()
    assert "#EXT-X-ENDLIST" not in live and "#EXT-X-PRELOAD-HINT" in live
    assert "#EXT-X-ENDLIST" not in (tmp_path / "180p" / "vod.m3u8").read_text()
    made_before = sorted(re.findall(r"^(s\d+)\.m4s$", live, re.M))

    again = _pipeline(tmp_path, resume=True)  # (another process would do the same)
    _feed(again, 2.5)
    again.stop()
    vod = (tmp_path / "180p" / "vod.m3u8").read_text()
    uris = re.findall(r"^s(\d+)\.m4s$", vod, re.M)
    assert [int(u) for u in uris] == list(range(len(uris)))  # one numbering, no reuse
    assert len(uris) > len(made_before) + 1
    before, after = vod.split("#EXT-X-DISCONTINUITY\n")
    assert '#EXT-X-MAP:URI="init.mp4"' in before and after.startswith(
        '#EXT-X-MAP:URI="init1.mp4"')
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod and vod.endswith("#EXT-X-ENDLIST\n")
    assert not (tmp_path / "state.json").exists()
    with av.open(str(tmp_path / "180p" / "vod.m3u8")) as c:
        frames = sum(1 for _ in c.decode(video=0))
    assert frames >= 140  # both halves play (5 s at 30 fps, less the cut at the drop)


def test_a_stream_that_never_resumes_is_closed_by_whoever_ends_it(tmp_path):
    p = _pipeline(tmp_path)
    _feed(p, 2.5)
    p.stop(suspend=True)
    assert close_orphaned_recording(tmp_path)
    live = (tmp_path / "180p" / "index.m3u8").read_text()
    assert live.endswith("#EXT-X-ENDLIST\n") and "PRELOAD-HINT" not in live
    assert "CAN-BLOCK-RELOAD" not in live
    vod = (tmp_path / "180p" / "vod.m3u8").read_text()
    assert vod.endswith("#EXT-X-ENDLIST\n") and "#EXT-X-PLAYLIST-TYPE:VOD" in vod
    assert (tmp_path / "vod.m3u8").read_text().count("180p/vod.m3u8") == 1


def test_every_preload_hint_names_a_part_that_then_exists(tmp_path, monkeypatch):
    """A player fetches the hinted part at once: a hint for a part that never comes (the
    segment was cut at the keyframe instead) would stall it until the request times out."""
    import media.live_rendition as live_hls

    written: list[tuple[str, bytes]] = []
    real = live_hls._atomic_write

    def recording_write(path, data):
        written.append((path.name, data))
        real(path, data)

    monkeypatch.setattr(live_hls, "_atomic_write", recording_write)
    p = _pipeline(tmp_path)
    _feed(p, 4.5)
    p.stop()
    parts = {name for name, _ in written if re.fullmatch(r"s\d+\.\d+\.m4s", name)}
    hints = {m for name, data in written if name == "index.m3u8"
             for m in re.findall(r'PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', data.decode())}
    last = max(int(n) for n in re.findall(r"^s(\d+)\.m4s$",
                                          (tmp_path / "180p" / "vod.m3u8").read_text(), re.M))
    assert len(parts) >= 20 and hints
    # (only the end of the stream, which cuts its last segment, leaves a hint unanswered)
    missing = sorted(h for h in hints - parts if int(h[1:].split(".")[0]) < last)
    assert not missing


def _feed_at(p: LivePipeline, times: list[float]) -> None:
    img = np.zeros((270, 320), np.uint8)
    for i, t in enumerate(times):
        img[:180, (i * 4) % 300:(i * 4) % 300 + 20] = 200
        f = av.VideoFrame.from_ndarray(img, format="yuv420p")
        f.pts, f.time_base = int(round(t * 90000)), Fraction(1, 90000)
        p.push_video(f)


def test_segments_keep_the_target_duration_when_frames_land_just_before_a_boundary(tmp_path):
    # A camera's frames drift: here every frame after the first is half a millisecond early,
    # so the boundary frames arrive at 0.9995 s, 1.9995 s, ...
    p = _pipeline(tmp_path)
    _feed_at(p, [0.0] + [i / 30 - 0.0005 for i in range(1, 30 * 6)])
    p.stop()
    vod = (tmp_path / "180p" / "vod.m3u8").read_text()
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", vod)]
    assert len(durations) >= 5
    for d in durations[:-1]:  # the last one is cut by the end
        assert abs(d - 1.0) <= 0.1, durations


def test_master_frame_rate_is_the_measured_rate(tmp_path):
    p = _pipeline(tmp_path)
    _feed_at(p, [i / 25 for i in range(25 * 3)])
    p.stop()
    master = (tmp_path / "vod.m3u8").read_text()
    rate = float(re.search(r"FRAME-RATE=([\d.]+)", master).group(1))
    assert abs(rate - 25) < 0.5, master


def _settle(p: LivePipeline) -> None:
    """Wait (bounded) until the worker has packaged every frame pushed so far."""
    import time
    deadline = time.monotonic() + 20
    while p.frames_done < p.frames_in and time.monotonic() < deadline:
        time.sleep(0.005)
    assert p.frames_done == p.frames_in


def _listed_parts(out) -> list[str]:
    return re.findall(r'#EXT-X-PART:.*URI="([^"]+)"', (out / "180p" / "index.m3u8").read_text())


def test_a_part_is_listed_once_the_first_frame_after_it_is_encoded(tmp_path):
    """A viewer at the live edge waits for each part: the muxer used to hold it two to
    three frames longer (its interleaving queue waited for the stand-in audio)."""
    p = _pipeline(tmp_path)
    p.set_sources(video=True, audio=False)  # a screen share or a canvas: video only
    _feed(p, 0.2 + 1 / 30 + 0.001)  # frames 0-5 are part 0; frame 6 (0.2 s) starts part 1
    _settle(p)
    try:
        assert _listed_parts(tmp_path) == ["s0.0.m4s"]
    finally:
        p.stop()


def test_a_part_does_not_wait_for_late_webrtc_audio(tmp_path):
    """WebRTC audio reaches the packager later than the video (aiortc's audio jitter buffer
    alone holds 80 ms); the part was held until the audio passed its end (up to 100 ms).
    Now only the next video frame is needed."""
    import time
    p = _pipeline(tmp_path)
    img = np.zeros((270, 320), np.uint8)

    def video(n):
        f = av.VideoFrame.from_ndarray(img, format="yuv420p")
        f.pts, f.time_base = n * 3000, Fraction(1, 90000)
        p.push_video(f)

    video(0)
    time.sleep(0.1)  # the first audio arrives 100 ms after the first video frame
    for k in range(5):  # 100 ms of audio: it is on the media timeline from 0.1 s on
        f = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.int16), format="s16",
                                       layout="mono")
        f.sample_rate, f.pts, f.time_base = 48000, k * 960, Fraction(1, 48000)
        p.push_audio(f)
    for n in range(1, 8):  # video to 0.233 s: part 0 (0-0.2 s) is complete
        video(n)
    _settle(p)
    try:
        assert _listed_parts(tmp_path) == ["s0.0.m4s"]
    finally:
        p.stop()
