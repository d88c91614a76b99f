"""Text normalisation for moderation: Egyptian Arabic in Arabic script, Franco-Arabic, English.

`normalize(text)` returns a `Normalized` with the views the layers read:

- `fold`: NFKC, lower case, no diacritics/tatweel/zero-width marks, one alef, ya for alef
  maqsura, ha for ta marbuta, one hamza, Western digits, Latin letters for Cyrillic/Greek
  look-alikes. Layer 2 patterns (phone numbers, national ids) read this.
- `latin`: the Latin words, leetspeak undone ("sh1t", "@ss") — English rules match here.
- `skeleton`: one form per Arabic-script or Latin word, in Arabic letters, in two namespaces:
  * an Arabic-script word keeps its spelling (folded, the article ال/وال/بال/فال/كال/لل
    taken off, letters Egyptians pronounce alike merged: ت ط ث, س ص, د ض, ز ذ ظ, final
    ا/ه/ة one mark). Long vowels and a first alef stay: "إنك" is `انك`, never `نيك`.
  * a Latin word is read as Franco-Arabic: digits and digraphs become letters (2 ء, 3 ع,
    3' غ, 5 خ, 6 ط, 7 ح, 7' خ, 8 غ, 9 ق, sh ش, kh خ, gh غ, g ج), doubled letters (shadda)
    once, inner vowels dropped from the form but kept, per gap between consonants, as a
    `signature` (which vowel classes — a, i, u — and whether long: "ee", "oo"), a first
    vowel written `ا`, the final vowel one of three marks (ه a/e, ي i/y, و o/u). The
    form starts with `ـ` (tatweel, which folding deletes from any input) so Franco forms
    and Arabic-script forms never meet by accident.
  A list term written in Arabic script compiles to its Arabic form and to the Franco forms
  a writer could give it (lists.py), each with the vowels the script spells; a match of a
  Franco word is confirmed only if its vowels agree (`vowels_agree`): "simbel" does not
  meet "sambool", "hemmetak" (your effort) does not meet هموتك (I will kill you).

Evasions undone before that: symbols inside words ("sh*t", "ك.س", "7-m-a-r"), spaced
letters ("k o s o m a k", "ع ب ي ط"; a run of two or more spaces stays a word break, so
"ح ل و   ا و ي" is "حلو اوي"), letters repeated three times or more ("حلوووو", "fuuuck").
Pure; the server path (`Normalizer`) memoises per whitespace token.
"""
from __future__ import annotations

import re
import unicodedata
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

# ---- fold: one spelling of every character --------------------------------------------
_DELETE = [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE),
           0x0640, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
           0xFEFF, 0x00AD, 0x034F, 0x180E]
_FOLD = {cp: None for cp in _DELETE}
_FOLD.update(str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "ء", "ئ": "ء",
    "ک": "ك", "ڪ": "ك", "ی": "ي", "ے": "ي", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ۃ": "ه",
    "گ": "ج", "چ": "ج", "پ": "ب", "ڤ": "ف", "ژ": "ز",
    "،": ",", "؛": ";", "؟": "?", "٪": "%",
    # Cyrillic and Greek letters that look Latin (after lower-casing)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ӏ": "l", "ᴋ": "k", "ո": "n", "ս": "u",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "η": "n", "μ": "u",
}))
for _i in range(10):
    _FOLD[0x0660 + _i] = str(_i)  # Arabic-Indic digits
    _FOLD[0x06F0 + _i] = str(_i)  # Extended (Persian) digits
# str.translate raises (and clears) a KeyError for every character its table lacks: with
# ASCII and the Arabic block listed as themselves, folding Arabic text costs half as much
_FOLD_TABLE = {cp: cp for cp in (*range(0x80), *range(0x0600, 0x0700))} | _FOLD
assert all(cp > 0x7F for cp in _FOLD)  # fold() lower-cases ASCII text and stops there

FRANCO_MARK = "\u0640"  # starts every Franco form in the skeleton view (never in input)

# Franco digits that take an apostrophe: 3' غ, 7' خ, 9' ض (spelled as Latin digraphs here).
_APOSTROPHE = re.compile(r"([379])['’`]")
_APOSTROPHE_MAP = {"3": "gh", "7": "kh", "9": "dh"}
# Symbols between two letters/digits of one token: "sh*t", "ك.س.م", "f_u_c_k", "7-m-a-r".
_INNER = re.compile(r"(?<=[^\W_])(?:[^\w\s]|_)+(?=[^\W_])")
# the same, but leaving leetspeak symbols for the Latin view ("a$$hole", "sh!t")
_INNER_NO_LEET = re.compile(r"(?<=[^\W_])(?:[^\w\s@$!|+]|_)+(?=[^\W_])")
# Runs of three or more single letters (or Franco digits) split by spaces/symbols.
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_](?:[^\S\n]|[-.*_,·•/|])+){2,}[^\W_](?![^\W_])")
_GAP_WORDS = re.compile(r"\s{2,}|[^\S\n]*[/|][^\S\n]*")  # a wide gap is still a word break
_NOT_WORD = re.compile(r"[\W_]+")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")

# ---- latin view -----------------------------------------------------------------------
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "+": "t"})
_LATIN_WORD = re.compile(r"[a-z]+")
_TRAILING_PUNCT = re.compile(r"[!?.,;:]+$")  # "alone!!!" is not "aloneiii" (leetspeak "!")
_ANY_LATIN = re.compile(r"[a-z]")
_AR_ADDRESS_WORDS = frozenset({"انت", "انتي", "انتو"})  # "انت idiot": English address

# ---- skeleton view --------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
_ARABIC = re.compile(r"[\u0621-\u064a]")
_AR_ARTICLE = re.compile(r"^(?:[وفبك]?ال|لل)(?=..)")
# God's name: its ال is no article, and و ب ت ف before it swear ("والله" is an oath; with
# the article taken off it was "له", to him, and with a proclitic "وله", ولا "or")
_GODS_NAME = re.compile(r"[وفبت]?الله|لله")
_AR_MERGE = str.maketrans({"ط": "ت", "ث": "ت", "ص": "س", "ض": "د", "ذ": "ز", "ظ": "ز"})
_AR_FINAL = re.compile(r"[اه]$")

# Franco units: consonants map to Arabic letters; vowels to classes
A, I, U = 1, 2, 4  # vowel classes (bit sets): a, i, u; "e" is a or i
_VOWEL_CLASS = {"a": A, "e": A | I, "i": I, "o": U, "u": U, "0": U, "1": I, "4": A}
_CONSONANT = {
    "b": "ب", "p": "ب", "t": "ت", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "v": "ف",
    "q": "ق", "k": "ك", "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "j": "ج",
    "g": "ج", "c": "ڪ", "x": "ڪ",  # c/x are never Arabic: "club" cannot become كلب
    "2": "ق", "3": "ع", "5": "خ", "6": "ت", "7": "ح", "8": "غ", "9": "ق",
}
_DIGRAPHS = {"sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ت", "dh": "د", "ph": "ف",
             "ck": "ك"}
# Arabic letters Egyptians pronounce alike, and ء as the Cairene ق (Franco "2" is both)
_AR_TO_SKEL = {"ط": "ت", "ث": "ت", "ص": "س", "ض": "د", "ذ": "ز", "ظ": "ز", "ء": "ق"}
_FINAL_MARK = {A: "ه", A | I: "ه", I: "ي", U: "و"}

Signature = tuple  # per gap (before C1, C1-C2, ..., after Cn): (classes, long) for text


class Normalized(NamedTuple):
    """One message's views (a tuple: made per message, and a frozen dataclass costs twice
    as much to make)."""
    fold: str  # folded message (patterns read this)
    latin: str  # " w1 w2 ... " Latin words, leetspeak undone
    skeleton: str  # " f1 f2 ... " one form per Arabic-script or Latin word
    signatures: tuple = ()  # per skeleton word: its vowel signature, or None (Arabic script)
    # latin + skeleton words, a letter repeated once ("foollow my page" = "follow my page"):
    # what the flood rule compares
    words_once: str = " "

    @property
    def haystack(self) -> str:
        """What the list automaton scans: both views, each word wrapped in spaces."""
        return self.latin + "|" + self.skeleton


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(_FOLD_TABLE)


def _join_spaced(m: re.Match) -> str:
    return " ".join(_NOT_WORD.sub("", part) for part in _GAP_WORDS.split(m.group(0)))


def undo_evasions(folded: str) -> str:
    s = folded
    if "'" in s or "’" in s or "`" in s:
        s = _APOSTROPHE.sub(lambda m: _APOSTROPHE_MAP[m.group(1)], s)
    s = _INNER_NO_LEET.sub("", s)
    s = _SPACED.sub(_join_spaced, s)
    return _ELONGATED.sub(r"\1", s)


# ---- one Arabic-script word -------------------------------------------------------------

def arabic_form(w: str) -> str:
    """An Arabic-script word as the list matches it: spelling kept, sounds merged."""
    if _GODS_NAME.fullmatch(w):
        return w
    w = _AR_ARTICLE.sub("", w)
    return _AR_FINAL.sub("ه", w) if len(w) > 1 else w


# ---- one Franco word --------------------------------------------------------------------

def _franco_units(w: str) -> list:
    """[(consonant letter) | (vowel class, length)] for a lower-case ASCII word."""
    units: list = []
    i, n = 0, len(w)
    while i < n:
        two = w[i:i + 2]
        if two in _DIGRAPHS:
            units.append(_DIGRAPHS[two])
            i += 2
            continue
        ch = w[i]
        vc = _VOWEL_CLASS.get(ch)
        if ch in "wy":  # a semivowel is a vowel after a consonant and before no vowel
            nxt = w[i + 1] if i + 1 < n else ""
            after_cons = bool(units) and isinstance(units[-1], str)
            if after_cons and nxt not in "aeiou" and (units[-1] not in "وي"):
                vc = U if ch == "w" else I
        if vc is not None:
            if units and isinstance(units[-1], tuple):
                c, ln = units[-1]
                units[-1] = (c | vc, ln + 1)
            else:
                units.append((vc, 1))
        elif ch in _CONSONANT:
            letter = _CONSONANT[ch]
            if not (units and units[-1] == letter):  # doubled letter: shadda
                units.append(letter)
        i += 1
    return units


def franco_form(w: str) -> tuple[str, Signature]:
    """(form, signature) of a Latin-letter word read as Franco-Arabic."""
    units = _franco_units(w)
    # the article: "el" or "il" before three or more letters
    if len(w) > 4 and w[:2] in ("el", "il") and units[:2] and units[1] == "ل" \
            and isinstance(units[0], tuple):
        units = units[2:]
        if units and isinstance(units[0], tuple):  # "ela..." keeps no initial vowel
            units = units[1:]
    gaps: list = []
    cons: list[str] = []
    pending = (0, 0)
    for u in units:
        if isinstance(u, tuple):
            pending = u
        else:
            gaps.append(pending)
            cons.append(u)
            pending = (0, 0)
    if not cons:
        return "", ()
    final = pending
    lead = "ا" if gaps[0][0] else ""
    mark = _FINAL_MARK.get(final[0], "ه") if final[0] else ""
    sig = tuple((c, ln > 1) for c, ln in gaps)
    return FRANCO_MARK + lead + "".join(cons) + mark, sig


def arabic_franco_forms(w: str) -> list[tuple[str, tuple]]:
    """The Franco forms an Arabic-script word can be written in, each with the vowel
    classes its script spells per gap (0 = no long vowel written there).

    ا is a vowel; و and ي inside a word are either a consonant (w, y) or a long vowel
    (oo, ee): both readings are returned. A first alef is the initial vowel."""
    if _GODS_NAME.fullmatch(w):
        return []  # "wallah" is also ولا (or): Franco oaths are listed, not derived
    w = _AR_ARTICLE.sub("", w)
    if not w:
        return []
    lead = ""
    if w[0] == "ا":
        lead, w = "ا", w[1:]
    final_mark = ""
    if len(w) > 1 and w[-1] in "اه":
        final_mark, w = "ه", w[:-1]
    elif len(w) > 1 and w[-1] in "وي" and w[-2] not in "اوي":
        final_mark, w = w[-1], w[:-1]
    # (consonants, gap classes, whether the last letter was read as a vowel)
    readings: list[tuple[list[str], list[int], int]] = [([], [0], 0)]
    for i, ch in enumerate(w):
        ch = _AR_TO_SKEL.get(ch, ch)
        nxt = []
        for cons, gaps, after_vowel in readings:
            if ch == "ا":
                g = gaps[:]
                g[-1] |= A
                nxt.append((cons, g, 1))
                continue
            # two long vowels never meet: after one, و and ي are w and y ("منيوك" is
            # man-yook or men-iwk, never "menek", منك "from you")
            if ch in "وي" and i > 0 and not after_vowel:
                g = gaps[:]
                g[-1] |= U if ch == "و" else I
                nxt.append((cons, g, 1))
            if cons and cons[-1] == ch and gaps[-1] == 0 and i < len(w) - 1:
                # a written double letter is one consonant (shadda, as Franco doubles it),
                # but not at the end: there it is a stem and a suffix ("انيكك" aneek-ak,
                # never "enek", إنك "that you")
                nxt.append((cons, gaps, 0))
            else:
                nxt.append((cons + [ch], gaps + [0], 0))
        readings = nxt[:16]
    out = []
    seen = set()
    for cons, gaps, _ in readings:
        if not cons:
            continue
        form = FRANCO_MARK + lead + "".join(cons) + final_mark
        sig = list(gaps[:len(cons)])  # gap before each consonant; the final one is the mark
        if len(cons) > 1 and not final_mark and sig[-1] == 0 and cons[-1] != "ك":
            sig[-1] = NO_VOWEL  # كلب is "kalb", not "kaleb"; عرص "3ars", not "3aris" (groom)
        sig = tuple(sig)
        if (form, sig) not in seen:
            seen.add((form, sig))
            out.append((form, sig))
    return out


NO_VOWEL = -1  # a term's final consonant cluster: a vowel there makes another word


def franco_term_signature(sig: Signature, form: str) -> tuple:
    """A Franco list term's own vowels, as constraints (classes per gap, 0 = none; a term
    ending in two consonants, "3ars", "kalb", admits no vowel between them)."""
    out = [c for c, _ in sig]
    if len(out) > 1 and out[-1] == 0 and form[-1] not in "هيو":
        out[-1] = NO_VOWEL
    return tuple(out)


def vowels_agree(text_sig: Signature, term_sig: tuple) -> bool:
    """A Franco word matches a term's form only if its vowels could spell the term's:
    where both give a vowel, a class in common; a long vowel where the term has none is a
    different word ("3arees" groom is not "3ars")."""
    for (tc, long_), c in zip(text_sig, term_sig):
        if not tc:
            continue
        if c == NO_VOWEL:
            return False
        if not c:
            if long_:
                return False
        elif not tc & c:
            return False
    return True


# ---- the views --------------------------------------------------------------------------

_LONE_ARTICLE = frozenset({"el", "il", "al", "ال"})  # a lone article is not a word
_WORD_CACHE: dict[str, tuple[str, Signature | None]] = {}
_CACHE_MAX = 200_000  # distinct words kept; chat vocabulary is small and repetitive


def word_form(w: str) -> tuple[str, Signature | None]:
    """(form, signature or None) of one folded word; form "" for numbers."""
    got = _WORD_CACHE.get(w)
    if got is not None:
        return got
    if w.isdigit() or w in _LONE_ARTICLE:
        got = ("", None)
    elif _ARABIC.search(w) is None:
        got = franco_form(w) if w.isascii() else ("", None)
    elif w.isascii() is False and _ANY_LATIN.search(w) is None:
        got = (arabic_form(re.sub(r"[^\u0621-\u064a]", "", w)), None)
    else:  # letters of both scripts in one word: read the Latin ones as Franco
        got = franco_form(re.sub(r"[^a-z0-9]", "", w))
    if len(_WORD_CACHE) >= _CACHE_MAX:
        _WORD_CACHE.clear()
    _WORD_CACHE[w] = got
    return got


def _token_views(tok: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple, bool]:
    """(latin words, skeleton forms, signatures, has Latin) of one whitespace token."""
    if tok in _AR_ADDRESS_WORDS:
        lat: tuple[str, ...] = ("you",)
    elif tok.isdigit():
        lat = ()
    else:
        t = _TRAILING_PUNCT.sub("", tok)
        lat = tuple(_LATIN_WORD.findall(_INNER.sub("", t.translate(_LEET))))
    forms, sigs = [], []
    for w in _WORD.findall(_INNER.sub("", tok)):
        f, sig = word_form(w)
        if f:
            forms.append(f)
            sigs.append(sig)
    return lat, tuple(forms), tuple(sigs), _ANY_LATIN.search(tok) is not None


# a letter's repeats after its first ("foollow" -> "folow"), deleted: the same as (.)\1+
# replaced by \1, without the template (which costs a Python call per sub)
_REPEATS = re.compile(r"(?<=(.))\1+")
_LONE_LETTER = re.compile(r"(?<![^\W_])[^\W_](?![^\W_])")  # what _SPACED joins into words


class TokenViews(NamedTuple):
    """One whitespace token's share of each view: its words, each followed by a space, so a
    message's view is " " and its tokens' shares joined."""
    latin: str
    skeleton: str
    signatures: tuple
    has_latin: bool
    latin_once: str  # the same words, a letter repeated once ("foollow " -> "folow ")
    skeleton_once: str
    # Normalizer: the token after the evasion passes that stay inside a token (all of
    # undo_evasions but _SPACED: apostrophes, symbols inside a word, elongation), and its
    # one-letter words, the only thing _SPACED joins across tokens
    undone: str
    lone_letters: int


def _views(tok: str, lone_letters: int = 0) -> TokenViews:
    """The views of an evasion-free token."""
    lat, forms, sigs, has_latin = _token_views(tok)
    latin = "".join(w + " " for w in lat)
    skeleton = "".join(w + " " for w in forms)
    return TokenViews(latin, skeleton, sigs, has_latin, _REPEATS.sub("", latin),
                      _REPEATS.sub("", skeleton), tok, lone_letters)


_WORD_OR_LEET = re.compile(r"[\w@$!|+]")  # what any view or pass reads in a token


def _raw_token_views(tok: str) -> TokenViews:
    """The views of a whitespace token of folded text, through the in-token passes."""
    if _WORD_OR_LEET.search(tok) is None:  # emoji, punctuation: no word in any view
        return TokenViews("", "", (), False, "", "", tok, 0)
    s = tok
    if s.isalnum():  # no apostrophe, no symbol: those passes cannot change it
        lone = 1 if len(s) == 1 else 0
    else:
        if "'" in s or "’" in s or "`" in s:
            s = _APOSTROPHE.sub(lambda m: _APOSTROPHE_MAP[m.group(1)], s)
        s = _INNER_NO_LEET.sub("", s)
        lone = len(_LONE_LETTER.findall(s))
    if _ELONGATED.search(s):
        s = _ELONGATED.sub(r"\1", s)
    return _views(s, lone)


_LONE_LETTERS = itemgetter(7)


def _assemble(f: str, views: list[TokenViews]) -> Normalized:
    if not views:
        return Normalized(fold=f, latin=" ", skeleton=" ")
    latins, skeletons, sigs, has_latin, latins_once, skeletons_once, _, _ = zip(*views)
    latin = "".join(latins)
    with_latin = bool(latin) and any(has_latin)
    return Normalized(fold=f, latin=" " + latin if with_latin else " ",
                      skeleton=" " + "".join(skeletons),
                      signatures=tuple(chain.from_iterable(sigs)),
                      words_once=" " + "".join(latins_once + skeletons_once if with_latin
                                               else skeletons_once))


class Normalizer:
    """`normalize()` for a server: the same views, computed per whitespace token and
    memoised (chat vocabulary is small and repetitive), so a message costs one fold and a
    dict look-up per token. Bounded: `max_tokens` entries.

    The evasion passes run inside each token, once per distinct token, except _SPACED,
    which joins one-letter words across tokens: a message with three of them or more
    ("k o s o m a k") takes the whole-text passes, as `normalize()` does.
    Equivalent to `normalize()`: tests/test_moderation_text.py compares them."""

    def __init__(self, max_tokens: int = 200_000):
        self.max_tokens = max_tokens
        self.tokens: dict[str, TokenViews] = {}  # raw token -> its views

    def _raw(self, tok: str) -> TokenViews:
        if len(self.tokens) >= self.max_tokens:
            self.tokens.clear()
        got = self.tokens[tok] = _raw_token_views(tok)
        return got

    def normalize(self, text: str) -> Normalized:
        f = fold(text)
        get = self.tokens.get
        views = [get(tok) or self._raw(tok) for tok in f.split()]
        if sum(map(_LONE_LETTERS, views)) >= 3:
            views = [self._undone_views(tok) for tok in undo_evasions(f).split()]
        return _assemble(f, views)

    def _undone_views(self, tok: str) -> TokenViews:
        """Views of a token undo_evasions() returned: its raw token's when the in-token
        passes leave it as it is (they undo nothing twice), else computed afresh."""
        raw = self.tokens.get(tok) or self._raw(tok)
        return raw if raw.undone == tok else _views(tok)


def normalize(text: str) -> Normalized:
    """The reference: every view computed afresh."""
    f = fold(text)
    return _assemble(f, [_views(t) for t in undo_evasions(f).split()])
