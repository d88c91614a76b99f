"""Layer 2: spam and abuse patterns that are not words.

- phone numbers (Egyptian mobiles, +20/0020, any other E.164 number) and payment handles
  (InstaPay, Vodafone/Orange/Etisalat/WE Cash, Fawry codes) in comments, posts and profiles;
- links to off-platform payments (paypal.me, instapay links, wallets, crypto addresses);
- the same message repeated by one user (flooding);
- shouting: long all-caps Latin text in public places;
- doxxing: Egyptian national ID numbers anywhere (national_id.py: a valid birth date and
  governorate, written plainly or cut the way an ID is written), and street addresses (street + building/floor/flat) in public places.

`check_patterns(fold, user_id, context, flood)` returns a PatternHit or None. Pure but for
the per-process flood tracker, which is passed in (tests make their own).
"""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from handlers.moderation.national_id import NID_LEN, contains_national_id

PUBLIC = frozenset({"comment", "post", "profile", "bio", "display_name", "live", "live_chat",
                    "caption", "title"})
SEP = r"[\s.\-_/\\()]{0,3}"
# a Franco letter-digit next to a number is not part of it ("01012345678 3ashan")
_DIGITS_RUN = re.compile(r"(?<![^\W\d_])(?:\+|00)?\d(?:" + SEP + r"\d){7,17}(?![^\W\d_])")
_EG_MOBILE = re.compile(r"^(?:\+?20|0020)?0?1[0125]\d{8}$")
_INTL = re.compile(r"^(?:\+|00)\d{8,15}$")
_PAYMENT_WORDS = re.compile(
    r"instapay|insta pay|انستا ?باي|vodafone ?cash|فودافون ?كاش|orange ?cash|اورانج ?كاش|"
    r"etisalat ?cash|اتصالات ?كاش|we ?pay|فوري|fawry|paypal|باي ?بال|western ?union|"
    r"ويسترن|محفظه|wallet|حول(?:لي|ي)? علي|7awel|7awelly|ipn\.eg|\bبيتكوين|bitcoin|usdt|"
    r"binance|بينانس")
_PAYMENT_HANDLE = re.compile(r"[a-z0-9._-]{3,}@(?:instapay|ipn|vodafonecash|axis|paypal)\b")
_PAY_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:paypal\.me|ipn\.eg|instapay\.eg|cash\.app|venmo\.com|"
    r"buymeacoffee\.com|ko-fi\.com|patreon\.com|t\.me|wa\.me|chat\.whatsapp\.com|"
    r"binance\.com|onlyfans\.com)(?:/\S*)?")
_CRYPTO = re.compile(r"\b(?:0x[0-9a-f]{40}|bc1[0-9a-z]{25,59}|[13][1-9a-hj-np-z]{25,34}|"
                     r"t[1-9a-hj-np-z]{33})\b")
_ADDRESS = re.compile(
    r"(?:شارع|ش\.|street|st\.|عماره|عمارة|برج|building|bldg)\s*\S*.{0,40}?"
    r"(?:الدور|دور|floor|شقه|شقة|flat|apt|apartment|عماره|عمارة|building|بلوك|block)\s*\d+")
_LETTERS = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_LONG_NUMBER = re.compile(r"\d{6,}")
# fewest digits each pattern needs: cheaper to count than to run the patterns
PHONE_DIGITS, PAYMENT_DIGITS = 8, 6  # _DIGITS_RUN takes 8 or more, a payment handle 6


@dataclass(frozen=True, slots=True)
class PatternHit:
    action: str  # hold | block
    reason: str  # phone_number | payment_handle | payment_link | flood | shouting | ...


def _numbers(fold: str):
    for m in _DIGITS_RUN.finditer(fold):
        raw = m.group(0)
        yield raw, re.sub(r"\D", "", raw), raw.startswith(("+", "00"))


class FloodTracker:
    """Recent message fingerprints per user, in this process (sockets are sticky to one).

    `seen(user, text)` counts how often the same text came from the user within `window` s.
    Bounded: at most `max_users` users, `per_user` fingerprints each. A user's history is
    one flat tuple (time, fingerprint, time, fingerprint, ... oldest first): numbers only,
    so the garbage collector stops tracking it, where tens of thousands of deques made
    each full collection longer and sooner.
    """

    def __init__(self, window: float = 30.0, per_user: int = 8, max_users: int = 50_000):
        self.window, self.per_user, self.max_users = window, per_user, max_users
        self._recent: OrderedDict[str, tuple] = OrderedDict()

    def seen(self, user_id: str, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        fp = hash(key)  # per process, like the tracker itself
        recent = self._recent
        history = recent.get(user_id)
        new_user = history is None
        if new_user:
            history = ()
        else:
            recent.move_to_end(user_id)
            while history and now - history[0] > self.window:
                history = history[2:]
        history += (now, fp)
        if len(history) > 2 * self.per_user:
            history = history[2:]
        recent[user_id] = history
        if new_user and len(recent) > self.max_users:
            recent.popitem(last=False)
        return history[1::2].count(fp)


FLOOD_REPEATS = 3  # the third identical message within the window is refused


def check_patterns(fold: str, user_id: str | None, context: str,
                   flood: FloodTracker | None, flood_key: str | None = None) -> PatternHit | None:
    public = context in PUBLIC
    digits = len(_DIGIT.findall(fold))
    has_digit = digits > 0
    if digits >= NID_LEN and contains_national_id(fold):
        return PatternHit("block", "national_id")
    if public and digits >= PHONE_DIGITS:
        for raw, number, intl in _numbers(fold):
            if _EG_MOBILE.match(number) or (intl and _INTL.match("+" + number)):
                return PatternHit("hold", "phone_number")
    if public:
        # cheap character checks first: links need a dot, handles an @
        if "." in fold and _PAY_LINK.search(fold):
            return PatternHit("hold", "payment_link")
        if "@" in fold and _PAYMENT_HANDLE.search(fold):
            return PatternHit("hold", "payment_handle")
        if digits >= PAYMENT_DIGITS and _PAYMENT_WORDS.search(fold) \
                and _LONG_NUMBER.search(fold.replace(" ", "")):
            return PatternHit("hold", "payment_handle")
        if len(fold) >= 26 and _CRYPTO.search(fold):
            return PatternHit("hold", "payment_link")
        if has_digit and _ADDRESS.search(fold):
            return PatternHit("hold", "address")
    if flood is not None and user_id is not None and flood_key and len(flood_key) > 1:
        if flood.seen(user_id, flood_key) >= FLOOD_REPEATS:
            return PatternHit("block", "flood")
    return None


def shouting(original: str, context: str) -> bool:
    """Long all-caps Latin text in a public place (fold lower-cases, so read the original)."""
    if context not in PUBLIC or original.islower() or len(original) < 16:
        return False
    letters = _LETTERS.findall(original)
    if len(letters) < 16:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= 0.9
