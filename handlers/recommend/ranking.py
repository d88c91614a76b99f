"""Ranking a user's candidates: one documented score, MMR diversity, author spacing.

Pure functions over plain data so they can be tested and benchmarked without stores.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

# The weights of the score; change them here and nowhere else.
W_SIMILARITY = 0.55
W_RECENCY = 0.20
W_TRUST = 0.10
W_ENGAGEMENT = 0.15
RECENCY_HALF_LIFE_H = 24.0
GRAVITY = 1.5  # trending: score = (1 + reactions + 2*comments) / (age_h + 2) ** GRAVITY
MMR_LAMBDA = 0.85
MAX_RUN_PER_AUTHOR = 2


@dataclass
class Candidate:
    id: str
    author_id: str
    vec: np.ndarray | None
    published_ts: float
    reactions: int
    comments: int
    trust: float = 0.5  # 0..1
    score: float = 0.0
    similarity: float = 0.0


def trending_score(reactions: int, comments: int, published_ts: float,
                   now: float | None = None) -> float:
    age_h = max(0.0, ((now or time.time()) - published_ts) / 3600.0)
    return (1 + reactions + 2 * comments) / (age_h + 2) ** GRAVITY


def mmr(cands: list[Candidate], k: int, lam: float = MMR_LAMBDA,
        vecs: np.ndarray | None = None) -> list[Candidate]:
    """Maximal marginal relevance: relevance minus similarity to what is already chosen.

    `vecs` (one row per candidate, zeros where unknown) saves restacking them. The pairwise
    similarity matrix is computed once (n <= a few hundred), so each of the k steps is a
    couple of vector operations."""
    if len(cands) <= 1:
        return list(cands)
    rel = np.array([c.score for c in cands])
    if vecs is None:
        dim = next((c.vec.shape[0] for c in cands if c.vec is not None), 0)
        if not dim:
            return [cands[i] for i in np.argsort(-rel)[:k]]
        vecs = np.stack([c.vec if c.vec is not None else np.zeros(dim, np.float32)
                         for c in cands])
    sim = np.maximum(vecs @ vecs.T, 0.0)
    max_sim = np.zeros(len(cands))
    value_base = lam * rel
    taken = np.zeros(len(cands), dtype=bool)
    chosen: list[int] = []
    for _ in range(min(k, len(cands))):
        value = value_base - (1 - lam) * max_sim
        value[taken] = -np.inf
        i = int(np.argmax(value))
        chosen.append(i)
        taken[i] = True
        np.maximum(max_sim, sim[i], out=max_sim)
    return [cands[i] for i in chosen]


def space_authors(ranked: list[Candidate], max_run: int = MAX_RUN_PER_AUTHOR) -> list[Candidate]:
    """Reorder so no author appears more than `max_run` times in a row, keeping rank order
    otherwise; leftovers that cannot be spaced go to the end."""
    out: list[Candidate] = []
    pending = list(ranked)
    while pending:
        for i, c in enumerate(pending):
            run = 0
            for prev in reversed(out):
                if prev.author_id != c.author_id:
                    break
                run += 1
            if run < max_run:
                out.append(pending.pop(i))
                break
        else:  # only one author left: spacing impossible, keep them at the end
            out.extend(pending)
            break
    return out


def rank(cands: list[Candidate], user_vec: np.ndarray | None, *, k: int,
         now: float | None = None) -> list[Candidate]:
    """Score every candidate, diversify the head (the first pages) with MMR, then space authors.

    score = W_SIMILARITY × similarity to the user (cosine, scaled 0..1 within the candidates)
          + W_RECENCY × 0.5 ** (age_h / RECENCY_HALF_LIFE_H)
          + W_TRUST × author trust (0..1)
          + W_ENGAGEMENT × min(1, log1p(reactions + 2 × comments) / log1p(200))
    """
    now = now or time.time()
    if not cands:
        return []
    dim = user_vec.shape[0] if user_vec is not None else \
        next((c.vec.shape[0] for c in cands if c.vec is not None), 0)
    zero = np.zeros(dim, np.float32)
    vecs = np.stack([zero if c.vec is None else c.vec for c in cands]) if dim else None
    sims = vecs @ user_vec if (user_vec is not None and vecs is not None) else \
        np.zeros(len(cands))
    # Cosines of one embedding model live in a narrow band; scale them within this candidate
    # set so similarity can outweigh a merely recent or popular post.
    lo, hi = float(sims.min()), float(sims.max())
    scaled = (sims - lo) / (hi - lo) if hi > lo else np.zeros_like(sims)
    age_h = np.maximum(0.0, (now - np.array([c.published_ts for c in cands])) / 3600.0)
    recency = 0.5 ** (age_h / RECENCY_HALF_LIFE_H)
    engaged = np.array([c.reactions + 2 * c.comments for c in cands], dtype=np.float64)
    engagement = np.minimum(1.0, np.log1p(engaged) / math.log1p(200))
    trust = np.array([c.trust for c in cands])
    scores = (W_SIMILARITY * scaled + W_RECENCY * recency + W_TRUST * trust
              + W_ENGAGEMENT * engagement)
    for c, raw, sc in zip(cands, sims.tolist(), scores.tolist()):
        c.similarity, c.score = raw, sc
    order = np.argsort(-scores, kind="stable")
    head_n = max(k * 3 // 2, 60)
    head = [cands[i] for i in order[:head_n]]
    head = mmr(head, k, vecs=vecs[order[:head_n]] if vecs is not None else None)
    chosen = {id(c) for c in head}
    return space_authors(head + [cands[i] for i in order if id(cands[i]) not in chosen])
