"""Where a chat node's CPU goes: read py-spy's collapsed stacks (`loadtest_local.py
--profile DIR` writes DIR/node<i>.txt) and print the share of samples spent inside each of a
few named parts of the send path (inclusive), own time by area (moderation, the socket engine,
asyncio, redis-py...) and the top functions by own time.

    python scripts/bench_chat_profile.py DIR [--top 25]

Shares are of the samples py-spy took while the node's thread was running (idle waiting in
the event loop's poll is not sampled). Not a test; figures go to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# a part of the send path -> a pattern matched against one frame ("function (file:line)")
PARTS = {
    "per-user rate limit (rooms/ratelimit.check_rate)": r"^check_rate \(.*ratelimit",
    "precheck (batches.precheck)": r"^(precheck|run) \(.*chat/batches\.py",
    "moderation (moderate_text)": r"^moderate_text ",
    "group commit write (store_messages)": r"^store_messages ",
    "batch fan-out (_push_messages)": r"^_push_messages ",
    "pub/sub receive + local delivery": r"(subscription\.py|_handle_message|_listen)",
    "socket writes (EngineSocket.flush)": r"^EngineSocket.flush ",
    "asyncpg (all)": r"asyncpg",
    "redis-py (all)": r"redis/",
}


# own time by area: the frame a sample ended in, by the file it is in
AREAS = [("handlers/moderation", "moderation"), ("server/engine", "socket engine (server/engine)"),
         ("socketio/", "python-socketio"), ("engineio/", "python-socketio"),
         ("asyncpg", "asyncpg"), ("redis/", "redis-py + limits"), ("limits/", "redis-py + limits"),
         ("handlers/chat", "chat handlers"), ("asyncio/", "asyncio (loop, tasks, streams)"),
         ("rooms/", "rooms"), ("server/", "server (other)"), ("json/", "json"),
         ("structlog", "structlog")]


def area(frame: str) -> str:
    return next((name for key, name in AREAS if key in frame), "other")


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            stacks.append((stack.split(";"), int(n)))
    return stacks


def report(path: Path, top: int) -> str:
    stacks = load(path)
    total = sum(n for _, n in stacks) or 1
    out = [f"{path.name}: {total} samples"]
    for name, pattern in PARTS.items():
        rx = re.compile(pattern)
        hit = sum(n for frames, n in stacks if any(rx.search(f) for f in frames))
        out.append(f"  {100 * hit / total:5.1f} %  {name}")
    own, areas = Counter(), Counter()
    for frames, n in stacks:
        own[re.sub(r":\d+\)$", ")", frames[-1])] += n
        areas[area(frames[-1])] += n
    out.append("  own time by area: " + ", ".join(
        f"{name} {100 * n / total:.0f} %" for name, n in areas.most_common()))
    out.append("  top own time:")
    out += [f"  {100 * n / total:5.1f} %  {f}" for f, n in own.most_common(top)]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    for path in sorted(args.dir.glob("node*.txt")):
        print(report(path, args.top))


if __name__ == "__main__":
    main()
