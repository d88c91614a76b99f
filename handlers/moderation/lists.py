"""Layer 1: word and phrase lists, matched in one Aho-Corasick pass per message.

The lists are data files under data/lists/ (see their headers): `egyptian.tsv` (reviewed
Egyptian Arabic, Arabic script or Franco), `en.tsv` (English), `ar_safetext.txt` (imported
from safetext, MIT; held for review, never blocked), minus `review_exclude.txt`.
`allow_words.txt` and `latin_allow.txt` name benign words that never take part in matching.

Every key is wrapped in spaces and the haystack is " w1 w2 ... " (normalize.py), so a rule
matches whole words only: "kos" does not match inside "kosa" or "كوسة", "ass" not inside
"class". Rules flagged `target` compile to one key per address word ("ya 7mar", "enta 7mar",
"انت حمار", "you idiot", "you are an idiot").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from handlers.moderation.normalize import Normalized, Normalizer, term_keys

DATA = Path(__file__).parent / "data" / "lists"
SEVERITY = {"hold": 1, "block": 2}
# Address words, written once; compiled like any term.
AR_ADDRESS = ("ya", "يا", "انت", "انتي", "انتو", "انت يا", "انت واحد", "انتي واحده", "يا ابن",
              "يا بنت", "يا وش", "يا ابو", "ya wesh", "ya weshsh", "ya abo",
              # mixed messages: an English address before a Franco/Arabic insult
              "you", "u", "you are", "you are a", "youre", "youre a", "ur", "ur a", "you a")
EN_ADDRESS = ("you", "u", "ur", "youre", "your", "you are", "u r", "ur a", "ur an", "you a",
              "you an", "you are a", "you are an", "youre a", "youre an", "u r a", "u r an",
              "such a", "such an", "you fucking", "you little", "you stupid", "u stupid",
              "you r", "you r a", "you dirty", "you big",
              # mixed messages: a Franco address before an English insult ("انت" -> "you")
              "ya", "enta", "enty", "enti", "inta", "inti", "ento", "ya ebn", "enta wa7ed")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # "<file>:<line>"
    term: str
    action: str  # hold | block
    category: str
    view: str  # latin | skeleton


@dataclass(frozen=True, slots=True)
class ListHit:
    rule: Rule
    key: str


def _lines(name: str):
    path = DATA / name
    if not path.exists():
        return
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield no, line


def _address_keys(view: str) -> list[str]:
    if view == "latin":
        return [term_keys(a)[0] for a in EN_ADDRESS]
    keys = {term_keys(a)[1] for a in AR_ADDRESS}
    return sorted(k for k in keys if k)


def load_rules() -> list[tuple[Rule, str]]:
    """Every (rule, key) pair from the data files."""
    out: list[tuple[Rule, str]] = []
    excluded = {line for _, line in _lines("review_exclude.txt")}
    curated: set[str] = set()  # skeletons the reviewed lists decide (with their flags)
    for fname, view in (("egyptian.tsv", "skeleton"), ("en.tsv", "latin")):
        addr = _address_keys(view)
        for no, line in _lines(fname):
            parts = [p.strip() for p in line.split("\t")]
            term, action, category = parts[0], parts[1], parts[2]
            flags = set(parts[3].split(",")) if len(parts) > 3 and parts[3] else set()
            if action not in SEVERITY:
                raise ValueError(f"{fname}:{no}: action must be hold or block, not {action!r}")
            lat, sk = term_keys(term)
            key = lat if view == "latin" else sk
            if key is None:
                raise ValueError(f"{fname}:{no}: {term!r} normalises to nothing")
            rule = Rule(f"{fname}:{no}", term, action, category, view)
            curated.add(key)
            if "target" in flags:
                out.extend((rule, a.rstrip() + key) for a in addr)
            else:
                out.append((rule, key))
            if view == "latin" and action == "block" and " " not in term and len(term) >= 4:
                # "f*ck", "sh!t" lose a letter to the symbol: one masked vowel per variant
                for i, ch in enumerate(term):
                    if ch in "aeiou":
                        masked = term_keys(term[:i] + term[i + 1:])[0]
                        if masked:
                            out.append((rule, masked))
    for no, line in _lines("ar_safetext.txt"):
        if line in excluded:
            continue
        sk = term_keys(line)[1]
        letters = len(sk.replace(" ", "")) if sk else 0
        if sk is None or sk in curated or letters < (4 if sk.count(" ") == 2 else 5):
            # Three consonants are an Arabic root: such skeletons collide with ordinary words
            # ("bakraa" reads like bokra, tomorrow). Curated rules decide their own words.
            continue
        out.append((Rule(f"ar_safetext.txt:{no}", line, "hold", "profanity", "skeleton"), sk))
    return out


def load_allow_words() -> frozenset[str]:
    words: set[str] = set()
    for name in ("allow_words.txt", "latin_allow.txt"):
        for _, line in _lines(name):
            words.add(line.lower())
    return frozenset(words)


class ListMatcher:
    """One automaton over every key; `match(text)` returns the most severe hit or None."""

    def __init__(self, pairs: list[tuple[Rule, str]], allow: frozenset[str]):
        self.allow = allow
        self.automaton = ahocorasick.Automaton()
        best: dict[str, Rule] = {}
        for rule, key in pairs:
            k = key  # latin keys are a-z, skeleton keys Arabic letters: no cross-matching
            have = best.get(k)
            if have is None or SEVERITY[rule.action] > SEVERITY[have.action]:
                best[k] = rule
        for k, rule in best.items():
            self.automaton.add_word(k, (SEVERITY[rule.action], rule, k))
        self.automaton.make_automaton()
        self.size = len(best)
        self.normalizer = Normalizer(allow)

    def normalize(self, text: str) -> Normalized:
        return self.normalizer.normalize(text)

    def match_normalized(self, norm: Normalized) -> ListHit | None:
        found = None
        for _end, (sev, rule, key) in self.automaton.iter(norm.haystack):
            if found is None or sev > found[0]:
                found = (sev, rule, key)
                if sev == 2:
                    break
        return ListHit(found[1], found[2]) if found else None

    def match(self, text: str) -> ListHit | None:
        return self.match_normalized(self.normalize(text))


@lru_cache(maxsize=1)
def default_matcher() -> ListMatcher:
    return ListMatcher(load_rules(), load_allow_words())
