"""Low-latency HLS (RFC 8216bis) for live streams: fMP4 fragment parsing and playlists.

Pure functions and small records, no I/O. `FragmentSplitter` turns the byte stream of a
fragmented-MP4 muxer (ftyp+moov, then moof+mdat pairs) into the init segment and one
`Fragment` per moof+mdat — each fragment is one partial segment (EXT-X-PART). A fragment
whose first video sample is a sync sample starts a new segment. Playlists are rendered from
`Segment` / `Part` records; `position()` reads back the newest part from playlist text, so
any process sharing the media directory can answer blocking reloads.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone


# ---------------------------------------------------------------- fMP4 box parsing

def iter_boxes(buf: bytes | bytearray | memoryview, start: int = 0, end: int | None = None):
    """(type, offset, size) of each complete box in buf[start:end]."""
    end = len(buf) if end is None else end
    off = start
    while off + 8 <= end:
        size, typ = struct.unpack_from(">I4s", buf, off)
        header = 8
        if size == 1:
            if off + 16 > end:
                return
            size = struct.unpack_from(">Q", buf, off + 8)[0]
            header = 16
        if size < header or off + size > end:
            return
        yield typ.decode("latin-1"), off, size
        off += size


def _child(buf, off, size, name, skip=8):
    for typ, o, s in iter_boxes(buf, off + skip, off + size):
        if typ == name:
            return o, s
    return None


@dataclass
class Track:
    track_id: int
    kind: str  # vide | soun
    timescale: int


def parse_init(buf: bytes) -> dict[int, Track]:
    """Tracks of an init segment (ftyp+moov): id -> kind and timescale."""
    tracks: dict[int, Track] = {}
    moov = next(((o, s) for t, o, s in iter_boxes(buf) if t == "moov"), None)
    if moov is None:
        return tracks
    for typ, o, s in iter_boxes(buf, moov[0] + 8, moov[0] + moov[1]):
        if typ != "trak":
            continue
        tkhd = _child(buf, o, s, "tkhd")
        mdia = _child(buf, o, s, "mdia")
        if not tkhd or not mdia:
            continue
        version = buf[tkhd[0] + 8]
        tid = struct.unpack_from(">I", buf, tkhd[0] + (28 if version == 1 else 20))[0]
        mdhd = _child(buf, *mdia, "mdhd")
        hdlr = _child(buf, *mdia, "hdlr")
        mv = buf[mdhd[0] + 8]
        timescale = struct.unpack_from(">I", buf, mdhd[0] + (28 if mv == 1 else 20))[0]
        kind = bytes(buf[hdlr[0] + 16:hdlr[0] + 20]).decode("latin-1")
        tracks[tid] = Track(tid, kind, timescale)
    return tracks


@dataclass
class Fragment:
    data: bytes  # moof + mdat
    start: float  # seconds, decode time of the first video sample (else audio)
    duration: float  # seconds of video in this fragment (else audio)
    keyframe: bool  # the first video sample is a sync sample (an IDR)
    has_video: bool = True


def parse_fragment(buf: bytes, tracks: dict[int, Track]) -> tuple[float, float, bool, bool]:
    """(start, duration, starts_with_keyframe, has_video) of one moof+mdat: of its video
    track, or of its audio when the muxer cut a fragment with no video in it (never a
    keyframe then: only video decides where segments start)."""
    moof = next(((o, s) for t, o, s in iter_boxes(buf) if t == "moof"), None)
    best = None
    for typ, o, s in iter_boxes(buf, moof[0] + 8, moof[0] + moof[1]):
        if typ != "traf":
            continue
        tfhd = _child(buf, o, s, "tfhd")
        flags = int.from_bytes(buf[tfhd[0] + 9:tfhd[0] + 12], "big")
        tid = struct.unpack_from(">I", buf, tfhd[0] + 12)[0]
        p = tfhd[0] + 16
        if flags & 0x1:
            p += 8
        if flags & 0x2:
            p += 4
        default_dur = default_flags = None
        if flags & 0x8:
            default_dur = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if flags & 0x10:
            p += 4
        if flags & 0x20:
            default_flags = struct.unpack_from(">I", buf, p)[0]
        tfdt = _child(buf, o, s, "tfdt")
        base = 0
        if tfdt:
            v = buf[tfdt[0] + 8]
            base = (struct.unpack_from(">Q", buf, tfdt[0] + 12)[0] if v == 1
                    else struct.unpack_from(">I", buf, tfdt[0] + 12)[0])
        total, first_flags = 0, default_flags
        for t2, ro, rs in iter_boxes(buf, o + 8, o + s):
            if t2 != "trun":
                continue
            rflags = int.from_bytes(buf[ro + 9:ro + 12], "big")
            count = struct.unpack_from(">I", buf, ro + 12)[0]
            q = ro + 16
            if rflags & 0x1:
                q += 4
            if rflags & 0x4:
                first_flags = struct.unpack_from(">I", buf, q)[0]
                q += 4
            for i in range(count):
                dur = default_dur or 0
                if rflags & 0x100:
                    dur = struct.unpack_from(">I", buf, q)[0]
                    q += 4
                if rflags & 0x200:
                    q += 4
                if rflags & 0x400:
                    sf = struct.unpack_from(">I", buf, q)[0]
                    if i == 0 and not (rflags & 0x4):
                        first_flags = sf
                    q += 4
                if rflags & 0x800:
                    q += 4
                total += dur
        track = tracks.get(tid)
        if track is None:
            continue
        key = first_flags is not None and not (first_flags & 0x10000)
        if track.kind == "vide":
            return (base / track.timescale, total / track.timescale, key, True)
        best = best or (base / track.timescale, total / track.timescale, False, False)
    return best or (0.0, 0.0, False, False)


class FragmentSplitter:
    """Feed it muxer output; it yields the init segment once, then whole fragments."""

    def __init__(self):
        self.buf = bytearray()
        self.init: bytes | None = None
        self.tracks: dict[int, Track] = {}
        self._moof_at: int | None = None

    def feed(self, data: bytes) -> list[Fragment]:
        self.buf += data
        out: list[Fragment] = []
        consumed = 0
        for typ, off, size in iter_boxes(self.buf):
            if self.init is None:
                if typ == "moov":
                    self.init = bytes(self.buf[:off + size])
                    self.tracks = parse_init(self.init)
                    consumed = off + size
                continue
            if typ == "moof":
                self._moof_at = off
            elif typ == "mdat" and self._moof_at is not None:
                frag = bytes(self.buf[self._moof_at:off + size])
                out.append(Fragment(frag, *parse_fragment(frag, self.tracks)))
                self._moof_at = None
                consumed = off + size
            elif typ not in ("moof", "mdat"):
                consumed = off + size  # mfra and friends at the end: not for live
        if consumed:
            del self.buf[:consumed]
            if self._moof_at is not None:
                self._moof_at -= consumed
        return out


def codecs_from_extradata(extradata: bytes | None) -> str:
    """RFC 6381 `avc1.PPCCLL` from an H.264 encoder's extradata (avcC or Annex B SPS)."""
    if not extradata:
        return "avc1.42e01f"
    b = bytes(extradata)
    if b[0] == 1 and len(b) >= 4:  # avcC: version, profile, compat, level
        p, c, lvl = b[1], b[2], b[3]
    else:  # Annex B: find the SPS NAL (type 7)
        m = re.search(rb"\x00\x00\x01([\x27\x47\x67])(...)", b, re.S)
        if not m:
            return "avc1.42e01f"
        p, c, lvl = m.group(2)[0], m.group(2)[1], m.group(2)[2]
    return f"avc1.{p:02x}{c:02x}{lvl:02x}"


# ---------------------------------------------------------------- playlists

@dataclass
class Part:
    duration: float
    independent: bool
    uri: str


@dataclass
class Segment:
    msn: int
    duration: float
    uri: str
    parts: list[Part] = field(default_factory=list)
    discontinuity: bool = False
    program_time: float | None = None  # wall-clock seconds of its first frame
    map_uri: str = "init.mp4"  # its init segment: a resumed publisher gets a new one

    def as_dict(self) -> dict:
        return {"msn": self.msn, "duration": self.duration, "uri": self.uri,
                "discontinuity": self.discontinuity, "program_time": self.program_time,
                "map_uri": self.map_uri,
                "parts": [[p.duration, p.independent, p.uri] for p in self.parts]}

    @classmethod
    def from_dict(cls, d: dict) -> "Segment":
        return cls(msn=d["msn"], duration=d["duration"], uri=d["uri"],
                   discontinuity=d["discontinuity"], program_time=d["program_time"],
                   map_uri=d["map_uri"], parts=[Part(*p) for p in d["parts"]])


def _pdt(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def render_media_playlist(*, target: float, part_target: float, media_sequence: int,
                          part_hold_back: float | None = None,
                          discontinuity_sequence: int, segments: list[Segment],
                          current: Segment | None, next_part_uri: str | None,
                          part_window: int = 3, init_uri: str = "init.mp4",
                          ended: bool = False) -> str:
    """A live (sliding-window) LL-HLS media playlist."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:9", f"#EXT-X-TARGETDURATION:{max(1, round(target))}"]
    if not ended:
        lines.append(f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
                     f"PART-HOLD-BACK={part_hold_back or 3 * part_target:.3f},"
                     f"HOLD-BACK={3 * target:.3f}")
    lines += [f"#EXT-X-PART-INF:PART-TARGET={part_target:.3f}",
              f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}"]
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    first = segments[0] if segments else current
    cur_map = first.map_uri if first is not None else init_uri
    lines.append(f'#EXT-X-MAP:URI="{cur_map}"')
    with_parts = segments[-part_window:] if not ended else []
    for i, seg in enumerate(segments):
        if seg.discontinuity and i > 0:
            lines.append("#EXT-X-DISCONTINUITY")
        if seg.map_uri != cur_map:  # a new init segment follows a discontinuity
            cur_map = seg.map_uri
            lines.append(f'#EXT-X-MAP:URI="{cur_map}"')
        if seg.program_time is not None and (i == 0 or seg.discontinuity):
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_pdt(seg.program_time)}")
        if seg in with_parts:
            lines += [_part_line(p) for p in seg.parts]
        lines += [f"#EXTINF:{seg.duration:.5f},", seg.uri]
    if current is not None and not ended:
        if current.discontinuity and segments:
            lines.append("#EXT-X-DISCONTINUITY")
        if current.map_uri != cur_map:
            lines.append(f'#EXT-X-MAP:URI="{current.map_uri}"')
        if not segments and current.program_time is not None:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_pdt(current.program_time)}")
        lines += [_part_line(p) for p in current.parts]
    if next_part_uri and not ended:
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{next_part_uri}"')
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _part_line(p: Part) -> str:
    ind = ",INDEPENDENT=YES" if p.independent else ""
    return f'#EXT-X-PART:DURATION={p.duration:.5f},URI="{p.uri}"{ind}'


def render_vod_header(target: float, init_uri: str = "init.mp4") -> str:
    return "\n".join(["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{max(1, round(target))}",
                      "#EXT-X-MEDIA-SEQUENCE:0", f'#EXT-X-MAP:URI="{init_uri}"']) + "\n"


def render_vod_segment(seg: Segment, first: bool, prev_map: str | None = None) -> str:
    """One recording entry; `prev_map` is the init segment in force before it."""
    lines = []
    if seg.discontinuity and not first:
        lines.append("#EXT-X-DISCONTINUITY")
    if prev_map is not None and seg.map_uri != prev_map:
        lines.append(f'#EXT-X-MAP:URI="{seg.map_uri}"')
    lines += [f"#EXTINF:{seg.duration:.5f},", seg.uri]
    return "\n".join(lines) + "\n"


_TARGET = re.compile(r"^#EXT-X-TARGETDURATION:\d+$", re.M)


def finish_vod(text: str) -> str:
    """Close a recording that was appended segment by segment (by this process, by another
    one that resumed the stream, or by one that died): exact TARGETDURATION, VOD, ENDLIST."""
    if "#EXT-X-ENDLIST" in text:
        return text
    durations = [float(d) for d in re.findall(r"^#EXTINF:([0-9.]+),", text, re.M)]
    target = max(1, *(int(d + 0.5) for d in durations)) if durations else 1
    text = _TARGET.sub(f"#EXT-X-TARGETDURATION:{target}", text, count=1)
    if "#EXT-X-PLAYLIST-TYPE" not in text:
        text = text.replace("#EXT-X-MEDIA-SEQUENCE:0\n",
                            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n", 1)
    return text.rstrip("\n") + "\n#EXT-X-ENDLIST\n"


def end_live_playlist(text: str) -> str:
    """A live playlist whose stream ended without its packager (it died, or the publisher
    never came back): no more blocking reloads or hints, ENDLIST."""
    if "#EXT-X-ENDLIST" in text:
        return text
    keep = [ln for ln in text.splitlines()
            if not ln.startswith(("#EXT-X-PRELOAD-HINT", "#EXT-X-SERVER-CONTROL"))]
    # parts after the last complete segment are not playable as a segment: drop them
    while keep and keep[-1].startswith("#EXT-X-PART:"):
        keep.pop()
    return "\n".join(keep) + "\n#EXT-X-ENDLIST\n"


@dataclass
class Variant:
    uri: str
    bandwidth: int
    width: int
    height: int
    codecs: str
    frame_rate: float


def render_master(variants: list[Variant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in variants:
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={v.bandwidth},RESOLUTION={v.width}x{v.height},'
                     f'CODECS="{v.codecs},mp4a.40.2",FRAME-RATE={v.frame_rate:.3f}')
        lines.append(v.uri)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- blocking reload

_SEQ = re.compile(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)", re.M)


def position(text: str) -> tuple[int, int]:
    """(msn, part) of the newest part in a live playlist; part -1 means msn is complete.

    The in-progress segment's msn is (media sequence + number of EXTINF); its parts are the
    EXT-X-PART lines after the last EXTINF. A playlist with ENDLIST reports a huge position.
    """
    if "#EXT-X-ENDLIST" in text:
        return (1 << 60, 1 << 30)
    m = _SEQ.search(text)
    seq = int(m.group(1)) if m else 0
    lines = text.splitlines()
    n_seg = sum(1 for ln in lines if ln.startswith("#EXTINF"))
    tail = 0
    for ln in reversed(lines):
        if ln.startswith("#EXTINF"):
            break
        if ln.startswith("#EXT-X-PART:"):
            tail += 1
    if tail:
        return seq + n_seg, tail - 1
    return seq + n_seg - 1, -1


def satisfied(pos: tuple[int, int], msn: int, part: int | None) -> bool:
    """Does a playlist at `pos` contain segment `msn` (and its part `part`)?"""
    have_msn, have_part = pos
    if part is None:
        # The segment is complete once a later one has started or it is closed.
        return have_msn > msn or (have_msn == msn and have_part == -1)
    if have_msn > msn:
        return True
    # A complete segment holds every part it will ever have: answer now, not when the next
    # segment's first part appears (a viewer at the live edge would lose a part time).
    return have_msn == msn and (have_part == -1 or have_part >= part)
