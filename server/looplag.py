"""How late the event loop runs: a timer that should fire every `interval` measures how late
it fired (`sawt_event_loop_lag_seconds` on /metrics), and names a stall when the loop was
held past a threshold: a callback ran, or blocked (a sync sleep, fsync, sync I/O), that long.

Lateness that is not the loop's fault is not a stall: the kernel counts the loop thread's
run-queue wait (/proc/self/task/<tid>/schedstat, time spent waiting for a CPU on a crowded
machine) and that is taken off the lag; and a watchdog thread samples the loop thread's stack
while it is overdue, so a loop found idle in its selector is not called stalled, and a real
stall is reported with the stack that held it (when the watchdog cannot look because the loop
thread holds the GIL, the loop thread's own CPU time decides). A stall is one callback:
when the watchdog's samples during one overdue period caught different callbacks (a thousand
sockets dropped at once, two hundred concurrent requests), the loop was busy, not held, and
that shows as lag on /metrics only. Tests set LOOP_STALL_SECONDS=0.3 (TEST_LOOP_STALL_SECONDS) and fail on any stall.
"""
from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
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


def _idle_in_selector(frame) -> bool:
    """The loop thread is not running a callback: it waits for I/O (its innermost Python
    frame is the selector, or the runner that entered uvloop's C loop), or it is not inside
    the loop at all (a test runner between a test's phases: no `_run_once` on the stack)."""
    if frame is None:
        return True
    name = frame.f_code.co_filename
    if name.endswith(("selectors.py", "runners.py")) or "uvloop" in name:
        return True
    f = frame
    while f is not None:
        code = f.f_code
        if "uvloop" in code.co_filename or (
                code.co_name == "_run_once" and code.co_filename.endswith("base_events.py")):
            return False  # a callback of a running loop
        f = f.f_back
    return True


_LOOP_FILES = ("runners.py", "base_events.py", "events.py")


def _callback_root(frame):
    """The outermost frame of the callback the loop is running: the frame the loop machinery
    called (a coroutine's frame stays the same object across its steps; a plain callback's
    frame is new on each call)."""
    f = frame
    while f is not None:
        back = f.f_back
        if back is None or back.f_code.co_filename.endswith(_LOOP_FILES):
            return f
        f = back
    return None


def _where(frame) -> str:
    """Where the loop was held: the innermost frames, then our own callers (innermost first)."""
    if frame is None:
        return ""
    frames = traceback.extract_stack(frame)
    own = [f for f in frames if "site-packages" not in f.filename
           and "/lib/python3" not in f.filename and not f.filename.startswith("<")]
    pick = own[-6:] + [f for f in frames[-3:] if f not in own]
    return " <- ".join(f"{f.filename}:{f.lineno} "
                       f"{f.name}" for f in reversed(pick))[:2000]


@dataclass
class LoopLagMonitor:
    histogram: object  # prometheus Histogram
    interval: float = 0.1
    stall_seconds: float = 0.0  # 0: measure only
    stalls: list[dict] = field(default_factory=list)
    _tick: float = 0.0
    _sample: tuple[bool, str] | None = None
    _roots: list = field(default_factory=list)  # callback roots sampled while overdue

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        try:
            open(path, "rb").close()
        except OSError:
            path = None
        stop = threading.Event()
        if self.stall_seconds:
            threading.Thread(target=self._watch, args=(threading.get_ident(), stop),
                             name="loop-stall-watchdog", daemon=True).start()
        try:
            while True:
                due = loop.time() + self.interval
                waited, cpu = _run_queue_wait(path), time.thread_time()
                self._tick, self._sample = time.monotonic() + self.interval, None
                self._roots = []
                await asyncio.sleep(self.interval)
                lag = max(0.0, loop.time() - due)
                self.histogram.observe(lag)
                if self.stall_seconds and lag > self.stall_seconds:
                    self._judge(lag, lag - (_run_queue_wait(path) - waited),
                                time.thread_time() - cpu)
        finally:
            stop.set()

    def _judge(self, lag: float, held: float, busy: float) -> None:
        """A stall: held past the threshold (run-queue wait excluded), and either caught in
        a callback by the watchdog or, when the watchdog could not look (the loop thread
        held the GIL), busy on the CPU that long itself."""
        sample, roots = self._sample, self._roots
        self._roots = []
        if held <= self.stall_seconds or (sample is not None and sample[0]):
            return  # waiting for a CPU, or idle in the selector: not the loop's fault
        if len(roots) > 1 and any(r is not roots[0] for r in roots):
            return  # different callbacks one after another: busy, not held by one
        if sample is None and busy <= self.stall_seconds:
            return  # not seen running, not busy: waiting on another thread or the disk
        stall = {"lag_seconds": round(lag, 3), "held_seconds": round(held, 3),
                 "busy_seconds": round(busy, 3),
                 "stack": sample[1] if sample else "(busy in one call; not sampled)"}
        self.stalls.append(stall)
        log.error("loop_stalled", **stall)

    def _watch(self, loop_ident: int, stop: threading.Event) -> None:
        """Sample the loop thread's stack while it is overdue: the first sample says where,
        every sample in a callback adds that callback's root (one callback, or many?)."""
        while not stop.wait(self.interval / 4):
            if time.monotonic() - self._tick <= self.stall_seconds / 2:
                continue
            frame = sys._current_frames().get(loop_ident)
            idle = _idle_in_selector(frame)
            if not idle and len(self._roots) < 64:
                self._roots.append(_callback_root(frame))
            if self._sample is None and time.monotonic() - self._tick > self.stall_seconds:
                self._sample = (idle, _where(frame))
            del frame
