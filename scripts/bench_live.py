"""Benchmark: WHIP in -> LL-HLS out on a real `python -m server serve` process.

    python scripts/bench_live.py [--seconds 10] [--max-streams 4] [--skip-concurrency]

Measures, with an aiortc publisher in this process (1280x720 at 30 fps, the send time burned
into every frame as a barcode) and HTTP viewers:
  1. WHIP answer -> master playlist (first segment of every rung playable).
  2. frame-to-playable latency: (time a viewer has the part/segment holding a frame) minus
     (the frame's burned send time), for an LL-HLS viewer (blocking reload, parts) and a
     plain-HLS viewer (whole 1 s segments). A player adds its hold-back on top.
  3. server CPU per stream (utime+stime of the server process over a steady window, less
     idle), with the 720/360 ladder and the 720/480/240 ladder.
  4. concurrent 720p30 streams 2 cores keep in real time: publishers send a pre-encoded
     H.264 file (no encode cost in this process); a stream is real time when its output
     keeps >= 28 fps and its newest part stays < 2.5 s behind the wall clock.
Needs PostgreSQL and Redis like the tests (TEST_DATABASE_URL / TEST_REDIS_URL).
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
import av  # noqa: E402
import numpy as np  # noqa: E402
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.media import MediaPlayer  # noqa: E402

from media.llhls import FragmentSplitter, iter_boxes  # noqa: E402
from media.whip import configure_ice_host_addresses  # noqa: E402
from server.migrations import migrate_dsn  # noqa: E402
from server.tokens import TokenKeys  # noqa: E402
from tests.support.clients import SocketClient  # noqa: E402
from tests.support.publisher import ToneAudio, WhipPublisher, read_ms  # noqa: E402
from tests.support.servers import ServerProcess, free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402

LADDER2 = "720:2500,360:800"
LADDER3 = "720:2500,480:1200,240:400"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def cpu_over(pid: int, seconds: float) -> float:
    """Cores used by the process over the next `seconds`."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
        self.settings = isolated_settings(media_root=self.tmp / "media",
                                          data_dir=self.tmp / "data")
        self.proc: ServerProcess | None = None
        self.migrated = False

    async def start_server(self, ladder: str) -> ServerProcess:
        if self.proc:
            self.proc.stop()
        env = {"LIVE_LADDER": ladder, "LIVE_ICE_HOST_ADDRESSES": "127.0.0.1",
               "LOG_LEVEL": "INFO"}
        self.proc = ServerProcess(self.settings, free_port(), extra_env=env).start()
        await self.proc.wait_ready(60)
        return self.proc

    async def user_token(self) -> str:
        if not self.migrated:
            await migrate_dsn(self.settings.database_url, self.settings.database_schema)
            self.migrated = True
        conn = await asyncpg.connect(self.settings.database_url,
                                     server_settings={"search_path":
                                                      self.settings.database_schema})
        uid = await conn.fetchval("INSERT INTO users (display_name, role) VALUES "
                                  "('bench', 'creator') RETURNING id::text")
        await conn.close()
        return TokenKeys(self.settings).sign(uid, role="creator")

    async def create_stream(self, token: str | None = None) -> dict:
        """A stream of a new creator each time (stream creation is rate-limited per user;
        no title, so no moderation verdict on a repeated one)."""
        token = await self.user_token()
        async with aiohttp.ClientSession() as http:
            async with http.post(self.proc.url + "/v1/live/streams", json={},
                                 headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 201, await r.text()
                return await r.json()

    async def wait_master(self, sid: str, timeout: float = 30) -> float:
        url = f"{self.proc.url}/v1/live/{sid}/hls/master.m3u8"
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                async with http.get(url) as r:
                    if r.status == 200:
                        return time.time()
                await asyncio.sleep(0.01)
        raise TimeoutError("no master playlist")


def fast_publisher_encoder() -> None:
    """aiortc's H.264 encoder runs x264 at its default preset: too slow for a 720p30
    publisher sharing 2 busy cores with the server. Real publishers (OBS, browsers) use
    hardware or fast presets; give the test publisher ultrafast too."""
    import aiortc.codecs.h264 as h264

    class Proxy:
        def __init__(self, ctx):
            object.__setattr__(self, "_ctx", ctx)

        def __getattr__(self, name):
            return getattr(self._ctx, name)

        def __setattr__(self, name, value):
            if name == "options":
                value = {**value, "preset": "ultrafast"}
            setattr(self._ctx, name, value)

    class CodecContext:
        @staticmethod
        def create(name, mode):
            ctx = av.CodecContext.create(name, mode)
            return Proxy(ctx) if name == "libx264" else ctx

    class AvShim:
        def __getattr__(self, name):
            return getattr(av, name)

    shim = AvShim()
    shim.CodecContext = CodecContext
    h264.av = shim


# ------------------------------------------------------------------ latency viewers

class Decoder:
    """Keeps H.264 decoding state across parts (only the first part of a segment is
    independent)."""

    def __init__(self, init: bytes):
        with av.open(io.BytesIO(init + b"")) as c:
            pass
        self.init = init
        self.ctx = None

    def frames(self, media: bytes) -> list[av.VideoFrame]:
        out = []
        with av.open(io.BytesIO(self.init + media)) as c:
            vs = c.streams.video[0]
            if self.ctx is None:
                self.ctx = av.CodecContext.create("h264", "r")
                self.ctx.extradata = vs.codec_context.extradata
            for pkt in c.demux(vs):
                if pkt.size:
                    out.extend(self.ctx.decode(pkt))
        return out


def latencies_ms(frames, avail: float, src_width: int) -> list[float]:
    now_ms = int(avail * 1000)
    res = []
    for f in frames:
        burned = read_ms(f, src_width)
        d = (now_ms - burned) & 0xFFFFFFFF
        if d < 60_000:
            res.append(float(d))
    return res


async def ll_viewer(base: str, seconds: float, rung: str = "720p",
                    src_width: int = 1280) -> list[float]:
    lat: list[float] = []
    async with aiohttp.ClientSession() as http:
        init = await (await http.get(f"{base}/{rung}/init.mp4")).read()
        dec = Decoder(init)
        text = await (await http.get(f"{base}/{rung}/index.m3u8")).text()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = re.search(r'PRELOAD-HINT:TYPE=PART,URI="s(\d+)\.(\d+)\.m4s"', text)
            if not m:
                break
            msn, part = int(m.group(1)), int(m.group(2))
            async with http.get(f"{base}/{rung}/index.m3u8?_HLS_msn={msn}&_HLS_part={part}"
                                ) as r:
                if r.status != 200:  # fell behind or timed out: rejoin at the live edge
                    text = await (await http.get(f"{base}/{rung}/index.m3u8")).text()
                    continue
                text = await r.text()
            async with http.get(f"{base}/{rung}/s{msn}.{part}.m4s") as r:
                data = await r.read()
            avail = time.time()
            frames = await asyncio.to_thread(dec.frames, data)
            lat += latencies_ms(frames, avail, src_width)
    return lat


async def plain_viewer(base: str, seconds: float, rung: str = "720p",
                       src_width: int = 1280) -> list[float]:
    lat: list[float] = []
    async with aiohttp.ClientSession() as http:
        init = await (await http.get(f"{base}/{rung}/init.mp4")).read()
        text = await (await http.get(f"{base}/{rung}/index.m3u8")).text()
        seq = int(re.search(r"MEDIA-SEQUENCE:(\d+)", text).group(1))
        n = seq + text.count("#EXTINF")  # the segment in progress
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            async with http.get(f"{base}/{rung}/index.m3u8?_HLS_msn={n}") as r:
                if r.status != 200:
                    continue
            async with http.get(f"{base}/{rung}/s{n}.m4s") as r:
                data = await r.read()
            avail = time.time()
            dec = Decoder(init)
            frames = await asyncio.to_thread(dec.frames, data)
            lat += latencies_ms(frames, avail, src_width)
            n += 1
    return lat


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


# ------------------------------------------------------------------ real-time check

def video_samples(segment: bytes) -> int:
    """Video samples (frames) in an fMP4 media segment (track 1 is video here)."""
    n = 0
    for typ, off, size in iter_boxes(segment):
        if typ != "moof":
            continue
        for t2, o2, s2 in iter_boxes(segment, off + 8, off + size):
            if t2 != "traf":
                continue
            tid = int.from_bytes(segment[o2 + 20:o2 + 24], "big")  # tfhd track id
            if tid != 1:
                continue
            for t3, o3, s3 in iter_boxes(segment, o2 + 8, o2 + s2):
                if t3 == "trun":
                    n += int.from_bytes(segment[o3 + 12:o3 + 16], "big")
    return n


async def stream_health(base: str, rung: str = "720p") -> tuple[float, float]:
    """(output fps over the last complete segments, lag of the newest part in seconds)."""
    async with aiohttp.ClientSession() as http:
        text = await (await http.get(f"{base}/{rung}/index.m3u8")).text()
        now = time.time()
        pdt = re.search(r"PROGRAM-DATE-TIME:(\S+)", text)
        segs = re.findall(r"#EXTINF:([\d.]+),\n(s\d+\.m4s)", text)
        parts_after = text.rsplit("#EXTINF", 1)[-1]
        tail = sum(float(x) for x in re.findall(r"PART:DURATION=([\d.]+)", parts_after))
        start = datetime.fromisoformat(pdt.group(1).replace("Z", "+00:00")).timestamp()
        newest = start + sum(float(d) for d, _ in segs) + tail
        frames = dur = 0.0
        for d, uri in segs[-3:]:
            data = await (await http.get(f"{base}/{rung}/{uri}")).read()
            frames += video_samples(data)
            dur += float(d)
    return (frames / dur if dur else 0.0), now - newest


def make_h264_file(path: Path, seconds: int, width=1280, height=720, fps=30) -> Path:
    if path.exists():
        return path
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps, options={"preset": "veryfast", "g": str(fps),
                                                        "profile": "baseline",
                                                        "bf": "0"})
        s.width, s.height, s.pix_fmt, s.bit_rate = width, height, "yuv420p", 3_000_000
        ys, xs = np.mgrid[0:height, 0:width]
        for i in range(seconds * fps):
            img = np.empty((height, width, 3), np.uint8)
            img[..., 0] = (xs + i * 4) % 256
            img[..., 1] = (ys + i * 2) % 256
            img[..., 2] = 96
            x = (i * 12) % (width - 160)
            img[200:360, x:x + 160] = 255
            img += rng.integers(0, 12, img.shape, dtype=np.uint8)
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path


class FilePublisher:
    """Publishes a pre-encoded H.264 file (no encoding in this process) plus a tone."""

    def __init__(self, url: str, key: str, path: Path):
        self.url, self.key = url, key
        self.player = MediaPlayer(str(path), decode=False)
        self.pc = RTCPeerConnection()

    async def start(self) -> int:
        t = self.pc.addTransceiver(self.player.video, direction="sendonly")
        from aiortc import RTCRtpSender
        caps = RTCRtpSender.getCapabilities("video").codecs
        t.setCodecPreferences([c for c in caps if c.mimeType == "video/H264"])
        self.pc.addTransceiver(ToneAudio(), direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with aiohttp.ClientSession() as http:
            async with http.post(self.url, data=self.pc.localDescription.sdp,
                                 headers={"Content-Type": "application/sdp",
                                          "Authorization": f"Bearer {self.key}"}) as r:
                status, body = r.status, await r.text()
        if status == 201:
            await self.pc.setRemoteDescription(RTCSessionDescription(body, "answer"))
        return status

    async def stop(self):
        await self.pc.close()


# ------------------------------------------------------------------ phases

def camera_like_frames(n: int, width=1280, height=720) -> list[np.ndarray]:
    """Gradients that move, a moving block and light per-frame noise (like a camera)."""
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[0:height, 0:width]
    out = []
    for i in range(n):
        img = np.empty((height, width, 3), np.uint8)
        img[..., 0] = (xs + i * 4) % 256
        img[..., 1] = (ys + i * 2) % 256
        img[..., 2] = 96
        x = (i * 12) % (width - 160)
        img[200:360, x:x + 160] = 255
        img += rng.integers(0, 12, img.shape, dtype=np.uint8)
        out.append(av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
                   .to_ndarray())
    return out


def pipeline_cpu(ladder: str, seconds: int = 10, fps: int = 30) -> dict:
    """The packager alone (no WebRTC): 720p30 frames with audio pushed as fast as the
    bounded queue takes them; CPU seconds of the worker thread per second of media."""
    from media.live_hls import LivePipeline, PipelineConfig, parse_ladder

    out = Path(tempfile.mkdtemp(prefix="bench-pipe-"))
    cfg = PipelineConfig(ladder=parse_ladder(ladder))
    cfg.queue_size = 10_000
    p = LivePipeline(out, cfg)
    frames = camera_like_frames(fps)  # one second, looped
    t0 = time.perf_counter()
    # Every thread of this process but the pushing one: the packager's worker thread and
    # the helper threads of swscale (not counted by the worker's own thread_time()).
    ru0, main0 = resource.getrusage(resource.RUSAGE_SELF), time.thread_time()
    for i in range(seconds * fps):
        f = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="yuv420p")
        f.pts, f.time_base = i * 3000, Fraction(1, 90000)
        p.push_video(f)
        for k in range(2):
            a = av.AudioFrame.from_ndarray(np.zeros((1, 800 * 2), np.int16), format="s16",
                                           layout="stereo")
            a.sample_rate, a.pts, a.time_base = 48000, (i * 2 + k) * 800, Fraction(1, 48000)
            p.push_audio(a)
    main1 = time.thread_time()
    p.stop()
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) - (main1 - main0)
    return {"ladder": ladder, "cores": cpu / seconds, "worker_thread_cores":
            p.encode_seconds / seconds,
            "speed": seconds / wall, "dropped": p.dropped}


async def phase_latency(b: Bench, token: str, seconds: float, width: int = 1280,
                        height: int = 720) -> dict:
    proc = await b.start_server(LADDER2)
    await asyncio.sleep(2)
    idle = await cpu_over(proc.proc.pid, 3)
    made = await b.create_stream(token)
    sid = made["stream"]["id"]
    pub = WhipPublisher(proc.url, made["whip_url"], made["stream_key"], width=width,
                        height=height, wall_clock=True)
    assert await pub.start() == 201, pub.body
    t_master = await b.wait_master(sid)
    first = t_master - pub.answered_at
    base = f"{proc.url}/v1/live/{sid}/hls"
    await asyncio.sleep(3)  # past the publisher's bitrate ramp-up
    n0, t0 = pub.video.sent, time.monotonic()
    rung = f"{min(height, 720)}p"
    ll, plain, cpu = await asyncio.gather(ll_viewer(base, seconds, rung, width),
                                          plain_viewer(base, seconds, rung, width),
                                          cpu_over(proc.proc.pid, seconds))
    sent_fps = (pub.video.sent - n0) / (time.monotonic() - t0)
    fps, lag = await stream_health(base, rung)
    await pub.stop()
    return {"sent_fps": sent_fps, "first_playable_s": first, "ll_ms": ll, "plain_ms": plain,
            "cpu_cores": cpu - idle, "idle_cores": idle, "fps": fps, "lag_s": lag,
            "codec": "H264" if "H264" in pub.body else "VP8"}


async def phase_cpu(b: Bench, token: str, ladder: str, path: Path, seconds: float) -> dict:
    proc = await b.start_server(ladder)
    await asyncio.sleep(2)
    idle = await cpu_over(proc.proc.pid, 3)
    made = await b.create_stream(token)
    pub = FilePublisher(proc.url + made["whip_url"], made["stream_key"], path)
    assert await pub.start() == 201
    await b.wait_master(made["stream"]["id"])
    await asyncio.sleep(1)
    cpu = await cpu_over(proc.proc.pid, seconds)
    fps, lag = await stream_health(f"{proc.url}/v1/live/{made['stream']['id']}/hls")
    await pub.stop()
    return {"ladder": ladder, "cpu_cores": cpu - idle, "fps": fps, "lag_s": lag}


async def phase_concurrency(b: Bench, token: str, path: Path, max_n: int,
                            seconds: float) -> list[dict]:
    results = []
    for n in range(1, max_n + 1):
        proc = await b.start_server(LADDER2)
        made = [await b.create_stream(token) for _ in range(n)]
        pubs = [FilePublisher(proc.url + m["whip_url"], m["stream_key"], path) for m in made]
        for p in pubs:
            assert await p.start() == 201
        for m in made:
            await b.wait_master(m["stream"]["id"], 60)
        await asyncio.sleep(2)
        cpu = await cpu_over(proc.proc.pid, seconds)
        health = [await stream_health(f"{proc.url}/v1/live/{m['stream']['id']}/hls")
                  for m in made]
        for p in pubs:
            await p.stop()
        ok = all(f >= 28 and lag < 2.5 for f, lag in health)
        results.append({"streams": n, "cpu_cores": cpu, "min_fps": min(f for f, _ in health),
                        "max_lag_s": max(lag for _, lag in health), "real_time": ok})
        print(results[-1], flush=True)
        if not ok:
            break
    return results


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--max-streams", type=int, default=4)
    ap.add_argument("--skip-concurrency", action="store_true")
    ap.add_argument("--source", default="1280x720", help="publisher size for the latency phase")
    ap.add_argument("--latency-only", action="store_true")
    args = ap.parse_args()
    configure_ice_host_addresses("127.0.0.1")
    fast_publisher_encoder()
    b = Bench(args)
    try:
        token = await b.user_token()
        print(f"machine: {platform.machine()} {os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f}; python {platform.python_version()}, "
              f"PyAV {av.__version__}", flush=True)
        for ladder in (LADDER2, LADDER3) if not args.latency_only else ():
            r = await asyncio.to_thread(pipeline_cpu, ladder)
            print(f"packager only, 720p30 source, ladder {ladder}: {r['cores']:.2f} cores per "
                  f"stream (packager threads' CPU / media time; worker thread alone "
                  f"{r['worker_thread_cores']:.2f}), {r['speed']:.1f}x real time flat out",
                  flush=True)
        sw, sh = (int(x) for x in args.source.split("x"))
        lat = await phase_latency(b, token, args.seconds, sw, sh)
        print(f"publisher codec {lat['codec']}; WHIP answer -> master playlist: "
              f"{lat['first_playable_s']:.2f} s", flush=True)
        for name in ("ll_ms", "plain_ms"):
            xs = lat[name] or [float("nan")]
            print(f"{name[:-3]:>5}: frame-to-playable median {statistics.median(xs):.0f} ms, "
                  f"p95 {pct(xs, 0.95):.0f} ms, min {min(xs):.0f} ms (n={len(xs)})",
                  flush=True)
        print(f"{args.source} source: server CPU, 720/360 ladder, aiortc source sending {lat['sent_fps']:.1f} fps: "
              f"{lat['cpu_cores']:.2f} cores "
              f"(idle {lat['idle_cores']:.2f}), output {lat['fps']:.1f} fps, "
              f"lag {lat['lag_s']:.2f} s", flush=True)
        if args.latency_only:
            return
        path = make_h264_file(Path(tempfile.gettempdir()) / "bench_live_720p30.ts", 60)
        for ladder in (LADDER2, LADDER3):
            r = await phase_cpu(b, token, ladder, path, args.seconds)
            print(f"ladder {ladder}: {r['cpu_cores']:.2f} cores per stream, output "
                  f"{r['fps']:.1f} fps, lag {r['lag_s']:.2f} s", flush=True)
        if not args.skip_concurrency:
            await phase_concurrency(b, token, path, args.max_streams, args.seconds)
    finally:
        if b.proc:
            b.proc.stop()
        await drop_test_stores(b.settings)


if __name__ == "__main__":
    asyncio.run(main())
