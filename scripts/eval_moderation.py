"""Quality of the moderation gate per category on tests/moderation_eval.tsv.

    python scripts/eval_moderation.py                  # held-out split, all configurations
    python scripts/eval_moderation.py --split dev      # the split the lists were written on
    python scripts/eval_moderation.py --misses         # also print every mistake of the gate
    python scripts/eval_moderation.py --round v8       # one round only (v4 ... v15)
    python scripts/eval_moderation.py --file queue.tsv # the review queue's decisions
                                                       # (python -m server moderation-labels)
    python scripts/eval_moderation.py --file queue.tsv --split sample  # allowed traffic
    python scripts/eval_moderation.py --model /tmp/m25.npz  # other layer-3 weights

A message is flagged when the decision is hold or block, and flagged *as* a category when
the decision carries it. Per category: precision, recall and F1 of "flagged as C" against
"labelled C" (a threat flagged as an insult is a miss for threat and a false alarm for
insult). Benign false-positive rate: benign messages flagged as anything. Each row is
moderated in its own context (dm, comment, post, live_chat). Configurations: layers 1-2
(lists + patterns), and all three (what the server runs, with the model).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.moderation.engine import Moderator  # noqa: E402
from handlers.moderation.lists import CATEGORIES, default_matcher  # noqa: E402
from handlers.moderation.model import CategoryModel, load_default_model  # noqa: E402
from handlers.moderation.patterns import FloodTracker  # noqa: E402

EVAL = ROOT / "tests" / "moderation_eval.tsv"
CONTEXTS = {"dm": "chat"}  # the eval's surface names -> the gate's context names


@dataclass
class Row:
    split: str
    label: str  # a category or "benign"
    kind: str
    lang: str
    context: str
    text: str


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    per_category: dict[str, Scores] = field(default_factory=dict)
    benign: int = 0
    benign_flagged: int = 0
    hard: int = 0
    hard_flagged: int = 0
    abusive: int = 0
    abusive_flagged: int = 0
    mistakes: list = field(default_factory=list)

    @property
    def benign_fpr(self) -> float:
        return self.benign_flagged / self.benign if self.benign else 0.0

    @property
    def hard_fpr(self) -> float:
        return self.hard_flagged / self.hard if self.hard else 0.0


def load_eval(path: Path = EVAL, split: str | None = "heldout") -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            cols = line.split("\t", 5)
            if len(cols) != 6:
                raise SystemExit(f"{path}:{n}: {len(cols)} columns, expected 6 (split, label, "
                                 "kind, lang, context, text)")
            r = Row(*cols)
            if split in (None, r.split):
                rows.append(r)
    return rows


def round_of(text: str) -> str:
    """Which round a row was written in (build_moderation_data.round_rows; v4 and earlier:
    "v4")."""
    global _ROUNDS
    if _ROUNDS is None:
        from scripts.build_moderation_data import round_rows
        _ROUNDS = {r[5]: rnd for rnd in ROUNDS[1:]
                   for r in round_rows(rnd)}
    return _ROUNDS.get(text, "v4")


_ROUNDS: dict[str, str] | None = None
ROUNDS = ("v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15")
DEV_ROUNDS = ("v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14")  # measured once, then dev


def configurations(model_path: Path | None = None) -> dict[str, Moderator]:
    model = load_default_model() if model_path is None else CategoryModel.load(model_path)
    # a flood tracker that never sees a user id: every row is judged on its own
    return {"layers 1-2": Moderator(default_matcher(), None, FloodTracker()),
            "all three": Moderator(default_matcher(), model, FloodTracker())}


def evaluate(gate: Moderator, rows: list[Row]) -> Report:
    rep = Report(per_category={c: Scores() for c in CATEGORIES})
    for r in rows:
        d = gate.check(r.text, context=CONTEXTS.get(r.context, r.context))
        flagged = d.action != "allow"
        got = d.category if flagged else None
        if r.label == "benign":
            rep.benign += 1
            rep.benign_flagged += flagged
            if r.kind == "hard":
                rep.hard += 1
                rep.hard_flagged += flagged
        else:
            rep.abusive += 1
            rep.abusive_flagged += flagged
        if r.label in rep.per_category:
            s = rep.per_category[r.label]
            if got == r.label:
                s.tp += 1
            else:
                s.fn += 1
        if got in rep.per_category and got != r.label:
            rep.per_category[got].fp += 1
        if got != (None if r.label == "benign" else r.label):
            rep.mistakes.append((r, d))
    return rep


def print_report(name: str, rep: Report) -> None:
    print(f"\n### {name}\n")
    print("| category | n | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    for c, s in rep.per_category.items():
        n = s.tp + s.fn
        if n:
            print(f"| {c} | {n} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |")
    print(f"\nbenign flagged: {rep.benign_flagged}/{rep.benign} = {rep.benign_fpr:.2%} "
          f"(hard benign {rep.hard_flagged}/{rep.hard} = {rep.hard_fpr:.2%}); abusive "
          f"flagged as anything: {rep.abusive_flagged}/{rep.abusive}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default=None,
                    help="heldout (default), dev or all; with --file, that file's rows of one "
                         "split (the review queue's: auto, report, sample), default all")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--round", choices=ROUNDS,
                    help="rows of one round: v15 threat, sexual and hard benign; v4 the other "
                         "categories and the hand-written benign rows (v5-v14: dev)")
    ap.add_argument("--model", type=Path,
                    help="layer-3 weights to use instead of the shipped ones (e.g. from "
                         "train_moderation_model.py --out)")
    ap.add_argument("--file", type=Path,
                    help="every row of this file instead (same columns; e.g. the review "
                         "queue's decisions from `python -m server moderation-labels`)")
    a = ap.parse_args()
    if a.file is not None:
        if a.round:
            ap.error("--round names rows of the project's set, not of --file")
        rows = load_eval(a.file, split=a.split)
    else:
        a.split = a.split or "heldout"
        if a.split not in ("heldout", "dev", "all"):
            ap.error("--split: heldout, dev or all")
        rows = load_eval(split=None if a.split == "all" else a.split)
    if a.round:
        rows = [r for r in rows if round_of(r.text) == a.round
                and (a.round in DEV_ROUNDS or r.split == "heldout")]
    where = (f"{a.file}{' split ' + a.split if a.split else ''}" if a.file is not None
             else f"split {a.split}{' round ' + a.round if a.round else ''}")
    print(f"{where}: {len(rows)} messages")
    rep = None
    for name, gate in configurations(a.model).items():
        rep = evaluate(gate, rows)
        print_report(name, rep)
    if a.misses and rep is not None:
        print()
        for r, d in rep.mistakes:
            print(f"{r.label}\t{d.action}:{d.category}\t{r.lang}\t{r.context}\t{r.text}\t"
                  f"{d.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
