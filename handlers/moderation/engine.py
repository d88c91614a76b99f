"""The three layers in order: lists (1), patterns (2), model (3). Pure, synchronous, fast.

`Moderator.check(text, user_id=, context=)` -> Decision. Layers 1-2 always run; the model
runs only on text the first two allowed (it can hold, never block: a model's mistake must
reach a person, not silently refuse a message). Block beats hold.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from handlers.moderation import policy
from handlers.moderation.decision import ALLOW, Decision
from handlers.moderation.lists import ListMatcher, Rule, default_matcher
from handlers.moderation.patterns import FloodTracker, PatternHit, check_patterns, shouting

# what each layer-2 pattern is
PATTERN_CATEGORY = {"national_id": "privacy", "address": "privacy"}  # the rest: spam
_NON_WORD = re.compile(r"[\W_]+")
_SQUEEZE = re.compile(r"(.)\1+")
_DIGITS = re.compile(r"\d+")


def _flood_key(norm) -> str:
    """"follow my page!!" and "foollow  my page" are the same message when flooding: the
    words as the lists read them, doubled letters once (the folded text when it has none),
    plus the numbers: "150 جنيه" and "200 جنيه" (a seller answering buyers, scores, times)
    are different messages, not a repeat."""
    if norm.words_once == " ":
        return _SQUEEZE.sub(r"\1", _NON_WORD.sub("", norm.fold))
    return norm.words_once + "#" + " ".join(_DIGITS.findall(norm.fold))


MAX_CHARS = 5000  # longer texts are judged on their first MAX_CHARS characters


class Judged(NamedTuple):
    """A layer 1-2 finding and the policy's decision of it on each kind of surface, made
    once per rule or pattern (a finite set; decisions are immutable, so shared)."""
    found: Decision
    public: Decision
    private: Decision

    @classmethod
    def of(cls, found: Decision) -> "Judged":
        return cls(found, policy.apply_on(found, False), policy.apply_on(found, True))

    def on(self, private: bool) -> tuple[Decision, Decision]:
        return self.found, self.private if private else self.public


SHOUTING = Judged.of(Decision("hold", "patterns", "shouting", category="spam"))
MAX_JUDGED = 100_000  # rules and patterns remembered; far more than the lists hold


class Moderator:
    def __init__(self, matcher: ListMatcher, model=None, flood: FloodTracker | None = None):
        self.matcher = matcher
        self.model = model
        self.flood = flood if flood is not None else FloodTracker()
        # id(rule) -> (rule, Judged): the rule is kept so its id is never another's
        self._by_rule: dict[int, tuple[Rule, Judged]] = {}
        self._by_pattern: dict[tuple[str, str], Judged] = {}

    def check(self, text: str, *, user_id: str | None = None, context: str = "chat",
              use_model: bool = True) -> Decision:
        """The layers' finding, with its category's policy for this context applied."""
        return self._judge(text, user_id, context, use_model)[1]

    def find(self, text: str, *, user_id: str | None = None, context: str = "chat",
             use_model: bool = True) -> Decision:
        """The layers' finding, before the policy."""
        return self._judge(text, user_id, context, use_model)[0]

    def _judge(self, text: str, user_id: str | None, context: str,
               use_model: bool) -> tuple[Decision, Decision]:
        """(the layers' finding, the policy's decision of it in this context)."""
        if not text or not text.strip():
            return ALLOW, ALLOW
        text = text[:MAX_CHARS]
        private = policy.is_private(context)
        norm = self.matcher.normalize(text)
        hit = self.matcher.match_normalized(norm)
        listed = None
        if hit is not None:
            listed = self._judged_rule(hit.rule)
            found, decided = listed.on(private)
            if decided.action == "block":
                return found, decided
        pat = check_patterns(norm.fold, user_id, context, self.flood,
                             _flood_key(norm) if user_id else None)
        patterned = None if pat is None else self._judged_pattern(pat)
        if patterned is not None and patterned.found.action == "block":
            return patterned.on(private)
        if listed is not None:
            return listed.on(private)
        if patterned is not None:
            return patterned.on(private)
        if shouting(text, context):
            return SHOUTING.on(private)
        if use_model and self.model is not None:
            score, category = self.model.classify(norm)
            if score >= self.model.threshold:
                held = Decision("hold", "model", self.model.name, score, category=category)
                return held, policy.apply_on(held, private)
            scored = Decision("allow", None, None, score)
            return scored, scored
        return ALLOW, ALLOW

    def _judged_rule(self, rule: Rule) -> Judged:
        got = self._by_rule.get(id(rule))
        if got is None or got[0] is not rule:
            if len(self._by_rule) >= MAX_JUDGED:
                self._by_rule.clear()
            got = self._by_rule[id(rule)] = (rule, Judged.of(Decision(
                rule.action, "lists", f"{rule.category}: {rule.id} {rule.term}",
                category=rule.category)))
        return got[1]

    def _judged_pattern(self, pat: PatternHit) -> Judged:
        got = self._by_pattern.get((pat.action, pat.reason))
        if got is None:
            got = self._by_pattern[(pat.action, pat.reason)] = Judged.of(Decision(
                pat.action, "patterns", pat.reason,
                category=PATTERN_CATEGORY.get(pat.reason, "spam")))
        return got


@lru_cache(maxsize=1)
def default_moderator() -> Moderator:
    """The process-wide moderator: the shipped lists and, if trained, the shipped model."""
    from handlers.moderation.model import load_default_model

    return Moderator(default_matcher(), load_default_model())
