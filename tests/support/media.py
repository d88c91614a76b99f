"""Short test clips made with PyAV (no binary fixtures), and a tus upload helper."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def make_clip(path: Path, *, seconds: float = 2.0, width: int = 1280, height: int = 720,
              fps: int = 15, audio: bool = True, rotation: int = 0) -> Path:
    """An H.264/AAC MP4: a moving bar over a colour ramp, and a 440 Hz tone."""
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        v.options = {"preset": "ultrafast"}
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio:
            a = out.add_stream("aac", rate=44100)
            a.layout = "stereo"
        n = int(seconds * fps)
        base = np.zeros((height, width, 3), np.uint8)
        base[..., 2] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
        for i in range(n):
            img = base.copy()
            x = (i * width // max(n, 1)) % width
            img[:, x:x + width // 20, :] = 255
            img[..., 1] = (i * 7) % 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        if a is not None:
            samples, total = 1024, int(seconds * 44100)
            for k in range(0, total, samples):
                t = (np.arange(samples) + k) / 44100
                tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                fr = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp",
                                                layout="stereo")
                fr.sample_rate, fr.pts = 44100, k
                for p in a.encode(fr):
                    out.mux(p)
            for p in a.encode():
                out.mux(p)
    return path


def tus_upload(base_url: str, token: str, path: Path, *, chunk_size: int,
               stop_after_chunks: int | None = None, url: str | None = None,
               filetype: str = "video/mp4") -> tuple[str, int]:
    """Upload `path` with tuspy (the real client); returns (upload url, offset reached).

    `stop_after_chunks` stops part-way (as an app killed mid-upload would); `url` resumes an
    upload whose URL the app remembered."""
    from tusclient.client import TusClient

    client = TusClient(base_url + "/v1/uploads/", headers={"Authorization": f"Bearer {token}"})
    up = client.uploader(str(path), chunk_size=chunk_size, url=url, upload_checksum=True,
                         metadata={"filename": path.name, "filetype": filetype}, retries=0)
    if up.url is None:
        up.set_url(up.create_url())
        up.offset = 0
    n = 0
    while up.offset < up.get_file_size():
        if stop_after_chunks is not None and n >= stop_after_chunks:
            break
        up.upload_chunk()
        n += 1
    return up.url, up.offset
