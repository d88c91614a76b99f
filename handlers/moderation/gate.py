"""The one call every piece of user text passes before anyone else sees it.

`decision = await moderate_text(state, text, user_id=..., context="chat")`.
`decision.action` is "allow", "hold" (stored, shown to nobody but the author until reviewed)
or "block" (refused: the author gets an error, nothing is stored or fanned out).
`decision.category` says what was found (insult, threat, sexual, hate, scam, spam,
self_harm, privacy) and `decision.priority` how soon a moderator should look; the
per-category, per-surface policy is handlers/moderation/policy.py. `decision.warn` set on a
held private message: tell the other members (handlers/moderation/warnings.py).
Contexts: chat, comment, post, profile (and bio, caption, live_chat): phone numbers,
payment handles, addresses and shouting are held only in the public ones (not chat).

The layers (engine.py): lists and patterns (1-2, pure, well under a millisecond) and the
local model (3). After storing a held item, the caller queues it for review with
`handlers.moderation.actions.do_hold_for_review(state, target_type=, target_id=,
author_id=, text=, decision=)` so moderators see it.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from handlers.auth.hooks import display_name_check
from handlers.moderation.decision import ALLOW, Decision
from handlers.moderation.engine import default_moderator
from handlers.moderation.policy import surface_of
from server.errors import BadRequest
from server.state import AppState

__all__ = ["ALLOW", "Decision", "RULES", "moderate_text", "moderate_text_sync"]

TextRule = Callable[[AppState, str, str | None, str], Awaitable[Decision | None]]
RULES: list[TextRule] = []  # extra async rules, run after the built-in layers allow


def moderate_text_sync(text: str, *, user_id: str | None = None, context: str = "chat",
                       use_model: bool = True) -> Decision:
    """The built-in layers without an AppState (CLI, benchmarks, other pure code)."""
    return default_moderator().check(text, user_id=user_id, context=context,
                                     use_model=use_model)


async def moderate_text(state: AppState, text: str, *, user_id: str | None = None,
                        context: str = "chat") -> Decision:
    """Built-in layers, then any registered rule; the first non-allow decision wins.
    A blocked text whose category asks for it (threats) is queued for review here, with
    its priority, so no caller has to: it is refused, and a moderator still sees it."""
    d = default_moderator().check(text, user_id=user_id, context=context)
    if d.queue and d.action == "block" and state is not None:
        from handlers.moderation.actions import do_queue_blocked

        await do_queue_blocked(state, author_id=user_id, text=text, decision=d,
                               context=context)
    if d.allowed:
        for rule in RULES:
            r = await rule(state, text, user_id, context)
            if r is not None and r.action != "allow":
                d = r
                break
    if state is not None:
        # how many texts each surface sees, and what the gate did: with the review queue's
        # decisions (labels.py) this gives the false-hold rate users meet
        state.metrics.count_moderation(surface_of(context), d.action, d.category or "none")
    return d


@display_name_check.listen
async def _refuse_abusive_display_name(state: AppState, name: str) -> None:
    """Registration's display name goes through the same gate as every other text."""
    decision = await moderate_text(state, name, context="display_name")
    if decision.action == "block":
        raise BadRequest("This display name is not allowed", code="display_name_refused")
