"""Review helper for the moderation lists (a tool for people; not run by the server).

Prints every rule or combo that fires on benign text, to decide whether a rule is too broad
(the fix goes into the rule, its flags or a combo's `!concept`, never into an allow list):

    python scripts/review_moderation_lists.py tests/moderation_benign.txt \
        handlers/moderation/data/train.tsv   # TSVs: rows labelled 0 or benign
    python scripts/review_moderation_lists.py --words /usr/share/dict/words   # one word a line

A `.tsv` file is read as labelled rows (the text is the last column; rows whose label
column says 0 or benign are checked); any other file as one benign message a line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.moderation.lists import default_matcher  # noqa: E402


def benign_lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if path.suffix == ".tsv":
            cols = line.split("\t")
            if "0" in cols[:2] or "benign" in cols[:2]:
                yield cols[-1]
        else:
            yield line


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--words", type=Path, help="a word list: report words a rule matches")
    a = ap.parse_args()
    m = default_matcher()
    fired = 0
    for path in a.files + ([a.words] if a.words else []):
        for text in benign_lines(path):
            hit = m.match(text)
            if hit:
                fired += 1
                print(f"{path.name}\t{hit.rule.id}\t{hit.rule.term}\t{text}")
    print(f"# {fired} benign lines matched", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
