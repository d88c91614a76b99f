"""Train the layer-3 moderation model on the project's labelled examples.

    python scripts/train_moderation_model.py            # writes handlers/moderation/data/model.json

Reads handlers/moderation/data/train.tsv (label<TAB>lang<TAB>text). L2-regularised logistic
regression by full-batch gradient descent (numpy) over the features of model.py. The hold
threshold is chosen on 5-fold cross-validated scores of the training set: the lowest
threshold whose false-positive rate on benign examples stays at or under 1 %, and never
under 0.5. Deterministic (fixed fold assignment), a few seconds on one core.
The held-out evaluation set (tests/moderation_eval.tsv) is never read here.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.moderation.lists import default_matcher  # noqa: E402
from handlers.moderation.model import MODEL_PATH, CharNgramModel, features  # noqa: E402

TRAIN = ROOT / "handlers" / "moderation" / "data" / "train.tsv"
L2 = 1e-3
STEPS = 600
LR = 2.0


def load(path: Path) -> tuple[list[list[str]], np.ndarray]:
    m = default_matcher()
    feats, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        label, text = parts[0], parts[-1]
        feats.append(sorted(set(features(m.normalize(text)))))
        labels.append(float(label))
    return feats, np.array(labels)


def fit(feats: list[list[str]], y: np.ndarray) -> tuple[dict[str, float], float]:
    vocab = {f: i for i, f in enumerate(sorted({f for fs in feats for f in fs}))}
    X = np.zeros((len(feats), len(vocab)), dtype=np.float64)
    for r, fs in enumerate(feats):
        for f in fs:
            X[r, vocab[f]] = 1.0
    # balance the classes so the rare one is not ignored
    pos = y.mean()
    sw = np.where(y == 1, 0.5 / max(pos, 1e-9), 0.5 / max(1 - pos, 1e-9))
    w = np.zeros(X.shape[1])
    b = 0.0
    n = len(y)
    for _ in range(STEPS):
        z = X @ w + b
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * sw / n
        w -= LR * (X.T @ g + L2 * w)
        b -= LR * g.sum()
    inv = {i: f for f, i in vocab.items()}
    weights = {inv[i]: round(float(v), 5) for i, v in enumerate(w) if abs(v) >= 1e-4}
    return weights, float(b)


def score(weights: dict[str, float], b: float, fs: list[str]) -> float:
    z = b + sum(weights.get(f, 0.0) for f in fs)
    return 1 / (1 + np.exp(-z))


def choose_threshold(feats, y, folds: int = 5) -> tuple[float, dict]:
    scores = np.zeros(len(y))
    for k in range(folds):
        test = np.arange(len(y)) % folds == k
        tr = [f for f, t in zip(feats, test) if not t]
        weights, b = fit(tr, y[~test])
        for i in np.where(test)[0]:
            scores[i] = score(weights, b, feats[i])
    best = 0.5
    for t in np.arange(0.5, 0.99, 0.01):
        fp = ((scores >= t) & (y == 0)).sum() / max((y == 0).sum(), 1)
        if fp <= 0.01:
            best = float(t)
            break
    else:
        best = 0.99
    pred = scores >= best
    tp = (pred & (y == 1)).sum()
    cv = {"threshold": round(best, 2), "cv_recall": round(tp / max((y == 1).sum(), 1), 3),
          "cv_fpr": round(((pred) & (y == 0)).sum() / max((y == 0).sum(), 1), 3)}
    return round(best, 2), cv


def main() -> int:
    feats, y = load(TRAIN)
    threshold, cv = choose_threshold(feats, y)
    weights, b = fit(feats, y)
    model = CharNgramModel(weights, round(b, 5), threshold, name="charngram-lr-v1")
    MODEL_PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, sort_keys=True),
                          encoding="utf-8")
    print(json.dumps({"examples": len(y), "features": len(weights), **cv}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
