"""Text normalisation for moderation: Egyptian Arabic in Arabic script and in Franco-Arabic.

`normalize(text)` returns a `Normalized` with three views of one message:

- `fold`: NFKC, lower case, no diacritics/tatweel/zero-width marks, one alef, ya for alef
  maqsura, ha for ta marbuta, one hamza, Western digits, Latin letters for Cyrillic/Greek
  look-alikes. Layer 2 patterns (phone numbers, national ids) read this.
- `latin`: the Latin words, with leetspeak undone ("sh1t", "@ss") — English rules match here.
- `skeleton`: every Arabic-script and Franco-Arabic word reduced to one spelling in Arabic
  letters: Franco digits and digraphs become letters (2 ء, 3 ع, 3' غ, 5 خ, 6 ط, 7 ح, 8 غ,
  9 ق, sh ش, kh خ, gh غ, g ج), letters Egyptians pronounce alike fall together (ت ط ث,
  س ص, د ض, ز ذ ظ, ق ء), vowels inside a word are dropped (Franco writes short vowels that
  Arabic script does not), and the final vowel keeps one of three marks (ه for a/e/ا/ة,
  ي for i/y, و for o/u). So "sharmoota" and "شرموطة" are both "شرمته", "7mar" and "حمار" both
  "حمر", "kosa" (zucchini) "كسه" but "kos" "كس". Arabic, Franco and English rules are
  compiled with the same function, so a rule written once matches both scripts.

Evasions undone before that: symbols inside words ("sh*t", "ك.س"), spaced letters
("k o s o m a k"), letter elongation ("حلووووو", "fuuuck"), look-alike letters.
Pure and fast: a few `str.translate` and compiled regex passes over the whole message.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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

# Franco digits that take an apostrophe: 3' غ, 7' خ, 9' ض (spelled as Latin digraphs here).
_APOSTROPHE = re.compile(r"([379])['’`]")
_APOSTROPHE_MAP = {"3": "gh", "7": "kh", "9": "dh"}
# Symbols between two letters/digits: "sh*t", "ك.س.م", "f_u_c_k" (underscore counts as one).
_INNER = re.compile(r"(?<=[^\W_])(?:[^\w\s]|_)+(?=[^\W_])")
# Runs of three or more single letters: "k o s o m a k", "ك س م ك".
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W\d_][\s.\-*_,]+){2,}[^\W\d_](?![^\W_])")
_SPACED_SEP = re.compile(r"[\s.\-*_,]+")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")

# ---- latin view -----------------------------------------------------------------------
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "+": "t"})
_LATIN_WORD = re.compile(r"[a-z]+")

# ---- skeleton view --------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
_ONLY_DIGITS = re.compile(r"(?<!\S)\d+(?!\S)")
# Common Franco words whose spelling adds vowels Arabic script does not write.
_FRANCO_WORDS = {"enta": "انت", "inta": "انت", "enti": "انتي", "inti": "انتي", "ento": "انتو",
                 "into": "انتو", "entu": "انتو", "intu": "انتو", "ana": "انا", "ebn": "ابن",
                 "ibn": "ابن", "ibnel": "ابن", "ebnel": "ابن", "bent": "بنت", "bint": "بنت",
                 "omak": "امك", "omk": "امك", "ommak": "امك", "umak": "امك", "omik": "امك",
                 "ommik": "امك", "abook": "ابوك", "abok": "ابوك", "abouk": "ابوك",
                 "abuk": "ابوك", "a5ok": "اخوك", "o5tak": "اختك", "okhtak": "اختك",
                 "yabn": "يا ابن", "yabnel": "يا ابن", "yabnil": "يا ابن", "يابن": "يا ابن",
                 "yebn": "يا ابن", "ybn": "يا ابن", "يبن": "يا ابن",
                 "el": "", "al": "", "il": "", "ال": ""}  # a lone article is not a word
_ARTICLE = re.compile(r"(?<!\S)(?:و?ال|el(?=[a-z0-9]{3}))(?=\S\S)")
_LATIN_FINAL = re.compile(r"(?<=[^\W_])(?:(ah|eh|a|e)|(ee|ey|ie|i|y)|(oo|ou|ow|o|u))(?![^\W_])")
_ARABIC_FINAL = re.compile(r"(?<=[^\W_])([اه])(?![^\W_])")
_DIGRAPH = re.compile(r"sh|ch|kh|gh|th|dh|ph|ck")
_DIGRAPH_MAP = {"sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ت", "dh": "د", "ph": "ف",
                "ck": "ك"}
_A, _I, _U = "\ue000", "\ue001", "\ue002"  # final-vowel marks while vowels are dropped
_SKEL = str.maketrans({
    # Latin letters (after digraphs): vowels go, consonants take their Arabic class
    "a": "", "e": "", "i": "", "o": "", "u": "",
    "b": "ب", "p": "ب", "t": "ت", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "v": "ف",
    "q": "ق", "k": "ك", "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "j": "ج",
    "g": "ج", "c": "ڪ", "x": "ڪس",  # c/x: never Arabic, so "club"/"xx" cannot become كلب/كس
    # Franco digits inside words
    "2": "ق", "3": "ع", "5": "خ", "6": "ت", "7": "ح", "8": "غ", "9": "ق",
    "0": "", "1": "", "4": "",
    # Arabic letters Egyptians pronounce alike
    "ا": "", "ط": "ت", "ث": "ت", "ص": "س", "ض": "د", "ذ": "ز", "ظ": "ز", "ء": "ق",
    _A: "ه", _I: "ي", _U: "و",
})
_INNER_SEMIVOWEL = re.compile(r"(?<=\S)[وي](?=\S)")
# Franco doubles a letter for the shadda that Arabic script does not write ("kossomak").
_LATIN_DOUBLE = re.compile(r"([a-z0-9])\1+")


@dataclass(frozen=True, slots=True)
class Normalized:
    fold: str  # folded message (patterns read this)
    latin: str  # " w1 w2 ... " Latin words, leetspeak undone
    skeleton: str  # " s1 s2 ... " one Arabic-letter skeleton per Arabic/Franco word

    @property
    def haystack(self) -> str:
        """What the list automaton scans: both views, each word wrapped in spaces."""
        return self.latin + "|" + self.skeleton


def fold(text: str) -> str:
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(_FOLD)


def _join_spaced(m: re.Match) -> str:
    return _SPACED_SEP.sub("", m.group(0))


def _latin_final(m: re.Match) -> str:
    return _A if m.group(1) else (_I if m.group(2) else _U)


def _arabic_final(m: re.Match) -> str:
    return _A


def _franco_word(m: re.Match) -> str:
    w = m.group(0)
    return _FRANCO_WORDS.get(w, w)


def _digraph(m: re.Match) -> str:
    return _DIGRAPH_MAP[m.group(0)]


def _undo_evasions(folded: str) -> str:
    s = folded
    if "'" in s or "’" in s or "`" in s:
        s = _APOSTROPHE.sub(lambda m: _APOSTROPHE_MAP[m.group(1)], s)
    s = _SPACED.sub(_join_spaced, s)
    return _ELONGATED.sub(r"\1", s)


_HAS_DIGIT = re.compile(r"\d")
_AR_ADDRESS = re.compile(r"(?<!\S)(?:انت|انتي|انتو)(?!\S)")


_ANY_LATIN = re.compile(r"[a-z]")


def latin_view(s: str, symbols: bool = True) -> str:
    if _ANY_LATIN.search(s) is None:
        return " "  # Arabic script only: no English rule can match
    if not s.isascii():  # "انت idiot": the Arabic address joins the English words
        s = _AR_ADDRESS.sub(" you ", s)
    if _HAS_DIGIT.search(s):
        s = _ONLY_DIGITS.sub("", s)
    s = s.translate(_LEET)
    words = _LATIN_WORD.findall(_INNER.sub("", s))  # after leet: "h'@" -> "ha"
    return " " + " ".join(words) + " " if words else " "


def _word_skeleton(w: str) -> str:
    """The skeleton of one folded word ("" for numbers and lone articles)."""
    if w.isdigit():
        return ""  # numbers are not words (patterns look at them)
    mapped = _FRANCO_WORDS.get(w)
    if mapped is not None:
        return " ".join(_word_skeleton(x) for x in mapped.split() if x != w)
    if w.isascii():
        w = _LATIN_DOUBLE.sub(r"\1", w)
        w = _ARTICLE.sub("", w)
        w = _LATIN_FINAL.sub(_latin_final, w)
        for dg, ar in _DIGRAPH_MAP.items():
            if dg in w:
                w = w.replace(dg, ar)
    else:
        w = _ARTICLE.sub("", w)
        w = _ARABIC_FINAL.sub(_A, w)
        if "el" in w or any(c in w for c in "aeiouy"):  # a word mixing scripts
            w = _LATIN_FINAL.sub(_latin_final, w)
            w = _DIGRAPH.sub(_digraph, w)
    return _INNER_SEMIVOWEL.sub("", w.translate(_SKEL))


_CACHE: dict[str, str] = {}
_CACHE_MAX = 200_000  # distinct words kept; chat vocabulary is small and repetitive


def word_skeleton(w: str) -> str:
    sk = _CACHE.get(w)
    if sk is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        sk = _CACHE[w] = _word_skeleton(w)
    return sk


def skeleton_view(s: str, keep_latin: frozenset[str] = frozenset(),
                  symbols: bool = True) -> str:
    """Skeletons of the words of an already folded, de-evaded string (memoised per word)."""
    words = _WORD.findall(_INNER.sub("", s) if symbols else s)
    if not words:
        return " "
    get = _CACHE.get
    out = []
    for w in words:
        if w in keep_latin:  # English words that are not Franco (lists.load_allow_words)
            continue
        sk = get(w)
        if sk is None:
            sk = word_skeleton(w)
        if sk:
            out.append(sk)
    return " " + " ".join(out) + " " if out else " "


_AR_ADDRESS_WORDS = frozenset({"انت", "انتي", "انتو"})


class Normalizer:
    """`normalize()` for a server: the same views, computed per whitespace token and
    memoised (chat vocabulary is small and repetitive), so a message costs one fold, one
    pass for spaced letters, and a dict look-up per token. Bounded: `max_tokens` entries.
    Equivalent to `normalize()`: tests/test_moderation_text.py compares them."""

    def __init__(self, keep_latin: frozenset[str] = frozenset(), max_tokens: int = 200_000):
        self.keep_latin = keep_latin
        self.max_tokens = max_tokens
        self.tokens: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}

    def _token(self, tok: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        t = _ELONGATED.sub(r"\1", tok)
        # Latin view of the token (used only if the message has Latin letters at all)
        if t in _AR_ADDRESS_WORDS:
            lat: tuple[str, ...] = ("you",)
        elif t.isdigit():
            lat = ()
        else:
            lat = tuple(_LATIN_WORD.findall(_INNER.sub("", t.translate(_LEET))))
        # skeleton view of the token
        sk = []
        for w in _WORD.findall(_INNER.sub("", t)):
            if w in self.keep_latin:
                continue
            k = word_skeleton(w)
            if k:
                sk.append(k)
        return lat, tuple(sk), _ANY_LATIN.search(t) is not None

    def normalize(self, text: str) -> Normalized:
        f = fold(text)
        s = f
        if "'" in s or "’" in s or "`" in s:
            s = _APOSTROPHE.sub(lambda m: _APOSTROPHE_MAP[m.group(1)], s)
        s = _SPACED.sub(_join_spaced, s)
        lat: list[str] = []
        sk: list[str] = []
        has_latin = False
        cache = self.tokens
        for tok in s.split():
            views = cache.get(tok)
            if views is None:
                if len(cache) >= self.max_tokens:
                    cache.clear()
                views = cache[tok] = self._token(tok)
            lat.extend(views[0])
            sk.extend(views[1])
            has_latin = has_latin or views[2]
        return Normalized(fold=f, latin=" " + " ".join(lat) + " " if lat and has_latin else " ",
                          skeleton=" " + " ".join(sk) + " " if sk else " ")


def normalize(text: str, keep_latin: frozenset[str] = frozenset()) -> Normalized:
    f = fold(text)
    s = _undo_evasions(f)
    # most messages have no symbol between two letters: skip that pass in both views
    sym = _INNER.search(s) is not None
    return Normalized(fold=f, latin=latin_view(s, sym), skeleton=skeleton_view(s, keep_latin, sym))


def term_keys(term: str) -> tuple[str | None, str | None]:
    """(latin key, skeleton key) of a list entry, spaces around, or None if empty.

    A term written in Latin letters yields both: "7mar" is Franco (skeleton) and "idiot" is
    English (latin); the list file says which one it wants (see lists.py).
    """
    s = _undo_evasions(fold(term))
    lat = latin_view(s)
    sk = skeleton_view(s)
    return (lat if lat.strip() else None, sk if sk.strip() else None)
