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


def score(c: Candidate, sim: float, now: float) -> float:
    """Similarity to the user (scaled 0..1 within the candidates), recency, author trust and
    engagement, weighted."""
    age_h = max(0.0, (now - c.published_ts) / 3600.0)
    recency = 0.5 ** (age_h / RECENCY_HALF_LIFE_H)
    engagement = min(1.0, math.log1p(c.reactions + 2 * c.comments) / math.log1p(200))
    return W_SIMILARITY * sim + W_RECENCY * recency + W_TRUST * c.trust + W_ENGAGEMENT * engagement


def mmr(cands: list[Candidate], k: int, lam: float = MMR_LAMBDA) -> list[Candidate]:
    """Maximal marginal relevance: relevance minus similarity to what is already chosen.

    The pairwise similarity matrix is computed once (n <= a few hundred), so each of the k
    steps is a couple of vector operations."""
    if len(cands) <= 1:
        return list(cands)
    dim = next((c.vec.shape[0] for c in cands if c.vec is not None), 0)
    rel = np.array([c.score for c in cands])
    if not dim:
        return [cands[i] for i in np.argsort(-rel)[:k]]
    mat = np.stack([c.vec if c.vec is not None else np.zeros(dim, np.float32) for c in cands])
    sim = np.maximum(mat @ mat.T, 0.0)
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
    now = now or time.time()
    sims = np.array([float(c.vec @ user_vec) if (c.vec is not None and user_vec is not None)
                     else 0.0 for c in cands])
    # Cosines of one embedding model live in a narrow band; scale them within this candidate
    # set so similarity can outweigh a merely recent or popular post.
    lo, hi = (float(sims.min()), float(sims.max())) if len(sims) else (0.0, 1.0)
    scaled = (sims - lo) / (hi - lo) if hi > lo else np.zeros_like(sims)
    for c, raw, s in zip(cands, sims, scaled):
        c.similarity = float(raw)
        c.score = score(c, float(s), now)
    cands.sort(key=lambda c: c.score, reverse=True)
    head = mmr(cands[: max(k * 3 // 2, 60)], k)  # the diversified first pages
    chosen = {id(c) for c in head}
    return space_authors(head + [c for c in cands if id(c) not in chosen])
