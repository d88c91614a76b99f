"""Egyptian national ids (NIDs) in a message, for the privacy rule (doxxing: blocked anywhere).

An NID is 14 digits: century (2 = 1900s, 3 = 2000s), birth date YYMMDD, governorate of birth
(01 Cairo, 02 Alexandria, 03 Port Said, 04 Suez, 11-19 Delta and Canal, 21-29 Upper Egypt,
31-35 frontier governorates, 88 born abroad), a 4-digit serial (its last digit odd for men,
even for women) and a check digit. The check digit's algorithm is not published, so any digit
is accepted there: a guessed checksum would let real NIDs through.

People write an NID plainly, or cut it to read it out or to get it past a filter. Joining
digits across separators is what catches that, and also what turned order, tracking and
device numbers into NIDs ("d2-3-1002152157101", "tracking 31002 15215 7101"). So digits
are joined across separators (spaces, . - _ / \\ and brackets, up to 3 characters) only
when the groups are cut the way an NID is written:
- one digit at a time ("2 9 0 0 1 0 ...", "2.9.0.0...");
- at the NID's own fields: century | YY | MM | DD | governorate | serial | check
  ("2 900101 12 3456 7", "2-90-01-01-12-3456-7");
- in equal chunks of 2, 3 or 4, as long numbers are read out ("2900 1011 2345 67"), the
  first or the last chunk shorter.
And 14 digits that are part of a longer number are not an NID: a group that continues it
without a space (a code: "d2-3-...", "ORD-...-7101-9"), or, with a space, in the same
style (the 15th single digit, a fifth chunk). A group glued to letters ("d2", Franco
"bta3", "3ashan") or tied to them by a dash ("ORD-3100", "...-67-XY") is a word or a
code, never part of the NID.
"""
from __future__ import annotations

import re
from datetime import date

GOVERNORATES = frozenset({1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24,
                          25, 26, 27, 28, 29, 31, 32, 33, 34, 35, 88})
_GOVERNORATE_CODES = frozenset(f"{g:02d}" for g in GOVERNORATES)
_MONTHS = frozenset(f"{m:02d}" for m in range(1, 13))
NID_LEN = 14
FIELD_CUTS = frozenset({1, 3, 5, 7, 9, 13})  # after century, YY, MM, DD, governorate, serial
READING_CHUNKS = (2, 3, 4)
_GROUP = re.compile(r"\d+")
_RUN = re.compile(r"\d+(?:[\s.\-_/\\()]{1,3}\d+)*")  # digit groups joined by separators
_CODE_BEFORE = re.compile(r"[^\W\d_][-_]{1,3}\Z")  # "ORD-", "INV_"
_CODE_AFTER = re.compile(r"[-_]{1,3}[^\W\d_]")  # "-XY"


def national_id(digits: str, today: date | None = None) -> bool:
    """14 digits that are a structurally valid NID: century 2 or 3, a birth date that
    exists and is not in the future, a governorate code."""
    if len(digits) != NID_LEN or not digits.isdigit() or digits[0] not in "23" \
            or digits[3:5] not in _MONTHS or digits[7:9] not in _GOVERNORATE_CODES:
        return False
    try:
        born = date((1900 if digits[0] == "2" else 2000) + int(digits[1:3]),
                    int(digits[3:5]), int(digits[5:7]))
    except ValueError:
        return False
    return born <= (today or date.today())


def written_like_an_id(sizes: list[int]) -> bool:
    """Groups of these sizes (14 digits in all) are cut the way people write an NID."""
    if len(sizes) == 1 or max(sizes) == 1:
        return True
    cut, cuts = 0, set()
    for s in sizes[:-1]:
        cut += s
        cuts.add(cut)
    if cuts <= FIELD_CUTS:
        return True
    k = max(sizes)
    if k not in READING_CHUNKS:
        return False
    short = [i for i, s in enumerate(sizes) if s != k]
    return not short or short == [0] or short == [len(sizes) - 1]


def contains_national_id(fold: str, today: date | None = None) -> bool:
    """Does the folded text (Western digits) hold an NID, written plainly or cut as above?"""
    for m in _RUN.finditer(fold):
        if m.end() - m.start() >= NID_LEN and _run_holds_an_id(fold, m, today):
            return True
    return False


def _run_holds_an_id(fold: str, run: re.Match, today: date | None) -> bool:
    """Some 14 digits of this run of digit groups (joined by separators) are an NID written
    as one, standing alone."""
    text, base = run.group(), run.start()
    spans = [g.span() for g in _GROUP.finditer(text)]
    n = len(spans)
    sizes = [e - s for s, e in spans]
    if sum(sizes) < NID_LEN:
        return False
    seps = [text[spans[k][1]:spans[k + 1][0]] for k in range(n - 1)]
    # only the run's ends can touch letters: inside it, separators and digits surround a group
    member = [True] * n
    member[0] = not _in_a_word_or_code(fold, base + spans[0][0], base + spans[0][1])
    member[-1] = member[-1] and not _in_a_word_or_code(fold, base + spans[-1][0],
                                                       base + spans[-1][1])
    digits = "".join(text[s:e] for s, e in spans)
    ends: dict[int, int] = {}  # digit offset where a group ends -> the group
    offsets, off = [], 0
    for k, size in enumerate(sizes):
        offsets.append(off)
        off += size
        ends[off] = k
    for k, off in enumerate(offsets):
        if off + NID_LEN > len(digits):
            break
        kk = ends.get(off + NID_LEN)
        if kk is None or not (member[k] and member[kk]):
            continue
        if national_id(digits[off:off + NID_LEN], today) and written_like_an_id(
                sizes[k:kk + 1]) and _stands_alone(k, kk, seps, member):
            return True
    return False


def _in_a_word_or_code(fold: str, s: int, e: int) -> bool:
    """The digit group fold[s:e] touches letters ("d2", "bta3", "3ashan") or is tied to them
    by a dash or an underscore ("ORD-3100", "67-XY"): part of a word or a code."""
    if (s > 0 and fold[s - 1].isalpha()) or (e < len(fold) and fold[e].isalpha()):
        return True
    return bool(_CODE_BEFORE.search(fold, max(0, s - 4), s) or _CODE_AFTER.match(fold, e))


def _stands_alone(k: int, kk: int, seps: list, member: list) -> bool:
    """Groups k..kk of a run are not part of a longer number (see the module's docstring)."""
    inner = set(seps[k:kk])
    for sep, other in ((seps[k - 1] if k > 0 else None, k - 1),
                       (seps[kk] if kk < len(seps) else None, kk + 1)):
        if sep is None:
            continue
        if not any(c.isspace() for c in sep):
            return False  # "d2-3-...", "...7101-9": a code the 14 digits are part of
        if sep in inner and member[other]:
            return False  # the same spacing goes on: a 15th single digit, a fifth chunk
    return True
