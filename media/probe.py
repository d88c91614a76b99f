"""Is it a video we can take? Probe with PyAV: container, codecs, duration, size, rotation.

`probe(path, max_duration=...)` returns a Probe or raises InvalidMedia with a stable code
(`not_a_video`, `corrupt`, `too_long`, `unsupported_container`) and a reason a person can read.
It decodes the first video frames, so a file whose header is fine but whose data is garbage
is caught here and not half-way through the transcode.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import av

# FFmpeg demuxer names of the containers phones and browsers produce.
CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "matroska",
              "mpegts": "mpegts", "avi": "avi"}
MIN_FRAMES = 3


class InvalidMedia(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    container: str
    video_codec: str
    audio_codec: str | None
    duration: float  # seconds
    width: int  # as stored (before rotation)
    height: int
    rotation: int  # degrees clockwise the picture must turn to display upright: 0/90/180/270
    fps: float
    has_audio: bool

    @property
    def display_size(self) -> tuple[int, int]:
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def as_dict(self) -> dict:
        return asdict(self)


def _rotation(frame: av.VideoFrame) -> int:
    rot = int(round(getattr(frame, "rotation", 0) or 0)) % 360
    # PyAV reports the display-matrix angle counter-clockwise; players turn clockwise.
    return (360 - rot) % 360 if rot in (90, 270) else rot


def _looks_like_video(path: str) -> bool:
    """Magic bytes of the containers we take: ISO BMFF (ftyp), Matroska/WebM (EBML)."""
    with open(path, "rb") as f:
        head = f.read(12)
    return head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3"


def probe(path: str, *, max_duration: float) -> Probe:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        if _looks_like_video(str(path)):  # a video cut short or damaged, e.g. no moov box
            raise InvalidMedia("corrupt", "The video file is damaged or incomplete") from exc
        raise InvalidMedia("not_a_video", "This file is not a video we can read") from exc
    except av.FFmpegError as exc:
        raise InvalidMedia("corrupt", f"The file could not be opened: {exc}") from exc
    with container:
        fmt = container.format.name
        if fmt not in CONTAINERS:
            raise InvalidMedia("unsupported_container",
                               f"Container {fmt!r} is not accepted; send MP4, MOV, WebM or MKV")
        if not container.streams.video:
            raise InvalidMedia("not_a_video", "The file has no video track")
        vs = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        duration = None
        if container.duration:
            duration = container.duration / av.time_base
        elif vs.duration and vs.time_base:
            duration = float(vs.duration * vs.time_base)
        if duration is not None and duration > max_duration:
            raise InvalidMedia("too_long", f"The video is {duration:.0f} s long; the limit is "
                               f"{max_duration:.0f} s")
        vs.thread_type = "AUTO"
        frames: list[av.VideoFrame] = []
        try:
            for frame in container.decode(vs):
                frames.append(frame)
                if len(frames) >= MIN_FRAMES:
                    break
        except av.FFmpegError as exc:
            raise InvalidMedia("corrupt", f"The video data is damaged: {exc}") from exc
        if not frames:
            raise InvalidMedia("corrupt", "The video track has no decodable frames")
        first = frames[0]
        if duration is None or duration <= 0:
            raise InvalidMedia("corrupt", "The video's duration is unknown")
        rate = vs.average_rate or vs.guessed_rate
        return Probe(container=CONTAINERS[fmt], video_codec=vs.codec_context.name,
                     audio_codec=audio.codec_context.name if audio else None,
                     duration=round(duration, 3), width=first.width, height=first.height,
                     rotation=_rotation(first), fps=float(rate) if rate else 30.0,
                     has_audio=audio is not None)
