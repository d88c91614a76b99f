"""Offline evaluation of "For you" on the labelled corpus (tests/recommend/corpus.py).

Uses the product's own pieces: the embedder (posts with their hashtags), the interest vectors
and the interest filing rule of the indexer, the learning rule of `do_record_engagement`
(v <- unit(v + rate * post)), the vector candidates (nearest VECTOR_CANDIDATES) plus the
interest lists, and `ranking.rank`. What it leaves out is what the corpus has no signal for:
every post is equally recent, has no reactions, and every author has the same trust.

Reports, on the chosen split (default: held-out, never tuned on):
- same-topic nearest-neighbour rate per script (share of a post's 5 nearest posts, in any
  script, that share its topic; posts written on the same sentence frame are left out, so
  the rate measures the topic, not the template);
- precision@10 of the first page at cold start (one interest picked) and after 3 and 10
  likes of posts of that topic in one script, per script of the liked posts;
- how well posts are filed under interests (precision and recall of the filing);
- how many off-topic slots went to posts carrying a generic hashtag.

  python scripts/eval_recommend.py [--split heldout|tune] [--users 5] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.recommend import embedder  # noqa: E402
from handlers.recommend.actions import LEARNING_RATE  # noqa: E402
from handlers.recommend.indexing import VECTOR_CANDIDATES, interest_filing  # noqa: E402
from handlers.recommend.interests import catalogue  # noqa: E402
from handlers.recommend.ranking import Candidate, rank  # noqa: E402
from tests.recommend.corpus import GENERIC_TAGS, SCRIPTS, TOPIC_INTEREST, posts  # noqa: E402

INTEREST_LIST = 100  # what the page takes from an interest list (actions._gather_candidates)


def embed_world(world):
    texts = [t for _, _, t, _ in world]
    t0 = time.perf_counter()
    vecs = embedder.embed_posts([(t, embedder.hashtags(t), None) for t in texts])
    return vecs, len(texts) / (time.perf_counter() - t0)


def neighbour_rate(world, vecs, k=5):
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -np.inf)
    topics = np.array([t for t, _, _, _ in world])
    frames = np.array([f for _, _, _, f in world])
    out = defaultdict(list)
    for i, (topic, script, _, frame) in enumerate(world):
        row = np.where(frames == frame, -np.inf, sims[i])
        nn = np.argpartition(-row, k)[:k]
        out[script].append(float(np.mean(topics[nn] == topic)))
    return {s: round(float(np.mean(v)), 3) for s, v in out.items()}


def filing(world, vecs):
    names = sorted(catalogue())
    mat = np.stack([embedder.interest_vector(n) for n in names])
    filed = interest_filing(vecs @ mat.T)
    lists = {}
    tp = fp = fn = 0
    for j, name in enumerate(names):
        members = np.flatnonzero(filed[:, j])
        scores = (vecs[members] @ mat[j])
        lists[name] = [int(members[i]) for i in np.argsort(-scores)[:INTEREST_LIST]]
        for i, (topic, _, _, _) in enumerate(world):
            truth = TOPIC_INTEREST[topic] == name
            tp += truth and filed[i, j]
            fp += (not truth) and filed[i, j]
            fn += truth and not filed[i, j]
    return lists, {"precision": round(tp / max(tp + fp, 1), 3),
                   "recall": round(tp / max(tp + fn, 1), 3)}


def page(world, vecs, lists, user_vec, interest, seen, now, authors):
    sims = vecs @ user_vec
    order = [int(i) for i in np.argsort(-sims)[:VECTOR_CANDIDATES]]
    ids = list(dict.fromkeys(order + lists.get(interest, [])))
    ids = [i for i in ids if i not in seen]
    cands = [Candidate(id=str(i), author_id=authors[i], vec=vecs[i], published_ts=now,
                       reactions=0, comments=0) for i in ids]
    return [int(c.id) for c in rank(cands, user_vec, k=100, now=now)[:10]]


def evaluate(split: str, users: int, seed: int = 1) -> dict:
    world = posts(split)
    vecs, rate = embed_world(world)
    lists, filed = filing(world, vecs)
    rng = random.Random(seed)
    authors = [f"creator{rng.randrange(6)}" for _ in world]
    now = time.time()
    topics = [t for t, _, _, _ in world]
    generic = [any(g in t for g in GENERIC_TAGS) for _, _, t, _ in world]
    prec = defaultdict(lambda: defaultdict(list))
    offtopic_generic = offtopic = 0
    for topic, interest in TOPIC_INTEREST.items():
        for script in SCRIPTS:
            pool = [i for i, (t, s, _, _) in enumerate(world) if t == topic and s == script]
            for _ in range(users):
                vec = embedder.interests_vector([interest])
                seen: set[int] = set()
                top = page(world, vecs, lists, vec, interest, seen, now, authors)
                prec[script]["cold"].append(np.mean([topics[i] == topic for i in top]))
                liked = rng.sample(pool, 10)
                for n, post in enumerate(liked, 1):
                    vec = embedder.unit(vec + LEARNING_RATE["like"] * vecs[post])
                    seen.add(post)
                    if n in (3, 10):
                        top = page(world, vecs, lists, vec, interest, seen, now, authors)
                        prec[script][f"after_{n}"].append(np.mean([topics[i] == topic for i in top]))
                        off = [i for i in top if topics[i] != topic]
                        offtopic += len(off)
                        offtopic_generic += sum(generic[i] for i in off)
    return {
        "split": split, "posts": len(world), "users_per_topic_and_script": users,
        "embedding_posts_per_s": round(rate, 1),
        "neighbour_topic_rate": neighbour_rate(world, vecs),
        "precision_at_10": {s: {k: round(float(np.mean(v)), 3) for k, v in d.items()}
                            for s, d in prec.items()},
        "interest_filing": filed,
        "offtopic_slots": offtopic, "offtopic_with_generic_hashtag": offtopic_generic,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="heldout", choices=["heldout", "tune"])
    ap.add_argument("--users", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    result = evaluate(args.split, args.users)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
