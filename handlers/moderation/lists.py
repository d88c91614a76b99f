"""Layer 1: word and phrase lists, matched in one Aho-Corasick pass per message.

The lists are data files under data/lists/ (see their headers):
- `egyptian.tsv` (reviewed Egyptian Arabic, Arabic script or Franco) and `en.tsv` (English):
  one term per line with an action (hold | block), a category and flags;
- `concepts.tsv` and `combos.tsv`: a combo fires when a message holds a term of each of its
  concepts ("the code" + "send it to me" is the OTP-takeover scam; a group + "dogs" is hate);
- `ar_safetext.txt` (imported from safetext, MIT; held for review, only when addressed to
  someone: an unreviewed word is an insult when aimed at a person, not when it describes a
  player or a film), minus `review_exclude.txt`.

Whole words only. Keys and the haystack are " w1 w2 ... " (normalize.py); Arabic-script terms
also compile to their forms with a proclitic (و ف ب ل) and, flagged `verb`, with object
suffixes (ـك ـكي ـكم ـه ـها ـهم ـني), so "واقطعك" meets "اقطع" and "إنك" never meets "نيك".
Franco matches are confirmed by their vowels (normalize.vowels_agree).
Flags: `target` = only when addressed ("ya 7mar", "enta 7mar", "انت حمار", "you idiot");
`verb` = also with object suffixes; `obj` = only with one ("هموتك" I will kill you, never
"هموت" I will die); `unless=<concept>` = not when the message holds that concept
("هقتلك" unless=laughing: never "هقتلك من الضحك").
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from handlers.moderation.normalize import (_AR_ARTICLE, _ARABIC, _LONE_ARTICLE, FRANCO_MARK, _WORD, Normalized,
                                           Normalizer, arabic_form, arabic_franco_forms,
                                           fold, franco_form, franco_term_signature,
                                           undo_evasions, vowels_agree, _token_views)

DATA = Path(__file__).parent / "data" / "lists"
SEVERITY = {"hold": 1, "block": 2}
CATEGORIES = ("insult", "threat", "sexual", "hate", "scam", "spam", "self_harm")
PROCLITICS = ("و", "ف", "ب", "ل")
SUFFIXES = ("ك", "كي", "كو", "كم", "ه", "ها", "هم", "ني")
# Address words, per namespace (a Franco spelling is listed, not derived)
AR_ADDRESS = ("يا", "انت", "انتي", "انتو", "انت يا", "انت واحد", "انتي واحده", "يا ابن",
              "يا بنت", "يا وش", "يا ابو", "يابن",
              "ya", "enta", "inta", "enty", "enti", "inti", "ento", "into", "entu", "intu",
              "ya ebn", "ya ibn", "ya bent", "ya bint", "yabn", "ya wesh", "ya abo",
              "enta wa7ed", "enti wa7da", "inta wa7ed", "ya ebnel", "ya ibnel",
              # mixed messages: an English address before a Franco/Arabic insult
              "you", "u", "you are", "you are a", "youre", "youre a", "ur", "ur a", "you a")
EN_ADDRESS = ("you", "u", "ur", "youre", "your", "you are", "u r", "ur a", "ur an", "you a",
              "you an", "you are a", "you are an", "youre a", "youre an", "u r a", "u r an",
              "such a", "such an", "you fucking", "you little", "you stupid", "u stupid",
              "you r", "you r a", "you dirty", "you big",
              # mixed messages: a Franco address before an English insult ("انت" -> "you")
              "ya", "enta", "enty", "enti", "inta", "inti", "ento", "ya ebn", "enta wa7ed")
MAX_KEYS_PER_TERM = 64
MAX_CONCEPT_SETS = 50_000  # sets of concepts whose complete combos are remembered
# which finding wins when several rules hit one message: the most severe, then this order
RANK = {"threat": 7, "self_harm": 6, "scam": 5, "sexual": 4, "hate": 3, "insult": 2, "spam": 1}


def weight(rule: "Rule") -> tuple[int, int]:
    return SEVERITY[rule.action], RANK.get(rule.category, 0)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # "<file>:<line>" or "combos.tsv:<line>"
    term: str
    action: str  # hold | block
    category: str
    view: str  # latin | skeleton
    unless: str | None = None  # a concept that says the words are figurative ("من الضحك")


@dataclass(frozen=True, slots=True)
class ListHit:
    rule: Rule
    key: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One compiled key: a rule's (severity, rule) or a concept's name, plus the vowels
    each Franco word of the key must agree with (None for Arabic-script or Latin words)."""
    severity: tuple[int, int]
    rule: Rule | None
    concept: str | None
    sigs: tuple | None


def _lines(name: str):
    path = DATA / name
    if not path.exists():
        return
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield no, line


# ---- compiling a term into keys ---------------------------------------------------------

def _words(term: str) -> list[str]:
    return [w for w in _WORD.findall(undo_evasions(fold(term))) if w not in _LONE_ARTICLE]


def _word_alternatives(w: str, script_only: bool = False) -> list[tuple[str, tuple | None]]:
    if w.isdigit():
        return []
    if _ARABIC.search(w):
        alts: list[tuple[str, tuple | None]] = [(arabic_form(w), None)]
        if not script_only:
            alts += arabic_franco_forms(w)
        return alts
    form, sig = franco_form(w)
    return [(form, franco_term_signature(sig, form))] if form else []


def skeleton_keys(term: str, *, proclitics: bool = True, script_only: bool = False
                  ) -> list[tuple[str, tuple | None]]:
    """(key, per-word vowel constraints or None) for a term on the skeleton view."""
    words = _words(term)
    per_word = [_word_alternatives(w, script_only) for w in words]
    per_word = [alts for alts in per_word if alts]
    if not per_word:
        return []
    if proclitics and words and _ARABIC.search(words[0]):
        first = per_word[0]
        ar = first[0][0]
        per_word[0] = first + [(p + ar, None) for p in PROCLITICS]
    out = []
    for combo in itertools.islice(itertools.product(*per_word), MAX_KEYS_PER_TERM):
        key = " " + " ".join(f for f, _ in combo) + " "
        sigs = tuple(s for _, s in combo)
        out.append((key, None if all(s is None for s in sigs) else sigs))
    return out


def latin_key(term: str) -> str | None:
    words: list[str] = []
    for tok in undo_evasions(fold(term)).split():
        words.extend(_token_views(tok)[0])
    return " " + " ".join(words) + " " if words else None


def _address_keys(view: str) -> list[tuple[str, tuple | None]]:
    if view == "latin":
        return [(k, None) for k in {latin_key(a) for a in EN_ADDRESS} if k]
    keys: dict = {}
    for a in AR_ADDRESS:
        for k, s in skeleton_keys(a, proclitics=False, script_only=True):
            keys[(k, s)] = None
    return list(keys)


def _join(a: tuple[str, tuple | None], b: tuple[str, tuple | None]) -> tuple[str, tuple | None]:
    key = a[0].rstrip() + b[0]
    if a[1] is None and b[1] is None:
        return key, None
    na, nb = a[0].count(" ") - 1, b[0].count(" ") - 1
    return key, (a[1] or (None,) * na) + (b[1] or (None,) * nb)


TENSES = ("ا", "ه", "ح", "ب")  # I do / I will (ه، ح) / I am doing: انهي، هنهي، حنهي، بنهي


def _term_variants(term: str, flags: set[str]) -> list[str]:
    """A term's inflected forms its flags ask for: `tense` (an Arabic first-person verb in
    every tense), `verb`/`obj` (object suffixes, Arabic; -s/-ed/-ing, English)."""
    if not _ARABIC.search(term):
        return _english_forms(term) if "verb" in flags else [term]
    terms = [term]
    if "tense" in flags and term[0] in TENSES:
        terms = [t + term[1:] for t in TENSES]
    if not flags & {"verb", "obj"}:
        return terms
    suffixed = [t + s for t in terms for s in SUFFIXES]
    return suffixed if "obj" in flags else terms + suffixed


def check_latin_words(term: str, where: str) -> None:
    """Every word of an English term must survive normalisation: the Latin view drops digits,
    so "are you 14" would compile to "are you" and match every question."""
    for word in term.split():
        if latin_key(word) is None:
            raise ValueError(f"{where}: {word!r} in {term!r} normalises to nothing "
                             "(the Latin view has no digits or symbols)")


def _english_forms(term: str) -> list[str]:
    """The first word of an English phrase as -s, -ed, -ing ("cut myself", "cutting myself")."""
    first, _, rest = term.partition(" ")
    stems = {first + "s", first + "ed", first + "ing"}
    if first.endswith("e"):
        stems |= {first + "d", first[:-1] + "ing"}
    elif len(first) > 2 and first[-1] not in "aeiouwy" and first[-2] in "aeiou" \
            and first[-3] not in "aeiou":
        stems |= {first + first[-1] + "ed", first + first[-1] + "ing"}
    return [term] + sorted(f"{s} {rest}".strip() for s in stems)


def compile_term(term: str, view: str, flags: set[str], addr) -> list[tuple[str, tuple | None]]:
    if view == "latin":
        keys = [(k, None) for k in {latin_key(t) for t in _term_variants(term, flags)} if k]
        if not keys:
            return []
    else:
        keys = [kk for t in _term_variants(term, flags) for kk in skeleton_keys(t)]
    if "target" in flags:
        return [_join(a, k) for a in addr for k in keys]
    return keys


# ---- the data files -----------------------------------------------------------------------

def load_rules() -> list[tuple[Rule, str, tuple | None]]:
    """Every (rule, key, vowel constraints) from the term files."""
    out: list[tuple[Rule, str, tuple | None]] = []
    excluded = {line for _, line in _lines("review_exclude.txt")}
    curated: set[str] = set()
    for fname, view in (("egyptian.tsv", "skeleton"), ("en.tsv", "latin")):
        addr = _address_keys(view)
        for no, line in _lines(fname):
            parts = [p.strip() for p in line.split("\t")]
            term, action, category = parts[0], parts[1], parts[2]
            flags = set(parts[3].split(",")) if len(parts) > 3 and parts[3] else set()
            if action not in SEVERITY:
                raise ValueError(f"{fname}:{no}: action must be hold or block, not {action!r}")
            if category not in CATEGORIES:
                raise ValueError(f"{fname}:{no}: unknown category {category!r}")
            unless = next((f[7:] for f in flags if f.startswith("unless=")), None)
            if view == "latin":
                check_latin_words(term, f"{fname}:{no}")
            rule = Rule(f"{fname}:{no}", term, action, category, view, unless)
            keys = compile_term(term, view, flags, addr)
            if not keys:
                raise ValueError(f"{fname}:{no}: {term!r} normalises to nothing")
            if view == "skeleton":
                curated.update(k for k, _ in skeleton_keys(term))
            out.extend((rule, k, s) for k, s in keys)
            if view == "latin" and action == "block" and " " not in term and len(term) >= 4:
                # "f*ck", "sh!t" lose a letter to the symbol: one masked vowel per variant
                for i, ch in enumerate(term):
                    if ch in "aeiou":
                        masked = latin_key(term[:i] + term[i + 1:])
                        if masked:
                            out.append((rule, masked, None))
    addr = _address_keys("skeleton")
    for no, line in _lines("ar_safetext.txt"):
        if line in excluded:
            continue
        keys = skeleton_keys(line)
        if not keys or keys[0][0] in curated:
            continue  # a reviewed rule decides this word
        if _AR_ARTICLE.match(fold(line)) or line.lower().startswith(("el ", "el-", "al ")):
            continue  # "العمى" names a thing; no one is addressed with the article
        consonants = min(len(k.replace(" ", "").replace(FRANCO_MARK, "")) for k, _ in keys)
        if consonants < (4 if keys[0][0].count(" ") == 2 else 5):
            # Three consonants are an Arabic root: such words collide with everyday ones
            # ("bakraa" reads like bokra, tomorrow). Curated rules decide their own words.
            continue
        rule = Rule(f"ar_safetext.txt:{no}", line, "hold", "insult", "skeleton")
        out.extend((rule, k, s) for k, s in compile_term(line, "skeleton", {"target"}, addr))
    return out


# "I will <verb> you": the Egyptian future (ه، ح، ها، حا), an oath's لا ("والله لاقطعك"),
# the bare first person ("عايز اقتلك", "واقطعك"), "we will" (هن، حن), each with a
# second-person object (ـك ـكي ـكو ـكم) or, written "~~", a second-person "for you" (ـلك
# ـليك: "هكسرلك رجلك", which needs a body part or a thing of yours in its combo).
FIRST_PERSON = ("ه", "ح", "ها", "حا", "لا", "ا", "هن", "حن")
YOU_OBJECT = ("ك", "كي", "كو", "كم")
FOR_YOU = ("لك", "ليك", "لكم", "ليكي")


# "someone should <verb> him", "he'll be <verb>ed": the third person, active or passive, now
# or future (يدبحه، يتدبح، هيتحرق، تتحرق)
THIRD_PERSON = ("ي", "يت", "ت", "تت", "هي", "هيت", "هت", "هتت")
THEM_OBJECT = ("", "ه", "ها", "هم", "و")


def _third_person_forms(term: str) -> list[str]:
    """"~3دبح" -> يدبح، يدبحه، يتدبح، هيتدبح ... ; "~3ولع فيه" -> يولع فيه ..."""
    stem, _, rest = term[2:].partition(" ")
    ends = ("",) if rest else THEM_OBJECT
    return [f"{p}{stem}{e} {rest}".strip() for p in THIRD_PERSON for e in ends]


def _first_person_forms(term: str) -> list[str]:
    """"~قطع" -> هقطعك، حقطعك، لاقطعك ... ; "~~قطع" -> هقطعلك ... ; "~نتقم منك" (an object
    of its own after the verb) -> هنتقم منك، حنتقم منك ..."""
    benefactive = term.startswith("~~")
    stem, _, rest = term.lstrip("~").partition(" ")
    ends = ("",) if rest else (FOR_YOU if benefactive else YOU_OBJECT)
    # "ا" + a stem starting with ا is another word ("ا" + "اذي" + "ك" reads "ezayak")
    return [f"{p}{stem}{e} {rest}".strip() for p in FIRST_PERSON for e in ends
            if not (p == "ا" and stem.startswith("ا"))]


def load_concepts() -> list[tuple[str, str, tuple | None]]:
    """(concept, key, vowel constraints) from concepts.tsv (concept<TAB>ar|en<TAB>t1 ; t2;
    a term ending in "+" is inflected too, like a list term flagged verb; a term starting
    with "=" is matched in Arabic script only, when its Franco forms are other words; a term
    starting with "~" is a verb stem said by "I" to "you": `_first_person_forms`, with "~3"
    in the third person: `_third_person_forms`)."""
    out = []
    for no, line in _lines("concepts.tsv"):
        name, lang, terms = (p.strip() for p in line.split("\t", 2))
        for term in (t.strip() for t in terms.split(";")):
            if not term:
                continue
            if term.startswith("~"):
                forms = (_third_person_forms(term) if term.startswith("~3")
                         else _first_person_forms(term))
                keys = [kk for t in forms for kk in skeleton_keys(t)]
                if not keys:
                    raise ValueError(f"concepts.tsv:{no}: {term!r} normalises to nothing")
                out.extend((name, k, s) for k, s in keys)
                continue
            flags = {"verb"} if term.endswith("+") else set()
            script_only = term.startswith("=")  # "=مايوه": not its Franco forms ("mayoh"
            term = term.lstrip("=").rstrip("+").strip()  # reads as "me")
            if lang == "en":
                check_latin_words(term, f"concepts.tsv:{no}")
                keys = [(k, None) for k in {latin_key(t) for t in _term_variants(term, flags)}
                        if k]
            else:
                keys = [kk for t in _term_variants(term, flags)
                        for kk in skeleton_keys(t, script_only=script_only)]
            if not keys:
                raise ValueError(f"concepts.tsv:{no}: {term!r} normalises to nothing")
            out.extend((name, k, s) for k, s in keys)
    return out


@dataclass(frozen=True, slots=True)
class Combo:
    rule: Rule
    needs: tuple[frozenset[str], ...]  # one concept of each group ("a|b + c")
    unless: frozenset[str] = frozenset()  # "!c": none of these ("من الضحك": figurative)


def load_combos() -> list[Combo]:
    """combos.tsv: id<TAB>category<TAB>action<TAB>concept[|alt] + concept[|alt] [+ !concept]."""
    out = []
    for no, line in _lines("combos.tsv"):
        cid, category, action, spec = (p.strip() for p in line.split("\t", 3))
        if category not in CATEGORIES or action not in SEVERITY:
            raise ValueError(f"combos.tsv:{no}: bad category or action")
        groups = [g.strip() for g in spec.split("+")]
        needs = tuple(frozenset(a.strip() for a in g.split("|")) for g in groups
                      if not g.startswith("!"))
        unless = frozenset(a.strip() for g in groups if g.startswith("!")
                           for a in g[1:].split("|"))
        out.append(Combo(Rule(f"combos.tsv:{no}", cid, action, category, "skeleton"), needs,
                         unless))
    return out


# ---- matching -------------------------------------------------------------------------

def _word_index(norm: Normalized, end: int, key: str) -> int:
    """Index in norm.skeleton's words of the first word of `key` ending at haystack `end`."""
    start = end - len(key) + 1 - (len(norm.latin) + 1)
    return norm.skeleton.count(" ", 0, start + 1) - 1


def _agrees(norm: Normalized, end: int, key: str, want: tuple) -> bool:
    """The Franco words of a match ending at `end` have vowels the key's term allows."""
    i = _word_index(norm, end, key)
    sigs = norm.signatures
    for j, s in enumerate(want):
        if s is not None:
            k = i + j
            if k >= len(sigs) or sigs[k] is None or not vowels_agree(sigs[k], s):
                return False
    return True


class ListMatcher:
    """One automaton over every key; `scan(norm)` returns the most severe hit (terms or
    combos) or None."""

    def __init__(self, pairs, concepts=(), combos=()):
        self.automaton = ahocorasick.Automaton()
        table: dict[str, list[Entry]] = {}
        for rule, key, sigs in pairs:
            table.setdefault(key, []).append(Entry(weight(rule), rule, None, sigs))
        for name, key, sigs in concepts:
            table.setdefault(key, []).append(Entry((0, 0), None, name, sigs))
        for key, entries in table.items():
            entries.sort(key=lambda e: e.severity, reverse=True)
            # (key, the rules' entries, most severe first, (concept, vowels) of the concepts)
            rules = tuple(e for e in entries if e.rule is not None)
            concepts = tuple((e.concept, e.sigs) for e in entries if e.rule is None)
            self.automaton.add_word(key, (key, rules, concepts))
        self.automaton.make_automaton()
        self.size = len(table)
        self.combos = [(c, weight(c.rule)) for c in combos]
        self._combos_by_concept: dict[str, list[int]] = {}  # a concept of each first group
        for i, (c, _) in enumerate(self.combos):
            for name in c.needs[0]:
                self._combos_by_concept.setdefault(name, []).append(i)
        self._heaviest_combo = max((w for _, w in self.combos), default=None)
        self._complete: dict[frozenset[str], tuple] = {}  # _combos_completed_by
        self.normalizer = Normalizer()

    def normalize(self, text: str) -> Normalized:
        return self.normalizer.normalize(text)

    def match_normalized(self, norm: Normalized) -> ListHit | None:
        found: tuple[tuple[int, int], Rule, str] | None = None
        figurative = None  # the weightiest hit of a rule a concept can make figurative
        pending: dict[str, list] | None = None  # concept -> its matches, vowels unchecked
        for end, (key, entries, concepts) in self.automaton.iter(norm.haystack):
            for concept, sigs in concepts:
                if pending is None:
                    pending = {}
                pending.setdefault(concept, []).append((end, key, sigs))
            for e in entries:
                if e.rule.unless is not None:
                    if (figurative is None or e.severity > figurative[0]) \
                            and (e.sigs is None or _agrees(norm, end, key, e.sigs)):
                        figurative = (e.severity, e.rule, key)
                elif found is None or e.severity > found[0]:
                    if e.sigs is None or _agrees(norm, end, key, e.sigs):
                        found = (e.severity, e.rule, key)
        if figurative is not None and (found is None or figurative[0] > found[0]) and not any(
                sigs is None or _agrees(norm, end, key, sigs)
                for end, key, sigs in (pending or {}).get(figurative[1].unless, ())):
            found = figurative  # "هقتلك", but not "هقتلك من الضحك" (you'll kill me laughing)
        if pending and self.combos:
            found = self._combo(norm, pending, found)
        return ListHit(found[1], found[2]) if found else None

    def _combo(self, norm: Normalized, pending: dict[str, list], found):
        """The weightiest combo the message's concepts complete. A concept's vowels are
        checked only when a combo needs it (most concepts complete nothing)."""
        if found is not None and found[0] >= self._heaviest_combo:
            return found  # no combo outweighs it
        present = frozenset(pending)
        complete = self._complete.get(present)
        if complete is None:
            complete = self._combos_completed_by(present)
        if not complete:
            return found
        verified: dict[str, bool] = {}

        def has(concept: str) -> bool:
            v = verified.get(concept)
            if v is None:
                v = verified[concept] = any(
                    sigs is None or _agrees(norm, end, key, sigs)
                    for end, key, sigs in pending.get(concept, ()))
            return v

        for c, sev in complete:
            if found is not None and sev <= found[0]:
                continue
            if all(any(has(x) for x in g) for g in c.needs) \
                    and not any(has(x) for x in c.unless & present):
                found = (sev, c.rule, "+".join(sorted(x for x in present if verified.get(x))))
        return found

    def _combos_completed_by(self, present: frozenset[str]) -> tuple:
        """(combo, weight) of every combo with a concept of each group in `present`, in
        file order, remembered per set of concepts (messages repeat a few sets; bounded)."""
        by = self._combos_by_concept
        ids = sorted({i for name in present for i in by.get(name, ())})
        complete = tuple(self.combos[i] for i in ids
                         if all(not g.isdisjoint(present) for g in self.combos[i][0].needs))
        if len(self._complete) >= MAX_CONCEPT_SETS:
            self._complete.clear()
        self._complete[present] = complete
        return complete

    def match(self, text: str) -> ListHit | None:
        return self.match_normalized(self.normalize(text))


def check_combos(concepts, combos, rules=()) -> None:
    """A combo (or a rule's unless=) naming a concept that concepts.tsv does not define would
    silently never fire (or never except): refuse to load."""
    known = {name for name, _, _ in concepts}
    for c in combos:
        for name in sorted(set().union(*c.needs, c.unless) - known):
            raise ValueError(f"{c.rule.id} ({c.rule.term}): unknown concept {name!r}")
    for rule, _, _ in rules:
        if rule.unless is not None and rule.unless not in known:
            raise ValueError(f"{rule.id} ({rule.term}): unknown concept {rule.unless!r}")


@lru_cache(maxsize=1)
def default_matcher() -> ListMatcher:
    rules, concepts, combos = load_rules(), load_concepts(), load_combos()
    check_combos(concepts, combos, rules)
    return ListMatcher(rules, concepts, combos)
