"""Train the layer-3 moderation model on the project's labelled examples.

    OPENBLAS_NUM_THREADS=1 python scripts/train_moderation_model.py
    # writes handlers/moderation/data/model.npz
    OPENBLAS_NUM_THREADS=1 python scripts/train_moderation_model.py --extra queue.tsv
    # also the review queue's decisions (python -m server moderation-labels --out queue.tsv)
    # --out /tmp/model.npz: weights elsewhere, to compare before replacing the shipped ones
    # --fraction 0.25 --out /tmp/m25.npz: a quarter of the data (eval_moderation --model)

Reads handlers/moderation/data/train.tsv (label<TAB>lang<TAB>text; 1 = abusive, its category
taken from the lists when they name one, else insult) and the **dev** split of
tests/moderation_eval.tsv (category or benign), and every row of each `--extra` file in
the same columns. The held-out split is never read here.
Multinomial logistic regression (benign + the seven categories), L2-regularised, class-
balanced, full-batch gradient descent (numpy) over the features of model.py that occur in at
least MIN_COUNT messages. The hold threshold (on 1 - p(benign)) is chosen on 5-fold
cross-validated scores, folds grouped so a sentence and its typed variant ("... 😂") never
sit on both sides: the lowest threshold, never under 0.5, whose benign false-positive rate
stays at or under 0.5 %. Deterministic; about a minute on one core.
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.moderation.lists import CATEGORIES, default_matcher  # noqa: E402
from handlers.moderation.model import MODEL_PATH, CategoryModel, features  # noqa: E402
from scripts.build_moderation_data import DECOR  # noqa: E402
from scripts.eval_moderation import load_eval  # noqa: E402

TRAIN = ROOT / "handlers" / "moderation" / "data" / "train.tsv"
CLASSES = ["benign", *CATEGORIES]
MIN_COUNT = 3
L2 = 3e-3
STEPS = 400
LR = 1.0
MAX_BENIGN_FPR = 0.005
FOLDS = 5


def base_text(text: str, texts: set[str]) -> str:
    """The sentence a typed variant was made from ("bos X" -> "X"), for grouping folds."""
    for fmts in DECOR.values():
        for fmt in fmts:
            pre, _, post = fmt.partition("{}")
            if text.startswith(pre) and text.endswith(post) and len(text) > len(pre + post):
                inner = text[len(pre):len(text) - len(post)]
                if inner in texts:
                    return inner
    return text


def sentence_keys(texts: list[str]) -> list[int]:
    """One number per message, the same for a sentence and its typed variants: folds and
    fractions are cut on it."""
    known = set(texts)
    return [zlib.crc32(base_text(t, known).encode()) for t in texts]


def load(extra: list[Path] = (), fraction: float = 1.0
         ) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    m = default_matcher()
    texts, labels = [], []
    for line in TRAIN.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        label, text = parts[0], parts[-1]
        if label == "1":
            hit = m.match(text)
            label = hit.rule.category if hit is not None else "insult"
        else:
            label = "benign"
        texts.append(text)
        labels.append(label)
    rows = load_eval(split="dev")
    for path in extra:
        rows += load_eval(path, split=None)
    for r in rows:
        if r.label not in CLASSES:
            raise SystemExit(f"unknown label {r.label[:40]!r}: one of {', '.join(CLASSES)}")
        texts.append(r.text)
        labels.append(r.label)
    keys = sentence_keys(texts)
    if fraction < 1.0:  # a sentence and its typed variants are kept or dropped together
        keep = [k % 1000 < fraction * 1000 for k in keys]
        texts = [t for t, k in zip(texts, keep) if k]
        labels = [label for label, k in zip(labels, keep) if k]
        keys = [key for key, k in zip(keys, keep) if k]
    groups = np.array([k % FOLDS for k in keys])
    feats = [sorted(set(features(m.normalize(t)))) for t in texts]
    y = np.array([CLASSES.index(label) for label in labels])
    return feats, y, groups


def design(feats: list[list[str]], vocab: dict[str, int]) -> np.ndarray:
    X = np.zeros((len(feats), len(vocab)), dtype=np.float32)
    for r, fs in enumerate(feats):
        for f in fs:
            i = vocab.get(f)
            if i is not None:
                X[r, i] = 1.0
    return X


def fit(feats: list[list[str]], y: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    counts = Counter(f for fs in feats for f in fs)
    vocab_list = sorted(f for f, c in counts.items() if c >= MIN_COUNT)
    vocab = {f: i for i, f in enumerate(vocab_list)}
    X = design(feats, vocab)
    n, k = len(y), len(CLASSES)
    Y = np.zeros((n, k), dtype=np.float32)
    Y[np.arange(n), y] = 1.0
    freq = np.maximum(Y.sum(axis=0), 1.0)
    sw = (n / (k * freq))[y].astype(np.float32)[:, None]  # balanced classes
    W = np.zeros((X.shape[1], k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    for _ in range(STEPS):
        Z = X @ W + b
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) * sw / n
        W -= LR * (X.T @ G + L2 * W)
        b -= LR * G.sum(axis=0)
    keep = np.abs(W).max(axis=1) >= 1e-3
    return [f for f, k_ in zip(vocab_list, keep) if k_], W[keep], b


def cross_validated(feats, y, groups) -> np.ndarray:
    """Per message: (1 - p(benign), predicted category) from a model that never saw it."""
    out = np.zeros((len(y), 2))
    for k in range(FOLDS):
        test = groups == k
        vocab, W, b = fit([f for f, t in zip(feats, test) if not t], y[~test])
        model = CategoryModel(CLASSES, vocab, W, b, 0.5)
        idx = model.index
        for i in np.where(test)[0]:
            rows = [j for j in {idx.get(f) for f in feats[i]} if j is not None]
            z = b + (W[rows].sum(axis=0) if rows else 0)
            p = np.exp(z - z.max())
            p /= p.sum()
            q = p.copy()
            q[0] = -1
            out[i] = (1 - p[0], q.argmax())
    return out


def choose_threshold(cv: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    benign = y == 0
    best = 0.99
    for t in np.arange(0.5, 0.995, 0.01):
        if ((cv[:, 0] >= t) & benign).sum() / max(benign.sum(), 1) <= MAX_BENIGN_FPR:
            best = float(t)
            break
    flagged = cv[:, 0] >= best
    right = flagged & ~benign & (cv[:, 1] == y)
    return round(best, 2), {
        "threshold": round(best, 2),
        "cv_recall_any": round(float((flagged & ~benign).sum() / max((~benign).sum(), 1)), 3),
        "cv_recall_right_category": round(float(right.sum() / max((~benign).sum(), 1)), 3),
        "cv_benign_fpr": round(float((flagged & benign).sum() / max(benign.sum(), 1)), 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--extra", type=Path, action="append", default=[],
                    help="more labelled rows (e.g. python -m server moderation-labels)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH,
                    help="where to write the weights (default: the model the server loads)")
    ap.add_argument("--fraction", type=float, default=1.0,
                    help="train on this share of the examples (grouped by sentence): a "
                         "learning curve, with --out elsewhere and eval_moderation --model")
    args = ap.parse_args()
    if not 0.0 < args.fraction <= 1.0:
        ap.error("--fraction: more than 0, at most 1")
    feats, y, groups = load(args.extra, args.fraction)
    threshold, report = choose_threshold(cross_validated(feats, y, groups), y)
    vocab, W, b = fit(feats, y)
    model = CategoryModel(CLASSES, vocab, W, b, threshold, name="category-lr-v2")
    model.save(args.out)
    print(json.dumps({"examples": len(y), "features": len(vocab), **report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
