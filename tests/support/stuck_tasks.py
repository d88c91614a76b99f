"""A test about to hit its timeout prints what each asyncio task of its loop is waiting on.

pytest-timeout prints every thread's stack, and a test stuck on an await that never returns
shows only the event loop idling in `select()` there (CI, 2026-12-05:
tests/test_engine_admission.py, 120 s). The tasks' own stacks name the await. The report is
asked of the loop itself (`call_soon_threadsafe`), so it only runs when the loop is idle or
between callbacks; a loop held by one call is pytest-timeout's thread dump to read.
"""
from __future__ import annotations

import asyncio
import gc
import inspect
import io
import sys
import threading

import pytest

REPORT_BEFORE_TIMEOUT = 15.0  # s before pytest-timeout's own failure


def _timeout_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    given = item.config.getoption("timeout", None)
    if given is None:
        given = item.config.getini("timeout")
    return float(given or 0)


def _await_chain(task: asyncio.Task) -> list[str]:
    """Where a task waits, outermost first: its coroutine, then what that awaits, down to
    the innermost await (a task's own stack shows only the outermost frame)."""
    return _await_chain_of(task.get_coro())


def _await_chain_of(obj) -> list[str]:
    lines = []
    for _ in range(50):
        frame = getattr(obj, "cr_frame", None) or getattr(obj, "ag_frame", None) \
            or getattr(obj, "gi_frame", None)
        if frame is None:
            if obj is not None:
                lines.append(f"    awaiting {obj!r:.200}")
            break
        lines.append(f"    {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        obj = getattr(obj, "cr_await", None) or getattr(obj, "ag_await", None) \
            or getattr(obj, "gi_yieldfrom", None)
    return lines


def _print_tasks(nodeid: str) -> None:
    tasks = asyncio.all_tasks()
    out = io.StringIO()
    out.write(f"\n=== {nodeid}: still running near its timeout; {len(tasks)} asyncio tasks ===\n")
    for task in tasks:
        out.write(f"{task.get_name()}:\n")
        out.write("\n".join(_await_chain(task)) + "\n")
    # a chain that ends in an `async_generator_asend` (a fixture's teardown) continues in
    # the generator, which the send object does not name: the running ones, found by gc
    running = [g for g in gc.get_objects() if inspect.isasyncgen(g) and g.ag_running]
    for gen in running:
        out.write(f"running async generator {gen.ag_code.co_name}:\n")
        out.write("\n".join(_await_chain_of(gen)) + "\n")
    print(out.getvalue(), file=sys.stderr, flush=True)


def _report(nodeid: str) -> None:
    loops = [o for o in gc.get_objects()
             if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()]
    for loop in loops:
        loop.call_soon_threadsafe(_print_tasks, nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    timeout = _timeout_of(item)
    timer = None
    if timeout > REPORT_BEFORE_TIMEOUT:
        timer = threading.Timer(timeout - REPORT_BEFORE_TIMEOUT, _report, (item.nodeid,))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
