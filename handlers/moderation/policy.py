"""What each category of finding does on each surface (docs/moderation.md, "Policies").

The layers say what a text is (category) and how bad the rule thinks it is (hold | block);
the policy says what happens to it where it was written:

| category | public post / comment / live chat | private chat (DM, group) | queue priority |
|---|---|---|---|
| threat (a certain rule: "هقتلك", "I will kill you") | blocked, queued | blocked, queued | 2 |
| threat (a combination: "I know where you live") | held | held | 2 |
| self_harm | held | held | 2 |
| scam | held | held, recipients warned (`chat:warning`) | 1 |
| hate | held (a slur rule marked block: blocked) | same | 1 |
| sexual | the rule's action | the rule's action | 1 in private chat |
| spam (words) | the rule's action | allowed | 0 |
| insult, spam (patterns), privacy | the rule's action | the rule's action | 0 |
"""
from __future__ import annotations

from dataclasses import replace

from handlers.moderation.decision import Decision

# the context names callers pass, by surface
SURFACES = {
    "chat": "dm", "dm": "dm", "group": "dm", "chat_message": "dm",  # (the queue's name)
    "post": "post", "caption": "post", "title": "post", "live_title": "post", "circle": "post",
    "comment": "comment",
    "live_chat": "live_chat", "live": "live_chat", "tip": "live_chat", "live_tip": "live_chat",
    "profile": "profile", "bio": "profile", "display_name": "profile",
}
URGENT, SOON, NORMAL = 2, 1, 0
# what a report reason says about urgency (reports enter the same queue)
REPORT_PRIORITY = {"violence": URGENT, "self_harm": URGENT, "scam": SOON, "hate": SOON,
                   "sexual": SOON, "doxxing": SOON}


def surface_of(context: str) -> str:
    return SURFACES.get(context, "post")  # unknown contexts are treated as public


def is_private(context: str) -> bool:
    """The only thing about a surface the policy reads: private chat or public."""
    return surface_of(context) == "dm"


def apply(d: Decision, context: str) -> Decision:
    """The decision the category's policy makes of a layer's finding on this surface."""
    return apply_on(d, is_private(context))


def apply_on(d: Decision, private: bool) -> Decision:
    if d.action == "allow" or d.category is None:
        return d
    cat = d.category
    if cat == "threat":  # held when only a combination of words says so
        return replace(d, priority=URGENT, queue=d.action == "block")
    if cat == "self_harm":
        return replace(d, action="hold", priority=URGENT)
    if cat == "scam":
        return replace(d, action="hold", priority=SOON, warn="scam" if private else None)
    if cat == "hate":
        return replace(d, priority=SOON)
    if cat == "sexual" and private:
        return replace(d, priority=SOON)
    if cat == "spam" and private and d.layer == "lists":
        return Decision("allow")  # "follow me" between friends; flooding still counts
    return d
