"""Layer 3: a local text classifier, trained in this repository, nothing downloaded.

A multinomial logistic regression over character n-grams (3 and 4) and words/word pairs of
the two normalised views (normalize.py): the Arabic-letter skeleton, where Franco-Arabic and
Arabic script meet, and the Latin view for English. It says what a message is — benign or
one of the categories (insult, threat, sexual, hate, scam, spam, self_harm) — so a threat
phrased in words no list names is held *as a threat* (its policy and priority), not as an
insult. Trained by scripts/train_moderation_model.py on data/train.tsv and the dev split of
the labelled evaluation (never its held-out split); the weights are data/model.npz. Scoring a
message is a few hundred dict look-ups and one small matrix sum: it runs inline (see
docs/benchmarks.md). It only ever holds a message for review; it never blocks one.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from handlers.moderation.normalize import Normalized

MODEL_PATH = Path(__file__).parent / "data" / "model.npz"


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


class CategoryModel:
    """`classify(norm)` -> (probability the message is not benign, its likeliest category).
    A message is held when that probability reaches `threshold` (chosen on cross-validated
    scores of the training data for a benign false-positive rate of at most 0.5 %)."""

    def __init__(self, classes: list[str], vocab: list[str], weights, bias, threshold: float,
                 name: str = "category-lr"):
        self.classes = list(classes)
        self.benign = self.classes.index("benign")
        self.index = {f: i for i, f in enumerate(vocab)}
        self.weights = np.asarray(weights, dtype=np.float32).reshape(len(vocab), len(classes))
        self.bias = np.asarray(bias, dtype=np.float32)
        self.threshold, self.name = threshold, name

    def classify(self, norm: Normalized) -> tuple[float, str]:
        rows = set(map(self.index.get, features(norm)))  # binary features, as in training
        rows.discard(None)
        z = (self.bias + self.weights[list(rows)].sum(axis=0) if rows else self.bias).tolist()
        top = max(z)
        e = [math.exp(v - top) for v in z]
        abusive = 1.0 - e[self.benign] / sum(e)
        e[self.benign] = -1.0
        return abusive, self.classes[e.index(max(e))]

    def score(self, norm: Normalized) -> float:
        """Probability that the message is abusive (any category)."""
        return self.classify(norm)[0]

    def save(self, path: Path) -> None:
        vocab = sorted(self.index, key=self.index.get)
        with path.open("wb") as f:  # float16 weights: the model is ~0.4 MB, loads in ms
            np.savez_compressed(f, classes=np.array(self.classes), vocab=np.array(vocab),
                                weights=self.weights.astype(np.float16), bias=self.bias,
                                threshold=np.array(self.threshold), name=np.array(self.name))

    @classmethod
    def load(cls, path: Path) -> "CategoryModel":
        with np.load(path) as z:
            return cls([str(c) for c in z["classes"]], [str(v) for v in z["vocab"]],
                       z["weights"], z["bias"], float(z["threshold"]), str(z["name"]))


def load_default_model() -> CategoryModel | None:
    if not MODEL_PATH.exists():
        return None
    return CategoryModel.load(MODEL_PATH)
