"""Quality of the moderation gate on the held-out set tests/moderation_eval.tsv.

    python scripts/eval_moderation.py            # table per configuration and per language
    python scripts/eval_moderation.py --misses   # also print every mistake of the full gate

A message counts as flagged when the decision is hold or block. Configurations: layers 1-2
(lists + patterns), the model alone, and all three (what the server runs).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.moderation.engine import Moderator  # noqa: E402
from handlers.moderation.lists import default_matcher  # noqa: E402
from handlers.moderation.model import load_default_model  # noqa: E402

EVAL = ROOT / "tests" / "moderation_eval.tsv"


@dataclass
class Row:
    label: int
    lang: str
    kind: str
    text: str


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, flagged: bool) -> None:
        if label and flagged:
            self.tp += 1
        elif label:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

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

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


def load_eval(path: Path = EVAL) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, lang, kind, text = line.split("\t", 3)
            rows.append(Row(int(label), lang, kind, text))
    return rows


class ModelOnly:
    def __init__(self, model):
        self.model, self.matcher = model, default_matcher()

    def check(self, text, **_):
        from handlers.moderation.decision import Decision
        s = self.model.score(self.matcher.normalize(text))
        return Decision("hold" if s >= self.model.threshold else "allow", "model", None, s)


def configurations() -> dict[str, object]:
    model = load_default_model()
    return {"layers 1-2": Moderator(default_matcher(), None),
            "model only": ModelOnly(model),
            "all three": Moderator(default_matcher(), model)}


def evaluate(gate, rows: list[Row]) -> tuple[Scores, dict[str, Scores], Scores, list]:
    """(overall, per language, benign chat only, mistakes). No user id: no flood state."""
    total, per_lang, chat, misses = Scores(), {}, Scores(), []
    for r in rows:
        d = gate.check(r.text, context="chat")
        flagged = d.action != "allow"
        total.add(r.label, flagged)
        per_lang.setdefault(r.lang, Scores()).add(r.label, flagged)
        if r.label == 0 and r.kind == "chat":
            chat.add(0, flagged)
        if flagged != bool(r.label):
            misses.append((r, d))
    return total, per_lang, chat, misses


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--misses", action="store_true")
    a = ap.parse_args()
    rows = load_eval()
    n_pos = sum(r.label for r in rows)
    print(f"held-out set: {len(rows)} messages, {n_pos} abusive, {len(rows) - n_pos} benign "
          f"({sum(1 for r in rows if r.kind == 'hard')} hard benign)\n")
    print("| configuration | slice | precision | recall | F1 | FPR (benign) |")
    print("|---|---|---|---|---|---|")
    full_misses = []
    for name, gate in configurations().items():
        total, per_lang, chat, misses = evaluate(gate, rows)
        print(f"| {name} | all | {total.precision:.3f} | {total.recall:.3f} | {total.f1:.3f} "
              f"| {total.fpr:.3f} |")
        for lang in ("ar", "franco", "en", "mixed"):
            s = per_lang.get(lang)
            if s:
                print(f"| {name} | {lang} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
                      f"| {s.fpr:.3f} |")
        print(f"| {name} | benign chat | | | | {chat.fpr:.3f} |")
        if name == "all three":
            full_misses = misses
    if a.misses:
        print()
        for r, d in full_misses:
            print(f"{'FN' if r.label else 'FP'}\t{r.lang}\t{r.text}\t{d.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
