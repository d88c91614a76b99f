"""The VOD ladder: one decode, three H.264/AAC renditions cut into HLS segments, a poster
and a short preview. Synchronous and CPU-bound: run it in a thread (the worker does).

Keyframes are forced at the same presentation times in every rendition (every
`segment_seconds` of source time, IDR, no scene-cut keyframes), and the segmenter cuts at
those keyframes, so renditions switch cleanly at any segment boundary. Rungs never upscale.

Output layout under `out_dir` (uploaded to storage as-is; see media/storage.py):
    hls/master.m3u8, hls/<rung>/index.m3u8, hls/<rung>/seg_00000.ts ..., poster.jpg, preview.mp4
"""
from __future__ import annotations

import csv
import math
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter

from media.hls import Segment, Variant, avc_codec_string, master_playlist, media_playlist, \
    write_atomic
from media.probe import Probe

# (short side, video bits/s, audio bits/s): 720p, 480p, 240p as phones in Egypt watch them.
LADDER = ((720, 2_500_000, 128_000), (480, 1_000_000, 96_000), (240, 300_000, 64_000))
AUDIO_RATE = 48_000


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_bitrate: int
    audio_bitrate: int


@dataclass
class Rendition:
    rung: Rung
    playlist: str  # relative to hls/
    segments: list[Segment]
    bandwidth: int
    average_bandwidth: int
    codecs: str

    def as_dict(self) -> dict:
        return {"name": self.rung.name, "width": self.rung.width, "height": self.rung.height,
                "playlist": self.playlist, "bandwidth": self.bandwidth,
                "average_bandwidth": self.average_bandwidth, "codecs": self.codecs,
                "segments": len(self.segments)}


@dataclass
class Ladder:
    renditions: list[Rendition]
    master: str = "hls/master.m3u8"
    poster: str = "poster.jpg"
    preview: str = "preview.mp4"
    frames: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def plan_ladder(width: int, height: int) -> list[Rung]:
    """Up to three rungs by short side (720/480/240), never taller than the source.

    A source between rungs keeps its own size as the top rung (a 600p phone clip gives
    600p/480p/240p); a source under 240p gives a single rung at its own size."""
    short, long_ = min(width, height), max(width, height)
    picks = [(s, vb, ab) for s, vb, ab in LADDER if s <= short]
    if short < LADDER[0][0] and (not picks or picks[0][0] != short):
        top_vb = int(LADDER[0][1] * (short * long_) / (1280 * 720))
        picks.insert(0, (short, max(200_000, top_vb), 96_000))
    picks = picks[:3]
    rungs = []
    for s, vb, ab in picks:
        scale = s / short
        w, h = _even(width * scale), _even(height * scale)
        rungs.append(Rung(f"{s}p", w, h, vb, ab))
    return rungs


class _Rotator:
    """Turns decoded frames upright (phones store portrait video sideways + a matrix)."""

    FILTERS = {90: [("transpose", "clock")], 270: [("transpose", "cclock")],
               180: [("hflip", ""), ("vflip", "")]}

    def __init__(self, stream, rotation: int):
        self.graph = None
        if rotation not in self.FILTERS:
            return
        g = av.filter.Graph()
        node = src = g.add_buffer(template=stream)
        for name, arg in self.FILTERS[rotation]:
            nxt = g.add(name, arg) if arg else g.add(name)
            node.link_to(nxt)
            node = nxt
        node.link_to(g.add("buffersink"))
        g.configure()
        self.graph = g

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        if self.graph is None:
            return frame
        self.graph.push(frame)
        return self.graph.pull()


class _RungOutput:
    def __init__(self, rung: Rung, out_dir: Path, in_video, has_audio: bool, fps: Fraction,
                 segment_seconds: float, preset: str):
        self.rung = rung
        self.dir = out_dir / "hls" / rung.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.list_path = self.dir / "segments.csv"
        self.out = av.open(str(self.dir / "seg_%05d.ts"), "w", format="segment", options={
            "segment_time": f"{segment_seconds:g}", "segment_format": "mpegts",
            "segment_list": str(self.list_path), "segment_list_type": "csv",
            "segment_time_delta": "0.05", "reset_timestamps": "0"})
        v = self.out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = rung.width, rung.height, "yuv420p"
        v.codec_context.time_base = in_video.time_base
        # x264 frame threads (PyAV defaults encoders to slice threads: less parallel, and
        # each slice costs bits).
        v.codec_context.thread_type = "FRAME"
        v.bit_rate = rung.video_bitrate
        keyint = max(1, int(math.ceil(segment_seconds * float(fps)))) * 2
        peak = int(rung.video_bitrate * 1.5)
        v.options = {"preset": preset, "forced-idr": "1", "x264-params":
                     f"keyint={keyint}:min-keyint={keyint}:scenecut=0:"
                     f"vbv-maxrate={peak // 1000}:vbv-bufsize={peak * 2 // 1000}"}
        self.video = v
        self.audio = None
        if has_audio:
            a = self.out.add_stream("aac", rate=AUDIO_RATE)
            a.layout = "stereo"
            a.bit_rate = rung.audio_bitrate
            self.audio = a
        self.first_key: bytes | None = None
        # One scaler for the whole clip: `frame.reformat()` builds (and tears down) a new
        # swscale context and its thread pool on every call, which cost more than scaling.
        self.scaler = VideoReformatter()

    def _mux(self, packets) -> None:
        for p in packets:
            if self.first_key is None and p.stream.type == "video" and p.is_keyframe:
                self.first_key = bytes(p)
            self.out.mux(p)

    def video_frame(self, frame: av.VideoFrame, key: bool) -> av.VideoFrame:
        """Encode `frame` scaled to this rung; returns the scaled frame (the next, smaller
        rung scales from it: cheaper than scaling every rung from a 1080p source)."""
        f = self.scaler.reformat(frame, width=self.rung.width, height=self.rung.height,
                                 format="yuv420p", interpolation="BILINEAR")
        f.pts, f.time_base = frame.pts, frame.time_base
        f.pict_type = PictureType.I if key else PictureType.NONE
        self._mux(self.video.encode(f))
        return f

    def audio_frame(self, frame: av.AudioFrame) -> None:
        if self.audio is not None:
            self._mux(self.audio.encode(frame))

    def close(self) -> Rendition:
        self._mux(self.video.encode(None))
        if self.audio is not None:
            self._mux(self.audio.encode(None))
        self.out.close()
        segments, total_bytes, peak = [], 0, 0
        with open(self.list_path) as fh:
            for name, start, end in csv.reader(fh):
                dur = max(0.001, float(end) - float(start))
                size = (self.dir / name).stat().st_size
                total_bytes += size
                peak = max(peak, int(size * 8 / max(dur, 0.5)))
                segments.append(Segment(name, dur))
        self.list_path.unlink()
        write_atomic(self.dir / "index.m3u8", media_playlist(segments))
        seconds = sum(s.duration for s in segments) or 1.0
        codecs = (avc_codec_string(self.first_key or b"")
                  or avc_codec_string(bytes(self.video.codec_context.extradata or b""))
                  or "avc1.640028")
        if self.audio is not None:
            codecs += ",mp4a.40.2"
        return Rendition(self.rung, f"{self.rung.name}/index.m3u8", segments,
                         bandwidth=max(peak, 1), average_bandwidth=int(total_bytes * 8 / seconds),
                         codecs=codecs)


def _write_poster(frame: av.VideoFrame, path: Path, width: int, height: int) -> None:
    with av.open(str(path), "w", format="image2") as out:
        s = out.add_stream("mjpeg", rate=1)
        s.width, s.height, s.pix_fmt = width, height, "yuvj420p"
        f = frame.reformat(width=width, height=height, format="yuvj420p")
        f.pts = 0
        for p in s.encode(f):
            out.mux(p)
        for p in s.encode(None):
            out.mux(p)


class _Preview:
    """The first seconds, small and silent: what a feed autoplays before the viewer taps."""

    def __init__(self, path: Path, rung: Rung, in_video, fps: Fraction, preset: str):
        self.out = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        v = self.out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = rung.width, rung.height, "yuv420p"
        v.codec_context.time_base = in_video.time_base
        v.bit_rate = rung.video_bitrate
        v.options = {"preset": preset}
        self.rung, self.video = rung, v
        self.scaler = VideoReformatter()
        self.closed = False

    def frame(self, frame: av.VideoFrame) -> None:
        f = self.scaler.reformat(frame, width=self.rung.width, height=self.rung.height,
                                 format="yuv420p")
        f.pts, f.time_base = frame.pts, frame.time_base
        for p in self.video.encode(f):
            self.out.mux(p)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for p in self.video.encode(None):
            self.out.mux(p)
        self.out.close()


class _RungWorker(threading.Thread):
    """One rung's scaling, encoding and muxing in its own thread, fed by a bounded queue.

    Rungs form a cascade: each passes its scaled frames (and the audio) to the next, smaller
    rung, so one decode feeds three encoders that run in parallel (PyAV releases the GIL in
    swscale, x264 and the AAC encoder). The last rung also feeds the preview."""

    def __init__(self, out: _RungOutput, nxt: "_RungWorker | None",
                 preview: "_Preview | None"):
        super().__init__(name=f"ladder-{out.rung.name}", daemon=True)
        self.out, self.next, self.preview = out, nxt, preview
        self.q: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None

    def put(self, item) -> None:
        """Hand over an item; raises the worker's error if it died (never blocks forever)."""
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.q.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.is_alive():
                    raise self.error or RuntimeError(f"{self.name} stopped")

    def run(self) -> None:
        try:
            while (item := self.q.get()) is not None:
                if item[0] == "v":
                    _, frame, key, in_preview = item
                    scaled = self.out.video_frame(frame, key)
                    if self.preview is not None:
                        if in_preview:
                            self.preview.frame(scaled)
                        else:
                            self.preview.close()
                    item = ("v", scaled, key, in_preview)
                else:
                    self.out.audio_frame(item[1])
                if self.next is not None:
                    self.next.put(item)
            if self.preview is not None:
                self.preview.close()
        except BaseException as exc:  # re-raised in the decoding thread
            self.error = exc
        finally:
            if self.next is not None:
                try:
                    self.next.put(None)
                except BaseException:
                    pass


def transcode(src: Path | str, out_dir: Path | str, probe: Probe, *, segment_seconds: float = 4.0,
              preset: str = "superfast", poster_at: float = 1.0, preview_seconds: float = 3.0,
              progress: Callable[[float], None] | None = None,
              frame_delay: float = 0.0) -> Ladder:
    """Decode `src` once and write the whole ladder under `out_dir` (which must be empty)."""
    out_dir = Path(out_dir)
    started = time.monotonic()
    width, height = probe.display_size
    rungs = plan_ladder(width, height)
    with av.open(str(src)) as inp:
        in_v = inp.streams.video[0]
        in_v.thread_type = "AUTO"
        in_a = inp.streams.audio[0] if inp.streams.audio else None
        rate = in_v.average_rate or in_v.guessed_rate or Fraction(30)
        fps = Fraction(rate).limit_denominator(1001)
        outs = [_RungOutput(r, out_dir, in_v, in_a is not None, fps, segment_seconds, preset)
                for r in rungs]
        preview = _Preview(out_dir / "preview.mp4", rungs[-1], in_v, fps, preset)
        workers: list[_RungWorker] = []
        for o in reversed(outs):  # smallest first, so each knows the next
            workers.insert(0, _RungWorker(o, workers[0] if workers else None,
                                          None if workers else preview))
        for w in workers:
            w.start()
        rotate = _Rotator(in_v, probe.rotation)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE) \
            if in_a is not None else None
        poster_done = False
        next_key, t0, frames, last_frame = None, None, 0, None
        streams = [s for s in (in_v, in_a) if s is not None]
        try:
            for packet in inp.demux(*streams):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    continue  # one damaged packet; the decoder recovers at the next keyframe
                for frame in decoded:
                    if isinstance(frame, av.AudioFrame):
                        for rf in resampler.resample(frame):
                            workers[0].put(("a", rf))
                        continue
                    if frame.pts is None:
                        continue
                    frame = rotate(frame)
                    t = float(frame.pts * frame.time_base)
                    if t0 is None:
                        t0, next_key = t, t
                    key = t >= next_key - 1e-3
                    if key:
                        while next_key <= t + 1e-3:
                            next_key += segment_seconds
                    workers[0].put(("v", frame, key, t - t0 < preview_seconds))
                    if not poster_done and t - t0 >= min(poster_at, probe.duration / 2):
                        _write_poster(frame, out_dir / "poster.jpg", rungs[0].width,
                                      rungs[0].height)
                        poster_done = True
                    last_frame = frame
                    frames += 1
                    if progress is not None:
                        progress(min(1.0, (t - t0) / max(probe.duration, 0.001)))
                    if frame_delay:
                        time.sleep(frame_delay)
            if resampler is not None:
                for rf in resampler.resample(None):
                    workers[0].put(("a", rf))
        finally:
            try:
                workers[0].put(None)
            finally:
                for w in workers:
                    w.join()
        for w in workers:
            if w.error is not None:
                raise w.error
        if frames == 0:
            raise ValueError("no video frames decoded")
        if not poster_done:
            _write_poster(last_frame, out_dir / "poster.jpg", rungs[0].width, rungs[0].height)
        renditions = [o.close() for o in outs]
    variants = [Variant(r.playlist, bandwidth=r.bandwidth, average_bandwidth=r.average_bandwidth,
                        resolution=(r.rung.width, r.rung.height), codecs=r.codecs,
                        frame_rate=float(fps), name=r.rung.name) for r in renditions]
    write_atomic(out_dir / "hls" / "master.m3u8", master_playlist(variants))
    return Ladder(renditions, frames=frames, seconds=time.monotonic() - started)


def ladder_summary(ladder: Ladder) -> list[dict]:
    return [r.as_dict() for r in ladder.renditions]


__all__ = ["LADDER", "Ladder", "Rendition", "Rung", "plan_ladder", "transcode", "asdict"]
