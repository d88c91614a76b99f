"""`python -m server moderate`: one JSON decision per line of standard input.

    echo "enta 7mar" | python -m server moderate --context comment
    {"decision": "hold", "layer": "lists", "reason": "insult: egyptian.tsv:120 حمار", "score": null}

For moderators tuning the lists and for offline evaluation; no database or Redis needed.
"""
from __future__ import annotations

import json
import sys


def _run(args) -> int:
    from handlers.moderation.gate import moderate_text_sync

    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\n")
        d = moderate_text_sync(text, user_id=args.user, context=args.context,
                               use_model=not args.no_model)
        row = d.as_dict()
        if args.echo:
            row["text"] = text
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("moderate", help="moderate lines of stdin; one JSON decision per line")
    p.add_argument("--context", default="chat",
                   help="chat | comment | post | profile (public contexts hold phone numbers)")
    p.add_argument("--user", default=None, help="user id, enables the flooding check")
    p.add_argument("--no-model", action="store_true", help="layers 1-2 only")
    p.add_argument("--echo", action="store_true", help="include the input text in each line")
    p.set_defaults(run=_run)
