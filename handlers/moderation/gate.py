"""The one call every piece of user text passes before anyone else sees it.

`decision = await moderate_text(state, text, user_id=..., context="chat")`.
`decision.action` is "allow", "hold" (stored, shown to nobody but the author until reviewed)
or "block" (refused: the author gets an error, nothing is stored or fanned out).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from server.state import AppState


@dataclass(frozen=True)
class Decision:
    action: str  # allow | hold | block
    layer: str | None = None  # lists | patterns | model
    reason: str | None = None
    score: float | None = None

    @property
    def allowed(self) -> bool:
        return self.action == "allow"


ALLOW = Decision("allow")
TextRule = Callable[[AppState, str, str | None, str], Awaitable[Decision | None]]
RULES: list[TextRule] = []  # the moderation layers register here, in order


async def moderate_text(state: AppState, text: str, *, user_id: str | None = None,
                        context: str = "chat") -> Decision:
    """First non-allow decision of the registered layers, else allow."""
    for rule in RULES:
        d = await rule(state, text, user_id, context)
        if d is not None and d.action != "allow":
            return d
    return ALLOW
