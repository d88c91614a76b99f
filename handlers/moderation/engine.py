"""The three layers in order: lists (1), patterns (2), model (3). Pure, synchronous, fast.

`Moderator.check(text, user_id=, context=)` -> Decision. Layers 1-2 always run; the model
runs only on text the first two allowed (it can hold, never block: a model's mistake must
reach a person, not silently refuse a message). Block beats hold.
"""
from __future__ import annotations

import re
from functools import lru_cache

from handlers.moderation import policy
from handlers.moderation.decision import ALLOW, Decision
from handlers.moderation.lists import ListMatcher, default_matcher
from handlers.moderation.patterns import FloodTracker, check_patterns, shouting

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


class Moderator:
    def __init__(self, matcher: ListMatcher, model=None, flood: FloodTracker | None = None):
        self.matcher = matcher
        self.model = model
        self.flood = flood if flood is not None else FloodTracker()

    def check(self, text: str, *, user_id: str | None = None, context: str = "chat",
              use_model: bool = True) -> Decision:
        """The layers' finding, with its category's policy for this context applied."""
        return policy.apply(self.find(text, user_id=user_id, context=context,
                                      use_model=use_model), context)

    def find(self, text: str, *, user_id: str | None = None, context: str = "chat",
             use_model: bool = True) -> Decision:
        if not text or not text.strip():
            return ALLOW
        text = text[:MAX_CHARS]
        norm = self.matcher.normalize(text)
        hit = self.matcher.match_normalized(norm)
        listed = None
        if hit is not None:
            r = hit.rule
            listed = Decision(r.action, "lists", f"{r.category}: {r.id} {r.term}",
                              category=r.category)
            if policy.apply(listed, context).action == "block":
                return listed
        pat = check_patterns(norm.fold, user_id, context, self.flood,
                             _flood_key(norm) if user_id else None)
        pat_d = None if pat is None else Decision(
            pat.action, "patterns", pat.reason,
            category=PATTERN_CATEGORY.get(pat.reason, "spam"))
        if pat_d is not None and pat_d.action == "block":
            return pat_d
        if listed is not None:
            return listed
        if pat_d is not None:
            return pat_d
        if shouting(text, context):
            return Decision("hold", "patterns", "shouting", category="spam")
        if use_model and self.model is not None:
            score, category = self.model.classify(norm)
            if score >= self.model.threshold:
                return Decision("hold", "model", self.model.name, score, category=category)
            return Decision("allow", None, None, score)
        return ALLOW


@lru_cache(maxsize=1)
def default_moderator() -> Moderator:
    """The process-wide moderator: the shipped lists and, if trained, the shipped model."""
    from handlers.moderation.model import load_default_model

    return Moderator(default_matcher(), load_default_model())
