"""The review queue's decisions as labelled examples of what users really write.

The evaluation set (tests/moderation_eval.tsv) was written by the team; what users write
reaches the queue and moderators decide it. Each decided item whose text is the server's own
copy becomes one example in the evaluation set's format (split, label, kind, lang, context,
text; the split column says how the item reached the queue: `auto` the gate held or blocked
it, `report` a user reported it, `sample` it was drawn at random from allowed public
content), so `scripts/eval_moderation.py --file` measures the gate on it and
`scripts/train_moderation_model.py --extra` trains on it:

- removed, warned or suspended: labelled with the item's category: the moderator's when
  `mod:decide` named one, else the gate's or the report's. An item with no category, or
  `privacy` (a pattern's finding, not a class of the model), is left out and counted;
- restored, or its appeal overturned: benign; `kind` is `hard` when the gate had held or
  blocked it (a false hold a user met), `chat` when only a report brought it;
- an appeal still pending: left out until it is decided.

Held and reported items are what the gate or a user thought wrong: on them the gate's
precision is measured directly, its recall only on what users reported. The `sample` rows
(`MODERATION_SAMPLE_RATE` of the public posts and comments the gate allowed) are what it
lets through: the misses nobody reported, and how much of ordinary traffic is fine.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from handlers.moderation import queries as q
from handlers.moderation.actions import audit
from handlers.moderation.lists import CATEGORIES
from handlers.moderation.policy import surface_of
from server.db import transaction
from server.state import AppState

MAX_EXAMPLES = 1_000_000
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*|[0-9]+[A-Za-z][A-Za-z0-9']*")
# a Latin word with an Arabic sound written as a digit (3 ع, 7 ح, 2 ء, 5 خ, 8 غ, 9 ق)
_FRANCO_DIGIT = re.compile(r"[A-Za-z][235789]|[235789][A-Za-z]")
_FRANCO_WORDS = frozenset((
    "ana", "enta", "enty", "enti", "inta", "ya", "el", "w", "mesh", "msh", "keda", "bta3",
    "fe", "fel", "mn", "men", "eh", "leh", "howa", "heya", "e7na", "ehna", "bas", "yalla",
    "wallahi", "walla", "aywa", "la2", "ezayak", "ezayek", "tayeb", "tab", "kda", "dah", "da",
    "de", "elly", "elli", "3ashan", "3shan", "habibi", "habibty", "ma3lesh", "khalas"))
_WHITESPACE = re.compile(r"[\t\r\n\v\f\u2028\u2029]+")


@dataclass(frozen=True)
class Example:
    source: str  # how it reached the queue: auto | report | sample
    label: str  # a category or benign
    kind: str  # abuse | hard (benign the gate held) | chat (benign only a report brought)
    lang: str  # ar | franco | en | mixed (a guess from the script, for reading the report)
    context: str  # dm | post | comment | live_chat | profile
    text: str

    def row(self) -> str:
        return "\t".join((self.source, self.label, self.kind, self.lang, self.context,
                          self.text))


@dataclass
class Labels:
    examples: list[Example] = field(default_factory=list)
    left_out: Counter = field(default_factory=Counter)

    def summary(self) -> dict:
        return {"examples": len(self.examples),
                "by_label": dict(sorted(Counter(e.label for e in self.examples).items())),
                "left_out": dict(sorted(self.left_out.items()))}


def language_of(text: str) -> str:
    """Arabic script, Franco-Arabic (digits for Arabic sounds, or its common words),
    English, or a mix of Arabic script and Latin."""
    arabic = bool(_ARABIC.search(text))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if arabic:
        return "mixed" if words else "ar"
    if any(_FRANCO_DIGIT.search(w) or w in _FRANCO_WORDS for w in words):
        return "franco"
    return "en"


def context_of(target_type: str) -> str:
    """The surface an item was written on (a blocked text's type names it:
    `blocked_dm`)."""
    return surface_of(target_type.removeprefix("blocked_"))


def example_of(row) -> tuple[Example | None, str | None]:
    """One decided item as an example, or why it is left out."""
    text = _WHITESPACE.sub(" ", row["text_snapshot"]).strip()
    if not text:
        return None, "no_text"
    if row["decision"] == "restore" or row["appeal_status"] == "overturned":
        label, kind = "benign", "hard" if row["source"] == "auto" else "chat"
    elif row["category"] in CATEGORIES:
        label, kind = row["category"], "abuse"
    else:
        return None, f"category_{row['category'] or 'none'}"
    return Example(row["source"], label, kind, language_of(text), context_of(row["target_type"]),
                   text), None


async def collect_labels(state: AppState, *, since: datetime | None = None,
                         until: datetime | None = None, limit: int = 100_000) -> Labels:
    """The queue decided in [since, until) (oldest decision first, at most `limit` items),
    one example per distinct (source, label, surface, text). Train on one period and measure
    on the next: a held-out split by time. The export is audited: users' words leave the
    database."""
    out, seen = Labels(), set()
    async with transaction(state.db, state.emitter) as tx:
        rows = await tx.conn.fetch(q.DECIDED_FOR_LABELS, since,
                                   max(1, min(limit, MAX_EXAMPLES)), until)
        for row in rows:
            example, why = example_of(row)
            if example is None:
                out.left_out[why] += 1
            elif (key := (example.source, example.label, example.context,
                          example.text)) in seen:
                out.left_out["duplicate"] += 1
            else:
                seen.add(key)
                out.examples.append(example)
        await audit(tx.conn, actor_id=None, actor_role="operator", action="mod_labels_export",
                    subject_id=None, details={"items": len(rows),
                                              "examples": len(out.examples),
                                              "since": since.isoformat() if since else None,
                                              "until": until.isoformat() if until else None})
    return out
