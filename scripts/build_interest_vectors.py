"""Rebuild handlers/recommend/data/language_means.npz (each language's mean vector, from the
tuning split of tests/recommend/corpus.py) and interest_vectors.npz (cold-start vectors).

    OPENBLAS_NUM_THREADS=1 python scripts/build_interest_vectors.py

Run after changing handlers/recommend/data/interests.json, franco.py or the embedding
(bump embedder.EMBEDDING_VERSION then). tests/recommend checks the file is current.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.recommend import embedder  # noqa: E402

from tests.recommend.corpus import posts  # noqa: E402

if __name__ == "__main__":
    print(embedder.build_language_means([embedder.strip_hashtags(t) for _, _, t, _ in posts("tune")]),
          embedder.means_fingerprint())
    print(embedder.build_interest_vectors(), embedder.interests_fingerprint())
