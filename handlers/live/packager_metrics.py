"""The live packager's figures on /metrics: what a busy machine cannot hide.

Glass-to-glass latency measured in a browser mixes the server with the publisher's and the
viewer's CPU; these two are the server's own share, per process:
- `sawt_live_part_ready_seconds`: a part listed in its playlist − the arrival of its last
  frame (decode → scale → x264 → mux → files; ideally one frame interval, the next frame
  being what tells the muxer a part ended);
- `sawt_live_packager_cpu_seconds_total` / `sawt_live_media_seconds_total`: packager
  worker-thread CPU per second of video (all rungs).
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram

from server.state import AppState


class PackagerMetrics:
    """A media.live_hls.PackagerObserver feeding this process's registry (thread-safe)."""

    def __init__(self, registry) -> None:
        self.ready = Histogram(
            "sawt_live_part_ready_seconds", "LL-HLS part listed minus arrival of its last frame",
            ["rung"], registry=registry,
            buckets=(0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25,
                     0.3, 0.4, 0.5, 0.75, 1, 2))
        self.cpu = Counter("sawt_live_packager_cpu_seconds_total",
                           "CPU seconds of the live packagers' worker threads",
                           registry=registry)
        self.media = Counter("sawt_live_media_seconds_total",
                             "Seconds of video the live packagers processed", registry=registry)

    def part_ready(self, rung: str, seconds: float) -> None:
        self.ready.labels(rung).observe(seconds)

    def packaged(self, cpu_seconds: float, media_seconds: float) -> None:
        self.cpu.inc(max(0.0, cpu_seconds))
        self.media.inc(max(0.0, media_seconds))


def packager_metrics(state: AppState) -> PackagerMetrics:
    m = state.extras.get("live_packager_metrics")
    if m is None:
        m = state.extras["live_packager_metrics"] = PackagerMetrics(state.metrics.registry)
    return m
