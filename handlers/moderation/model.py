"""Layer 3: a local text classifier, trained in this repository, nothing downloaded.

A logistic regression over character n-grams (3 and 4) and words/word pairs of the two
normalised views (normalize.py): the Arabic-letter skeleton, where Franco-Arabic and Arabic
script meet, and the Latin view for English. Trained by scripts/train_moderation_model.py
on data/train.tsv; the weights are data/model.json (features with non-zero weight only).
Scoring a message is a few hundred dict look-ups: it runs inline (see docs/benchmarks.md).
It only ever holds a message for review; it never blocks one on its own.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from handlers.moderation.normalize import Normalized

MODEL_PATH = Path(__file__).parent / "data" / "model.json"


def features(norm: Normalized) -> list[str]:
    out: list[str] = []
    for view, tag in ((norm.skeleton, "s"), (norm.latin, "l")):
        if len(view) < 3:
            continue
        toks = view.split()
        out.extend(tag + "w" + t for t in toks)
        out.extend(tag + "b" + a + "_" + b for a, b in zip(toks, toks[1:]))
        for n in (3, 4):
            tn = tag + str(n)
            out.extend(tn + view[i:i + n] for i in range(len(view) - n + 1))
    return out


class CharNgramModel:
    def __init__(self, weights: dict[str, float], bias: float, threshold: float,
                 name: str = "charngram-lr"):
        self.weights, self.bias, self.threshold, self.name = weights, bias, threshold, name

    def score(self, norm: Normalized) -> float:
        """Probability that the message is abusive."""
        get = self.weights.get
        z = self.bias
        for f in features(norm):
            z += get(f, 0.0)
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict:
        return {"name": self.name, "bias": self.bias, "threshold": self.threshold,
                "weights": self.weights}

    @classmethod
    def from_json(cls, data: dict) -> "CharNgramModel":
        return cls(data["weights"], data["bias"], data["threshold"], data.get("name", "model"))


def load_default_model() -> CharNgramModel | None:
    if not MODEL_PATH.exists():
        return None
    return CharNgramModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
