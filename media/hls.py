"""HLS playlists (RFC 8216), written from plain data. No I/O besides `write_atomic`.

Shared by the VOD ladder (media/transcode.py) and live packaging: a live packager calls
`media_playlist(window, media_sequence=n, endlist=False)` for each new segment and
`write_atomic()` so players never read half a playlist.

    segs = [Segment("seg_00000.ts", 4.0), Segment("seg_00001.ts", 3.2)]
    text = media_playlist(segs)                               # VOD: ENDLIST, PLAYLIST-TYPE
    live = media_playlist(segs, endlist=False, media_sequence=17, init_uri="init.mp4")
    master = master_playlist([Variant("720p/index.m3u8", bandwidth=3_000_000,
                                      resolution=(1280, 720), codecs="avc1.64001f,mp4a.40.2")])
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Segment:
    uri: str
    duration: float  # seconds, as exact as known (EXTINF carries 3 decimals)
    title: str = ""
    discontinuity: bool = False  # EXT-X-DISCONTINUITY before this segment


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int  # peak bits/s of the rendition (segments + container overhead)
    resolution: tuple[int, int] | None = None
    codecs: str | None = None  # e.g. "avc1.64001f,mp4a.40.2"
    average_bandwidth: int | None = None
    frame_rate: float | None = None
    name: str | None = None  # for callers (e.g. "720p"); not written


def target_duration(segments: list[Segment], minimum: int = 1) -> int:
    """EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer must fit (4.3.3.1)."""
    return max([minimum, *(int(math.floor(s.duration + 0.5)) for s in segments)])


def media_playlist(segments: list[Segment], *, endlist: bool = True, media_sequence: int = 0,
                   target: int | None = None, init_uri: str | None = None,
                   playlist_type: str | None = None, independent: bool = True) -> str:
    """A media playlist. VOD by default (ENDLIST + PLAYLIST-TYPE:VOD); live with endlist=False."""
    version = 7 if init_uri else 3
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}",
             f"#EXT-X-TARGETDURATION:{target or target_duration(segments)}",
             f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}"]
    if playlist_type is None and endlist:
        playlist_type = "VOD"
    if playlist_type:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{playlist_type}")
    if independent:
        lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    if init_uri:
        lines.append(f'#EXT-X-MAP:URI="{init_uri}"')
    for s in segments:
        if s.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{s.duration:.3f},{s.title}")
        lines.append(s.uri)
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def master_playlist(variants: list[Variant], *, independent: bool = True) -> str:
    """A master playlist, variants best first, each with BANDWIDTH/RESOLUTION/CODECS."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    if independent:
        lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    for v in sorted(variants, key=lambda v: -v.bandwidth):
        attrs = [f"BANDWIDTH={int(v.bandwidth)}"]
        if v.average_bandwidth:
            attrs.append(f"AVERAGE-BANDWIDTH={int(v.average_bandwidth)}")
        if v.resolution:
            attrs.append(f"RESOLUTION={v.resolution[0]}x{v.resolution[1]}")
        if v.frame_rate:
            attrs.append(f"FRAME-RATE={v.frame_rate:.3f}")
        if v.codecs:
            attrs.append(f'CODECS="{v.codecs}"')
        lines.append("#EXT-X-STREAM-INF:" + ",".join(attrs))
        lines.append(v.uri)
    return "\n".join(lines) + "\n"


def write_atomic(path: Path | str, text: str) -> None:
    """Replace `path` in one step (readers see the old or the new playlist, never a mix)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


_INF = re.compile(r"#EXTINF:([0-9.]+)")


def parse_media_playlist(text: str) -> list[Segment]:
    """Segments of a media playlist (for tests and tools; not a general parser)."""
    out, dur = [], None
    for line in text.splitlines():
        line = line.strip()
        m = _INF.match(line)
        if m:
            dur = float(m.group(1))
        elif line and not line.startswith("#") and dur is not None:
            out.append(Segment(line, dur))
            dur = None
    return out


def avc_codec_string(packet_bytes: bytes) -> str | None:
    """`avc1.PPCCLL` (RFC 6381) from H.264 extradata (avcC) or an Annex-B keyframe's SPS."""
    i = 0
    data = packet_bytes
    if len(data) >= 4 and data[0] == 1:  # avcC: version, profile, compatibility, level
        return "avc1.%02x%02x%02x" % (data[1], data[2], data[3])
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0 or i + 6 >= len(data):
            return None
        nal = data[i + 3]
        if nal & 0x1F == 7:  # SPS
            return "avc1.%02x%02x%02x" % (data[i + 4], data[i + 5], data[i + 6])
        i += 3
