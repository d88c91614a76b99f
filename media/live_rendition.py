"""One rung of the live ladder: scale, encode (x264 + AAC), mux fMP4, cut parts and
segments, write its playlists and its recording. Used by media/live_hls.py's worker thread.
"""
from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import structlog
from av.video.reformatter import VideoReformatter

from media.llhls import (FragmentSplitter, Part, Segment, Variant, codecs_from_extradata,
                         finish_vod, render_media_playlist, render_vod_header,
                         render_vod_segment)

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
    # PART-HOLD-BACK, how far behind the live edge LL-HLS players stay: 2 part targets, the
    # least RFC 8216bis allows (it recommends 3): measured in Chromium with hls.js, 3 parts
    # (0.6 s) cannot get glass-to-glass under 0.7 s, 2 parts stalled no more often
    # (docs/benchmarks.md). LIVE_PART_HOLD_BACK (seconds) for more margin.
    part_hold_back: float = field(
        default_factory=lambda: float(os.environ.get("LIVE_PART_HOLD_BACK", "0")))
    window: int = 6  # segments in the live playlist
    part_window: int = 3  # segments that still list their parts
    fps: int = 30
    preset: str = field(default_factory=lambda: os.environ.get("LIVE_X264_PRESET", "ultrafast"))
    queue_size: int = 48  # ~0.6 s of audio+video: a late frame is worth less than a drop
    x264_threads: int = field(
        default_factory=lambda: int(os.environ.get("LIVE_X264_THREADS", "1")))


    def __post_init__(self):
        self.part_hold_back = max(self.part_hold_back or 0.0, 2 * self.part_seconds)


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
PartReady = Callable[[str, float], None]  # (rung, seconds from its last frame's arrival)


class RenditionWriter:
    """One rung: encoders, the fMP4 muxer, segments/parts on disk, its playlists.

    Used only by the pipeline's worker thread.
    """

    def __init__(self, root: Path, rung: Rung, width: int, height: int, cfg: PipelineConfig,
                 t0_wall: float, notify: Notify, *, epoch: int = 0,
                 restore: dict | None = None, part_ready: PartReady | None = None):
        self.rung, self.width, self.height, self.cfg = rung, width, height, cfg
        self.init_uri = "init.mp4" if epoch == 0 else f"init{epoch}.mp4"
        # One scaler for the stream: `frame.reformat()` builds a new swscale context (and
        # its thread pool) on every call.
        self.scaler = VideoReformatter()
        self.dir = root / rung.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.t0_wall = t0_wall
        self.notify = notify
        self.part_ready = part_ready
        # (media time, wall time it reached the server) of the frames not yet in a part
        self._arrivals: deque[tuple[float, float]] = deque(maxlen=256)
        self.sink = _Sink()
        self.container = av.open(self.sink, "w", format="mp4", options={
            "movflags": "empty_moov+default_base_moof+frag_keyframe+cmaf",
            "frag_duration": str(int(cfg.part_seconds * 1_000_000)),
            # The muxer writes a part when the first packet of the next one leaves its
            # interleaving queue, and that queue holds video until audio catches up (AAC
            # lags ~80 ms behind, WebRTC audio more): up to max_interleave_delta (µs) per
            # part. 1 µs: a packet waits for the next packet only, never for the other
            # track; a part's late audio goes into the next part.
            "max_interleave_delta": "1"})
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
        self._rate_frames, self._rate_span = 0, 0.0  # frames over the first segment
        self._saved_rate: float | None = None  # measured before a resume
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
                "frame_rate": self.frame_rate,
                "first_segment_duration": self.first_segment_duration}

    def _restore(self, d: dict) -> None:
        self.msn, self.media_sequence = d["msn"], d["media_sequence"]
        self.discontinuity_sequence = d["discontinuity_sequence"]
        self.segments = [Segment.from_dict(x) for x in d["segments"]]
        self.recording = list(self.segments)  # (only the window: its parts get deleted)
        self._recorded_before = d["recording"] - len(self.recording)
        self._vod_map = d["vod_map"]
        self.first_segment_bytes = d["first_segment_bytes"]
        self._saved_rate = d.get("frame_rate")
        self.first_segment_duration = d["first_segment_duration"]
        self.pending_discontinuity = True

    # ---- encoding (worker thread)
    def encode_video(self, frame: av.VideoFrame, t: float, key: bool,
                     arrived: float | None = None) -> av.VideoFrame:
        """Scale, encode, mux; returns the scaled frame (the next, smaller rung scales from
        it: cheaper than scaling every rung from the source). arrived: wall time the frame
        reached the server, to measure how long a part takes to be listed after it."""
        if arrived is not None and self.part_ready is not None:
            self._arrivals.append((t, arrived))
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
        if not self.recording:  # the rate the source really has, for FRAME-RATE
            self._rate_frames += 1
            self._rate_span = t - self._v0
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
        last_arrival = self._last_arrival(frag) if frag.has_video else None
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
                self._observe_ready(last_arrival)
                return
            if end > self._key_at:  # the keyframe's own fragment is out: already cut
                self._key_at = None
        self._write_live_playlist()
        self._observe_ready(last_arrival)
        self.notify(self.rung.name, (self.current.msn, idx))

    def _last_arrival(self, frag) -> float | None:
        """Wall time the last frame of this fragment reached the server."""
        if not self._arrivals or self._frag0 is None:
            return None
        end = (self._v0 or 0.0) + frag.start - self._frag0 + frag.duration
        found = None
        while self._arrivals and self._arrivals[0][0] < end - 0.0005:
            found = self._arrivals.popleft()[1]
        return found

    def _observe_ready(self, last_arrival: float | None) -> None:
        if last_arrival is not None and self.part_ready is not None:
            self.part_ready(self.rung.name, time.time() - last_arrival)

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
            part_hold_back=self.cfg.part_hold_back, media_sequence=self.media_sequence,
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
                       height=self.height, codecs=self.codecs, frame_rate=self.frame_rate)

    @property
    def frame_rate(self) -> float:
        """Frames per second measured over the first segment (browsers send what the camera
        and the network allow, not the nominal 30); the nominal rate until then."""
        if self._saved_rate:
            return self._saved_rate
        if self._rate_frames < 2 or self._rate_span <= 0:
            return float(self.cfg.fps)
        return round((self._rate_frames - 1) / self._rate_span, 3)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
