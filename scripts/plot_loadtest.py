"""Plot latency against load from `python -m scripts.loadtest ... --json` summaries.

    python scripts/plot_loadtest.py OUT.png run1.json run2.json ...

One line per scenario: x = delivered msgs/s, y = p50 and p99 latency (ms).
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict


def main(out: str, paths: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = defaultdict(list)
    for p in paths:
        d = json.load(open(p))
        if d.get("delivered_per_s") and d["latency_ms"]["p50"] is not None:
            series[d["scenario"]].append((d["delivered_per_s"], d["latency_ms"]["p50"],
                                          d["latency_ms"]["p99"]))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, pts in sorted(series.items()):
        pts.sort()
        xs = [x for x, _, _ in pts]
        ax.plot(xs, [p50 for _, p50, _ in pts], marker="o", label=f"{name} p50")
        ax.plot(xs, [p99 for _, _, p99 in pts], marker="x", linestyle="--", label=f"{name} p99")
    ax.set_xlabel("delivered msgs/s (two server processes)")
    ax.set_ylabel("send → receive latency (ms)")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Latency against load (scripts/loadtest.py)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
