"""The outcome of moderating one text (re-exported by gate.py, the public seam)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    action: str  # allow | hold | block
    layer: str | None = None  # lists | patterns | model
    reason: str | None = None  # the rule ("egyptian.tsv:28 شرموطه"), pattern or model name
    score: float | None = None  # model probability of abuse, when the model ran
    # insult | threat | sexual | hate | scam | spam | self_harm | privacy (None when allowed)
    category: str | None = None
    priority: int = 0  # review queue order: 2 urgent (threat, self-harm), 1 soon, 0 normal
    queue: bool = False  # a blocked text still goes to the review queue (threats)
    warn: str | None = None  # warn the recipients of a private message ("scam")

    @property
    def allowed(self) -> bool:
        return self.action == "allow"

    @property
    def refusal(self) -> str:
        """What the sender of a blocked text is told: the kind of harm, never the rule
        (`reason` names the list line and the matched word: telling it teaches evasion;
        moderators see it in the review queue)."""
        kind = _KINDS.get(self.category or "", "")
        return f"This was not sent: it breaks the community rules{kind}"

    def as_dict(self) -> dict:
        return {"decision": self.action, "layer": self.layer, "reason": self.reason,
                "score": None if self.score is None else round(self.score, 4),
                "category": self.category}


_KINDS = {"insult": " (insults)", "threat": " (threats)", "sexual": " (sexual harassment)",
          "hate": " (hate)", "scam": " (scams)", "spam": " (spam)",
          "self_harm": " (self-harm)", "privacy": " (private information)"}
# every category a finding can carry: the gate's, and a moderator's in `mod:decide`
FINDINGS = tuple(_KINDS)

ALLOW = Decision("allow")
