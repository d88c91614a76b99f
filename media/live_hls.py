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
from fractions import Fraction
from pathlib import Path
from typing import Callable, Protocol

import av
import structlog

from media.live_fill import FILL_FPS, black_video, silent_audio
from media.live_rendition import (AUDIO_RATE, PipelineConfig, RenditionWriter, Rung,
                                  _atomic_write, choose_rungs, parse_ladder)
from media.llhls import end_live_playlist, finish_vod, render_master

log = structlog.get_logger("live_hls")
__all__ = ["LivePipeline", "PipelineConfig", "Rung", "choose_rungs", "parse_ladder",
           "close_orphaned_recording"]


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
KEY_TOLERANCE = 0.001  # seconds: a frame this close before a segment boundary starts it
# A video-only publisher's stand-in silence is encoded this far ahead of the video (48 kHz
# samples, ~107 ms: AAC's encoder delay plus a frame): the muxer then has audio past every
# video frame and writes a part as soon as the first frame of the next one is encoded,
# instead of one or two frames later.
SILENCE_LEAD = 5 * 1024
STATS_EVERY = 1.0  # seconds of media between two PackagerObserver.packaged() calls


class PackagerObserver(Protocol):
    """What the packager reports (called in its worker thread): for metrics."""

    def part_ready(self, rung: str, seconds: float) -> None:
        """A part was listed `seconds` after its last frame reached the server."""

    def packaged(self, cpu_seconds: float, media_seconds: float) -> None:
        """The worker thread spent `cpu_seconds` of CPU on `media_seconds` of video."""


class LivePipeline:
    """Frames in (event loop), LL-HLS out (worker thread). See the module docstring."""

    def __init__(self, out_dir: Path, cfg: PipelineConfig | None = None, *,
                 declared_height: int | None = None,
                 on_progress: Callable[[str, tuple[int, int]], None] | None = None,
                 on_master: Callable[[], None] | None = None, resume: bool = False,
                 observer: PackagerObserver | None = None):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg or PipelineConfig()
        self.declared_height = declared_height
        self.on_progress = on_progress  # called in the worker thread
        self.on_master = on_master  # called in the worker thread
        self.observer = observer  # called in the worker thread
        self._stats_at: tuple[float, float] | None = None  # (media t, thread CPU) reported
        self.q: queue.Queue = queue.Queue(maxsize=self.cfg.queue_size)
        self.dropped = 0
        self.frames_in = 0
        self.frames_done = 0  # taken off the queue and packaged (frames_in - it: backlog)
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
        self.has_video = self.has_audio = True  # what the publisher sends (set_sources)
        self._kf_base: float | None = None  # media time segment boundaries count from
        self._next_key = 0.0
        self._resampler = self._fifo = None
        self._apts: int | None = None  # next audio sample (48 kHz) on the media timeline
        self._fill_t: float | None = None  # next stand-in video frame (audio-only)
        small = self.cfg.ladder[-1].height
        self._black = black_video(max(2, int(round(small * 16 / 9 / 2)) * 2), small)
        self._thread = threading.Thread(target=self._run, name=f"live-{self.out_dir.name}",
                                        daemon=True)
        self._thread.start()
        self.encode_seconds = 0.0  # worker thread CPU time spent, for benchmarks

    # ---- event-loop side: cheap and never blocking
    def set_sources(self, *, video: bool, audio: bool) -> None:
        """What the publisher's offer carries; the missing kind is filled in (see _run)."""
        self.has_video, self.has_audio = video, audio

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
        if (kind == "v" or not self.has_video) and self._discontinuity:
            disc, self._discontinuity = True, False
        try:
            self.q.put_nowait((kind, frame, t, disc, now))
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
        cpu0 = time.thread_time()
        try:
            while True:
                item = self.q.get()
                if item is _STOP:
                    break
                kind, frame, t, disc, arrived = item
                if kind == "v":
                    self._video(frame, t, disc, arrived)
                    if not self.has_audio:
                        self._silence_to(t, SILENCE_LEAD)
                else:
                    if not self.has_video:
                        self._black_to(t, disc, arrived)
                    if self.writers:
                        self._audio(frame, t)
                self._maybe_master()
                self._report(t)
                self.frames_done += 1
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

    def _report(self, t: float) -> None:
        if self.observer is None:
            return
        if self._stats_at is None:
            self._stats_at = (t, time.thread_time())
        elif t - self._stats_at[0] >= STATS_EVERY:
            cpu = time.thread_time()
            self.observer.packaged(cpu - self._stats_at[1], t - self._stats_at[0])
            self._stats_at = (t, cpu)

    def _video(self, frame: av.VideoFrame, t: float, disc: bool,
               arrived: float | None = None) -> None:
        if not self.writers:
            self._open_writers(frame)
        # One tolerance for both "is this the boundary frame" and "which boundary comes
        # next": with two, a frame just before a boundary was keyed and then the next frame
        # too (a one-frame segment).
        key = self._kf_base is None or disc or t >= self._next_key - KEY_TOLERANCE
        if disc:
            for w in self.writers:
                w.pending_discontinuity = True
        if self._kf_base is None or disc:
            self._kf_base = t
        if key:
            seg = self.cfg.segment_seconds
            self._next_key = self._kf_base + (
                math.floor((t - self._kf_base + KEY_TOLERANCE) / seg) + 1) * seg
        src = frame
        for w in self.writers:  # highest rung first
            src = w.encode_video(src, t, key, arrived)

    def _audio(self, frame: av.AudioFrame | None, t: float) -> None:
        """Resample into 1024-sample AAC frames on the media timeline (None: silence)."""
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="fltp", layout="stereo",
                                                rate=AUDIO_RATE)
            self._fifo = av.AudioFifo()
        want = int(round(t * AUDIO_RATE))
        if self._apts is None or abs(want - (self._apts + self._fifo.samples)) > AUDIO_RATE // 10:
            self._fifo = av.AudioFifo()
            self._apts = max(want, self._apts or 0)
        if frame is not None:
            frame.pts = None
            for rf in self._resampler.resample(frame):
                rf.pts = None
                self._fifo.write(rf)
        while self._fifo.samples >= 1024:
            out = self._fifo.read(1024)
            self._encode_audio(out)

    def _encode_audio(self, out: av.AudioFrame) -> None:
        out.pts, out.time_base = self._apts, Fraction(1, AUDIO_RATE)
        out.sample_rate = AUDIO_RATE
        self._apts += 1024
        for w in self.writers:
            w.encode_audio(out)

    def _silence_to(self, t: float, lead: int = 0) -> None:
        """A video-only publisher (a screen share, a muted camera): silent audio up to t
        (and `lead` samples past it), so every rung keeps the audio track its CODECS
        announce (and a resume can bring sound)."""
        at = int(round(t * AUDIO_RATE))
        if self._apts is None or at - self._apts > AUDIO_RATE // 10:
            self._apts = max(at, self._apts or 0)
        while self._apts + 1024 <= at + lead:
            self._encode_audio(silent_audio(1024))

    def _black_to(self, t: float, disc: bool, arrived: float | None = None) -> None:
        """An audio-only publisher: a black picture at FILL_FPS up to t, so players get the
        same kind of ladder (the smallest rung unless resumed with more)."""
        if self._fill_t is None or disc:
            self._fill_t = t
        while self._fill_t <= t:
            self._video(self._black, self._fill_t, disc, arrived)
            disc = False
            self._fill_t += 1 / FILL_FPS

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
                    self.cfg, self.t0_wall, self._notify, epoch=epoch, restore=d,
                    part_ready=self._part_ready))
            return
        for rung, w, h in choose_rungs(self.cfg.ladder, frame.width, frame.height,
                                       self.declared_height if self.has_video else None):
            self.writers.append(RenditionWriter(self.out_dir, rung, w, h, self.cfg,
                                                self.t0_wall or time.time(), self._notify,
                                                part_ready=self._part_ready))

    @property
    def _part_ready(self):
        return self.observer.part_ready if self.observer is not None else None

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
