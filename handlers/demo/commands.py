"""`python -m server seed`: fill the running development server with a demo world."""
from __future__ import annotations


def _seed(args) -> int:
    import asyncio
    import sys

    from handlers.demo.world import SeedFailed, seed

    try:
        asyncio.run(seed(args.server))
    except SeedFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("seed", help="development: a demo world (creator with videos and a "
                                    "live-ready stream, fans with balances, moderator, admin, "
                                    "DMs, posts, a held item) on the running server")
    p.add_argument("--server", default=None,
                   help="default: the running serve of DATA_DIR, else http://127.0.0.1:8080")
    p.set_defaults(run=_seed)
