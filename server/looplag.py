"""How late the event loop runs: a timer that should fire every `interval` measures how late
it fired (`sawt_event_loop_lag_seconds` on /metrics), and names a stall when the loop was
held past a threshold: a callback ran, or blocked (a sync sleep, sync I/O), that long.

Lateness spent waiting for a CPU on a crowded machine is not a stall: the kernel counts the
loop thread's run-queue wait (/proc/self/task/<tid>/schedstat), and that wait is taken off
the lag before it is compared. Tests set LOOP_STALL_SECONDS=0.2 and fail on any stall.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger("looplag")


def _run_queue_wait(path: str | None) -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (0 when unknown)."""
    if path is None:
        return 0.0
    try:
        with open(path, "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass
class LoopLagMonitor:
    histogram: object  # prometheus Histogram
    interval: float = 0.1
    stall_seconds: float = 0.0  # 0: measure only
    stalls: list[dict] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        try:
            open(path, "rb").close()
        except OSError:
            path = None
        while True:
            due = loop.time() + self.interval
            waited = _run_queue_wait(path)
            await asyncio.sleep(self.interval)
            lag = max(0.0, loop.time() - due)
            self.histogram.observe(lag)
            if self.stall_seconds and lag > self.stall_seconds:
                held = lag - (_run_queue_wait(path) - waited)
                if held > self.stall_seconds:
                    stall = {"lag_seconds": round(lag, 3), "held_seconds": round(held, 3)}
                    self.stalls.append(stall)
                    log.error("loop_stalled", **stall)
