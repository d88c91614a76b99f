"""Rebuild handlers/recommend/data/interest_vectors.npz (the cold-start interest vectors).

    OPENBLAS_NUM_THREADS=1 python scripts/build_interest_vectors.py

Run after changing handlers/recommend/data/interests.json, franco.py or the embedding
(bump embedder.EMBEDDING_VERSION then). tests/recommend checks the file is current.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.recommend import embedder  # noqa: E402

if __name__ == "__main__":
    print(embedder.build_interest_vectors(), embedder.interests_fingerprint())
