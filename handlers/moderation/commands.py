"""`python -m server moderate`: one JSON decision per line of standard input.
`python -m server moderation-labels`: the decided review queue as labelled examples.

    echo "enta 7mar" | python -m server moderate --context comment
    {"decision": "hold", "layer": "lists", "reason": "insult: egyptian.tsv:120 حمار", "score": null}

    python -m server moderation-labels --out train.tsv --until 2026-11-01
    python -m server moderation-labels --out nov.tsv --since 2026-11-01
    python scripts/train_moderation_model.py --extra train.tsv  # the past decisions
    python scripts/eval_moderation.py --file nov.tsv            # measured on later ones

`moderate` is for moderators tuning the lists and for offline evaluation (no database or
Redis needed); `moderation-labels` reads the database of this DATA_DIR or DATABASE_URL.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime, timezone


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


LABELS_HEADER = (
    "# The review queue's decisions (python -m server moderation-labels): users' own words,\n"
    "# personal data under PDPL: keep this file out of the repository and delete it after use.\n"
    "# split<TAB>label<TAB>kind<TAB>lang<TAB>context<TAB>text, as tests/moderation_eval.tsv;\n"
    "# split: how it reached the queue (auto: held by the gate, report, sample: drawn from\n"
    "# allowed public text); kind: abuse | hard (benign the gate held) | chat (other benign).\n")


def _when(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"{flag}: not an ISO date or time: {value[:40]!r}")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _private_file(path: str):
    """`path` opened for writing, readable by its owner only: it will hold what users wrote
    (an older file keeps its mode through O_TRUNC, hence the fchmod)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise SystemExit(f"--out: cannot write {path}: {exc.strerror}")
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


def _run_labels(args) -> int:
    from handlers.moderation.labels import collect_labels
    from server.cli import command_state

    since, until = _when(args.since, "--since"), _when(args.until, "--until")

    async def collect():
        async with command_state() as state:
            return await collect_labels(state, since=since, until=until, limit=args.limit)

    out = sys.stdout if args.out == "-" else _private_file(args.out)  # fail before reading
    try:
        labels = asyncio.run(collect())
        out.write(LABELS_HEADER + "".join(e.row() + "\n" for e in labels.examples))
    finally:
        if out is not sys.stdout:
            out.close()
    print(json.dumps(labels.summary()), file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("moderate", help="moderate lines of stdin; one JSON decision per line")
    p.add_argument("--context", default="chat",
                   help="chat | comment | post | profile (public contexts hold phone numbers)")
    p.add_argument("--user", default=None, help="user id, enables the flooding check")
    p.add_argument("--no-model", action="store_true", help="layers 1-2 only")
    p.add_argument("--echo", action="store_true", help="include the input text in each line")
    p.set_defaults(run=_run)
    p = sub.add_parser("moderation-labels",
                       help="the decided review queue as labelled examples (TSV)")
    p.add_argument("--out", default="-", help="file to write (mode 600); - for stdout")
    p.add_argument("--since", default=None, help="only items decided since (ISO date or time)")
    p.add_argument("--until", default=None,
                   help="only items decided before (ISO date or time): train on one period, "
                        "measure on the next")
    p.add_argument("--limit", type=int, default=100_000, help="at most this many items")
    p.set_defaults(run=_run_labels)
