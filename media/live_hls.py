"""The live packager: decoded WebRTC frames in, an LL-HLS ladder of fMP4/CMAF files out.

One `LivePipeline` per stream. The event loop only timestamps frames and drops them into a
bounded queue (`push_video` / `push_audio` never block; a full queue drops the frame and
counts it). One worker thread per stream scales each frame to the fixed rung sizes,
encodes H.264 (libx264, ultrafast/zerolatency) and AAC with PyAV, and muxes each rung into a
fragmented MP4 whose ~200 ms fragments are the LL-HLS parts. Keyframes are forced by media
time (every `segment_seconds` from the first frame) on the same source frame for every rung,
so segment boundaries line up across renditions.

Files, under `out_dir` (MEDIA_ROOT/live/<stream id>):
  master.m3u8          written once every rung has its first complete segment
  <rung>/index.m3u8    sliding-window LL-HLS playlist (parts, preload hint, server control)
  <rung>/init.mp4      the init segment (ftyp+moov); init<N>.mp4 after the N-th resume
  <rung>/s<N>.m4s      segment N (kept: the recording)
  <rung>/s<N>.<P>.m4s  part P of segment N (deleted once out of the part window)
  <rung>/vod.m3u8      the recording; ENDLIST when the stream ends
  vod.m3u8             master playlist of the recording
  state.json           where the packager stopped when its publisher dropped (see below)
Disk use is the recording plus the parts of the last few segments.

Resume: when the publisher drops, the pipeline is stopped with `suspend=True`: encoders are
flushed, the open segment is closed, the playlists stay live (no ENDLIST) and state.json
records rungs, sequence numbers and the live window. A new `LivePipeline(resume=True)` —
in this process or any other one that shares MEDIA_ROOT — continues the same playlists:
same rungs, next media sequence numbers, an EXT-X-DISCONTINUITY and a new init segment.
"""
from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import structlog
from av.video.reformatter import VideoReformatter

from media.llhls import (FragmentSplitter, Part, Segment, Variant, codecs_from_extradata,
                         end_live_playlist, finish_vod, render_master, render_media_playlist,
                         render_vod_header, render_vod_segment)

log = structlog.get_logger("live_hls")
VIDEO_TB = Fraction(1, 90000)
AUDIO_RATE = 48000


@dataclass(frozen=True)
class Rung:
    height: int
    bitrate: int  # bits per second

    @property
    def name(self) -> str:
        return f"{self.height}p"


def parse_ladder(spec: str) -> list[Rung]:
    """"720:2500,360:800" -> rungs (height:kbps), highest first."""
    rungs = []
    for item in spec.split(","):
        h, _, kbps = item.strip().partition(":")
        rungs.append(Rung(int(h), int(kbps or max(200, int(h) * 3)) * 1000))
    return sorted(rungs, key=lambda r: -r.height)


@dataclass
class PipelineConfig:
    ladder: list[Rung] = field(default_factory=lambda: parse_ladder(
        os.environ.get("LIVE_LADDER", "720:2500,360:800")))
    segment_seconds: float = field(
        default_factory=lambda: float(os.environ.get("LIVE_SEGMENT_SECONDS", "1.0")))
    part_seconds: float = field(
        default_factory=lambda: float(os.environ.get("LIVE_PART_SECONDS", "0.2")))
    window: int = 6  # segments in the live playlist
    part_window: int = 3  # segments that still list their parts
    fps: int = 30
    preset: str = field(default_factory=lambda: os.environ.get("LIVE_X264_PRESET", "ultrafast"))
    queue_size: int = 48  # ~0.6 s of audio+video: a late frame is worth less than a drop
    x264_threads: int = field(
        default_factory=lambda: int(os.environ.get("LIVE_X264_THREADS", "1")))


def choose_rungs(ladder: list[Rung], src_w: int, src_h: int,
                 declared_height: int | None = None) -> list[tuple[Rung, int, int]]:
    """Rungs at or below the source (or the declared source height), with even widths kept
    at the source aspect ratio. Browsers start low and ramp up, so a declared height lets the
    ladder be chosen for what the publisher will send; the smallest rung is always kept."""
    top = max(src_h, declared_height or 0)
    chosen = [r for r in ladder if r.height <= top] or [ladder[-1]]
    aspect = src_w / src_h if src_h else 16 / 9
    return [(r, max(2, int(round(r.height * aspect / 2)) * 2), r.height) for r in chosen]


class _Sink:
    """File-like target of the mp4 muxer; the packager takes what was written."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, b) -> int:
        self.chunks.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


Notify = Callable[[str, tuple[int, int]], None]


class RenditionWriter:
    """One rung: encoders, the fMP4 muxer, segments/parts on disk, its playlists.

    Used only by the pipeline's worker thread.
    """

    def __init__(self, root: Path, rung: Rung, width: int, height: int, cfg: PipelineConfig,
                 t0_wall: float, notify: Notify, *, epoch: int = 0,
                 restore: dict | None = None):
        self.rung, self.width, self.height, self.cfg = rung, width, height, cfg
        self.init_uri = "init.mp4" if epoch == 0 else f"init{epoch}.mp4"
        # One scaler for the stream: `frame.reformat()` builds a new swscale context (and
        # its thread pool) on every call.
        self.scaler = VideoReformatter()
        self.dir = root / rung.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.t0_wall = t0_wall
        self.notify = notify
        self.sink = _Sink()
        self.container = av.open(self.sink, "w", format="mp4", options={
            "movflags": "empty_moov+default_base_moof+frag_keyframe+cmaf",
            "frag_duration": str(int(cfg.part_seconds * 1_000_000)),
            "max_interleave_delta": "100000"})
        v = self.container.add_stream("libx264", rate=cfg.fps, options={
            "preset": cfg.preset, "tune": "zerolatency", "forced-idr": "1",
            "x264-params": f"keyint={cfg.fps * 10}:min-keyint={cfg.fps * 10}:scenecut=0",
            "profile": "high" if cfg.preset not in ("ultrafast",) else "baseline",
            "maxrate": str(int(rung.bitrate * 1.2)), "bufsize": str(rung.bitrate)})
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        v.bit_rate = rung.bitrate
        v.time_base = VIDEO_TB
        v.codec_context.time_base = VIDEO_TB
        v.codec_context.thread_count = cfg.x264_threads
        a = self.container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        a.bit_rate = 96_000 if height <= 360 else 128_000
        a.time_base = Fraction(1, AUDIO_RATE)
        self.v, self.a = v, a
        self.splitter = FragmentSplitter()
        self.segments: list[Segment] = []  # complete, in the live window
        self.recording: list[Segment] = []  # every complete segment (the VOD)
        self.current: Segment | None = None
        self.msn = 0
        self._recorded_before = 0  # segments recorded before a resume (not in `recording`)
        self.media_sequence = 0
        self.discontinuity_sequence = 0
        self.pending_discontinuity = False
        self.first_segment_bytes = 0
        self.first_segment_duration = 0.0
        self._cur_bytes: list[bytes] = []
        self._last_pts = -1
        self.closed = False
        self._v0: float | None = None  # media time of the first video frame
        self._frag0: float | None = None  # decode time of the first fragment
        self._key_at: float | None = None  # media time of a forced keyframe not yet cut
        self._seg_v: tuple[float, float] | None = None
        self._vod_map: str | None = None  # init segment in force at the recording's end
        if restore is not None:
            self._restore(restore)

    # ---- resume (see the module docstring)
    def saved(self) -> dict:
        return {"height": self.rung.height, "bitrate": self.rung.bitrate, "width": self.width,
                "out_height": self.height, "msn": self.msn,
                "media_sequence": self.media_sequence,
                "discontinuity_sequence": self.discontinuity_sequence,
                "segments": [s.as_dict() for s in self.segments],
                "recording": len(self.recording) + self._recorded_before,
                "vod_map": self._vod_map, "first_segment_bytes": self.first_segment_bytes,
                "first_segment_duration": self.first_segment_duration}

    def _restore(self, d: dict) -> None:
        self.msn, self.media_sequence = d["msn"], d["media_sequence"]
        self.discontinuity_sequence = d["discontinuity_sequence"]
        self.segments = [Segment.from_dict(x) for x in d["segments"]]
        self.recording = list(self.segments)  # (only the window: its parts get deleted)
        self._recorded_before = d["recording"] - len(self.recording)
        self._vod_map = d["vod_map"]
        self.first_segment_bytes = d["first_segment_bytes"]
        self.first_segment_duration = d["first_segment_duration"]
        self.pending_discontinuity = True

    # ---- encoding (worker thread)
    def encode_video(self, frame: av.VideoFrame, t: float, key: bool) -> av.VideoFrame:
        """Scale, encode, mux; returns the scaled frame (the next, smaller rung scales from
        it: cheaper than scaling every rung from the source)."""
        pts = int(round(t * VIDEO_TB.denominator))
        if pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        out = self.scaler.reformat(frame, width=self.width, height=self.height,
                                   format="yuv420p")
        out.pts, out.time_base = pts, VIDEO_TB
        out.pict_type = av.video.frame.PictureType.I if key else av.video.frame.PictureType.NONE
        if self._v0 is None:
            self._v0 = t
        if key and t > self._v0:
            self._key_at = t - self._v0
        for pkt in self.v.encode(out):
            self.container.mux(pkt)
        self._drain()
        return out

    def encode_audio(self, frame: av.AudioFrame) -> None:
        for pkt in self.a.encode(frame):
            self.container.mux(pkt)
        self._drain()

    def close(self, *, suspend: bool = False) -> None:
        """Flush and close. suspend: the publisher may come back, so the playlists stay live
        (a resumed pipeline continues them); otherwise the stream ended."""
        if self.closed:
            return
        self.closed = True
        try:
            for pkt in self.v.encode(None):
                self.container.mux(pkt)
            for pkt in self.a.encode(None):
                self.container.mux(pkt)
            self.container.close()
        except Exception:
            log.exception("rendition_close_failed", rung=self.rung.name)
        self._drain()
        self._finish_segment()
        if suspend:
            self._write_live_playlist()
            return
        self._write_live_playlist(ended=True)
        vod = self.dir / "vod.m3u8"
        if vod.exists():
            _atomic_write(vod, finish_vod(vod.read_text()).encode())
        for seg in self.recording:  # parts are not part of the recording
            self._delete_parts(seg)

    # ---- packaging
    def _drain(self) -> None:
        data = self.sink.take()
        if not data:
            return
        was_init = self.splitter.init is not None
        frags = self.splitter.feed(data)
        if not was_init and self.splitter.init is not None:
            _atomic_write(self.dir / self.init_uri, self.splitter.init)
        for frag in frags:
            self._add_fragment(frag)

    def _add_fragment(self, frag) -> None:
        if frag.keyframe and self.current is not None and self._seg_v is not None:
            self._finish_segment()  # (a segment holding only audio so far keeps going)
        if self._frag0 is None and frag.has_video:
            self._frag0 = frag.start
        if self.current is None:
            frag0 = frag.start if self._frag0 is None else self._frag0  # (0.0 is a start)
            media_t = (self._v0 or 0.0) + frag.start - frag0
            self._seg_v = None  # (first video start, last video end) of this segment
            self.current = Segment(msn=self.msn, duration=0.0, uri=f"s{self.msn}.m4s",
                                   discontinuity=self.pending_discontinuity,
                                   program_time=self.t0_wall + media_t,
                                   map_uri=self.init_uri)
            self.pending_discontinuity = False
            self._cur_bytes = []
        idx = len(self.current.parts)
        uri = f"s{self.current.msn}.{idx}.m4s"
        _atomic_write(self.dir / uri, frag.data)
        self._cur_bytes.append(frag.data)
        self.current.parts.append(Part(frag.duration, frag.keyframe, uri))
        if frag.has_video:
            v0 = self._seg_v[0] if self._seg_v else frag.start
            self._seg_v = (v0, frag.start + frag.duration)
            # EXTINF from video decode times; audio-only fragments add nothing to it.
            self.current.duration = self._seg_v[1] - self._seg_v[0]
        if frag.has_video and self._key_at is not None:
            # The muxer cuts a fragment right before a forced keyframe: the fragment that
            # ends there completes the segment (no need to wait ~1 part for the keyframe's
            # own fragment). Closing it before the playlist is written means the preload
            # hint never names a part of this segment that will not exist.
            end = frag.start - self._frag0 + frag.duration
            if abs(end - self._key_at) < 0.005:
                self._key_at = None
                self._finish_segment()
                return
            if end > self._key_at:  # the keyframe's own fragment is out: already cut
                self._key_at = None
        self._write_live_playlist()
        self.notify(self.rung.name, (self.current.msn, idx))

    def _finish_segment(self) -> None:
        seg = self.current
        if seg is None or not seg.parts or self._seg_v is None:
            return
        data = b"".join(self._cur_bytes)
        _atomic_write(self.dir / seg.uri, data)
        if not self.recording and not self.first_segment_bytes:
            self.first_segment_bytes, self.first_segment_duration = len(data), seg.duration
        self.segments.append(seg)
        self.recording.append(seg)
        self.current, self._cur_bytes = None, []
        self.msn += 1
        while len(self.segments) > self.cfg.window:
            old = self.segments.pop(0)
            self.media_sequence += 1
            if old.discontinuity:
                self.discontinuity_sequence += 1
        for old in self.recording[-(self.cfg.part_window + 2):-(self.cfg.part_window + 1)]:
            self._delete_parts(old)
        self._append_vod(seg)
        self._write_live_playlist()
        self.notify(self.rung.name, (seg.msn, -1))

    def _delete_parts(self, seg: Segment) -> None:
        for p in seg.parts:
            try:
                os.unlink(self.dir / p.uri)
            except FileNotFoundError:
                pass

    def _write_live_playlist(self, ended: bool = False) -> None:
        nxt = None
        if self.current is not None:
            nxt = f"s{self.current.msn}.{len(self.current.parts)}.m4s"
        elif not ended:
            nxt = f"s{self.msn}.0.m4s"
        text = render_media_playlist(
            target=self.cfg.segment_seconds, part_target=self.cfg.part_seconds,
            media_sequence=self.media_sequence,
            discontinuity_sequence=self.discontinuity_sequence, segments=self.segments,
            current=self.current, next_part_uri=nxt, part_window=self.cfg.part_window,
            ended=ended)
        _atomic_write(self.dir / "index.m3u8", text.encode())

    def _append_vod(self, seg: Segment) -> None:
        """The recording grows segment by segment (appended, so a process that dies leaves
        a recording another process can close, and a resumed stream keeps adding to it);
        finish_vod() makes it a VOD when the stream ends."""
        with open(self.dir / "vod.m3u8", "a") as f:
            if self._vod_map is None:
                f.write(render_vod_header(self.cfg.segment_seconds, seg.map_uri))
                f.write(render_vod_segment(seg, True))
            else:
                f.write(render_vod_segment(seg, False, self._vod_map))
        self._vod_map = seg.map_uri

    @property
    def codecs(self) -> str:
        return codecs_from_extradata(self.v.codec_context.extradata)

    def variant(self, vod: bool = False) -> Variant:
        measured = int(self.first_segment_bytes * 8 / max(self.first_segment_duration, 0.1))
        return Variant(uri=f"{self.rung.name}/{'vod' if vod else 'index'}.m3u8",
                       bandwidth=max(measured, self.rung.bitrate), width=self.width,
                       height=self.height, codecs=self.codecs, frame_rate=float(self.cfg.fps))


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def close_orphaned_recording(out_dir: Path) -> bool:
    """End a stream's files when no packager will: the process died, or the publisher did
    not come back. Recordings get ENDLIST, live playlists too. True if a recording exists."""
    found = False
    for vod in out_dir.glob("*/vod.m3u8"):
        _atomic_write(vod, finish_vod(vod.read_text()).encode())
        found = True
    for index in out_dir.glob("*/index.m3u8"):
        _atomic_write(index, end_live_playlist(index.read_text()).encode())
    if found and not (out_dir / "vod.m3u8").exists() and (out_dir / "master.m3u8").exists():
        master = (out_dir / "master.m3u8").read_text().replace("/index.m3u8", "/vod.m3u8")
        _atomic_write(out_dir / "vod.m3u8", master.encode())
    try:
        os.unlink(out_dir / STATE_FILE)
    except FileNotFoundError:
        pass
    return found


STATE_FILE = "state.json"
_STOP = object()


class LivePipeline:
    """Frames in (event loop), LL-HLS out (worker thread). See the module docstring."""

    def __init__(self, out_dir: Path, cfg: PipelineConfig | None = None, *,
                 declared_height: int | None = None,
                 on_progress: Callable[[str, tuple[int, int]], None] | None = None,
                 on_master: Callable[[], None] | None = None, resume: bool = False):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg or PipelineConfig()
        self.declared_height = declared_height
        self.on_progress = on_progress  # called in the worker thread
        self.on_master = on_master  # called in the worker thread
        self.q: queue.Queue = queue.Queue(maxsize=self.cfg.queue_size)
        self.dropped = 0
        self.frames_in = 0
        self.writers: list[RenditionWriter] = []
        self.master_written = False
        self.t0_wall: float | None = None
        self.first_media_at: float | None = None  # wall time the first frame arrived
        self.master_at: float | None = None
        self.positions: dict[str, tuple[int, int]] = {}
        self._anchors: dict[str, tuple[int, float]] = {}  # kind -> (first pts, offset s)
        self._last_t: dict[str, float] = {}
        self._discontinuity = False
        self._suspend = False
        # A resumed stream continues the saved timeline (media time since t0_wall) after
        # the last media time it wrote, with the saved rungs.
        self.resumed: dict | None = None
        if resume and (self.out_dir / STATE_FILE).exists():
            self.resumed = json.loads((self.out_dir / STATE_FILE).read_text())
            self.t0_wall = self.resumed["t0_wall"]
            self.master_written = self.resumed["master_written"]
            self._last_t = {"v": self.resumed["last_t"], "a": self.resumed["last_t"]}
        self._thread = threading.Thread(target=self._run, name=f"live-{self.out_dir.name}",
                                        daemon=True)
        self._thread.start()
        self.encode_seconds = 0.0  # worker thread CPU time spent, for benchmarks

    # ---- event-loop side: cheap and never blocking
    def new_source(self) -> None:
        """A (re)connected publisher: new timestamp anchors; later media is a discontinuity."""
        if self._anchors:
            self._discontinuity = True
        self._anchors = {}

    def push_video(self, frame: av.VideoFrame) -> None:
        self._push("v", frame)

    def push_audio(self, frame: av.AudioFrame) -> None:
        self._push("a", frame)

    def _push(self, kind: str, frame) -> None:
        now = time.time()
        if self.t0_wall is None:
            self.t0_wall = now
        if self.first_media_at is None:
            self.first_media_at = now
        anchor = self._anchors.get(kind)
        if anchor is None or frame.pts is None:
            start = max(now - self.t0_wall, self._last_t.get(kind, -1.0) + 0.001)
            anchor = self._anchors[kind] = (frame.pts or 0, start)
        t = anchor[1] + float((frame.pts - anchor[0]) * frame.time_base) \
            if frame.pts is not None and frame.time_base else now - self.t0_wall
        self._last_t[kind] = t
        disc = False
        if kind == "v" and self._discontinuity:
            disc, self._discontinuity = True, False
        try:
            self.q.put_nowait((kind, frame, t, disc))
            self.frames_in += 1
        except queue.Full:
            self.dropped += 1
            if disc:
                self._discontinuity = True

    def stop(self, *, suspend: bool = False) -> None:
        """Ask the worker to flush and close every rung. Blocks: call in a thread.
        suspend: the publisher dropped; save where we are for a resume (module docstring)."""
        self._suspend = suspend
        while True:
            try:
                self.q.put(_STOP, timeout=0.5)
                break
            except queue.Full:
                if not self._thread.is_alive():
                    break
        self._thread.join(30)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ---- worker thread
    def _run(self) -> None:
        next_key = 0.0
        kf_base: float | None = None
        resampler = fifo = None
        apts: int | None = None
        cpu0 = time.thread_time()
        try:
            while True:
                item = self.q.get()
                if item is _STOP:
                    break
                kind, frame, t, disc = item
                if kind == "v":
                    if not self.writers:
                        self._open_writers(frame)
                    key = kf_base is None or disc or t >= next_key - 0.001
                    if disc:
                        for w in self.writers:
                            w.pending_discontinuity = True
                    if kf_base is None or disc:
                        kf_base = t
                    if key:
                        k = math.floor((t - kf_base) / self.cfg.segment_seconds + 1e-6) + 1
                        next_key = kf_base + k * self.cfg.segment_seconds
                    src = frame
                    for w in self.writers:  # highest rung first
                        src = w.encode_video(src, t, key)
                elif self.writers:
                    if resampler is None:
                        resampler = av.AudioResampler(format="fltp", layout="stereo",
                                                      rate=AUDIO_RATE)
                        fifo = av.AudioFifo()
                    want = int(round(t * AUDIO_RATE))
                    if apts is None or abs(want - (apts + fifo.samples)) > AUDIO_RATE // 10:
                        fifo = av.AudioFifo()
                        apts = max(want, apts or 0)
                    frame.pts = None
                    for rf in resampler.resample(frame):
                        rf.pts = None
                        fifo.write(rf)
                    while fifo.samples >= 1024:
                        out = fifo.read(1024)
                        out.pts, out.time_base = apts, Fraction(1, AUDIO_RATE)
                        out.sample_rate = AUDIO_RATE
                        apts += 1024
                        for w in self.writers:
                            w.encode_audio(out)
                self._maybe_master()
        except Exception:
            log.exception("live_pipeline_failed", out_dir=str(self.out_dir))
        finally:
            for w in self.writers:
                w.close(suspend=self._suspend)
            if self._suspend:
                self._save()
            else:
                self._maybe_master()
                self._write_vod_master()
                try:
                    os.unlink(self.out_dir / STATE_FILE)
                except FileNotFoundError:
                    pass
            self.encode_seconds = time.thread_time() - cpu0

    def _save(self) -> None:
        if not self.writers:
            return  # nothing new since the last save (or nothing at all)
        last_t = max([self.resumed["last_t"] if self.resumed else 0.0, *self._last_t.values()])
        saved = {"t0_wall": self.t0_wall, "last_t": last_t, "master_written":
                 self.master_written, "epoch": (self.resumed or {}).get("epoch", -1) + 1,
                 "rungs": [w.saved() for w in self.writers]}
        _atomic_write(self.out_dir / STATE_FILE, json.dumps(saved).encode())

    def _open_writers(self, frame: av.VideoFrame) -> None:
        if self.resumed is not None:  # the same rungs and sizes, whatever the source is now
            epoch = self.resumed["epoch"] + 1
            for d in self.resumed["rungs"]:
                self.writers.append(RenditionWriter(
                    self.out_dir, Rung(d["height"], d["bitrate"]), d["width"], d["out_height"],
                    self.cfg, self.t0_wall, self._notify, epoch=epoch, restore=d))
            return
        for rung, w, h in choose_rungs(self.cfg.ladder, frame.width, frame.height,
                                       self.declared_height):
            self.writers.append(RenditionWriter(self.out_dir, rung, w, h, self.cfg,
                                                self.t0_wall or time.time(), self._notify))

    def _notify(self, rung: str, pos: tuple[int, int]) -> None:
        self.positions[rung] = pos
        if self.on_progress is not None:
            self.on_progress(rung, pos)

    def _maybe_master(self) -> None:
        if self.master_written or not self.writers:
            return
        if not all(w.recording for w in self.writers):
            return
        text = render_master([w.variant() for w in self.writers])
        _atomic_write(self.out_dir / "master.m3u8", text.encode())
        self.master_written = True
        self.master_at = time.time()
        if self.on_master is not None:
            self.on_master()

    def _write_vod_master(self) -> None:
        writers = [w for w in self.writers if w.recording]
        if writers:
            text = render_master([w.variant(vod=True) for w in writers])
            _atomic_write(self.out_dir / "vod.m3u8", text.encode())
