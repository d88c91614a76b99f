"""The gate meets the quality bar per category on the held-out split, and holds almost
nothing of thousands of ordinary Egyptian posts and chats (behaviour, not speed)."""
from __future__ import annotations

from pathlib import Path

from handlers.moderation.engine import default_moderator
from scripts.eval_moderation import configurations, evaluate, load_eval, round_of

BENIGN = Path(__file__).with_name("moderation_benign.txt")


# Regression floors on the held-out split, just under its measurement (docs/moderation.md,
# "The held-out split"). The target is F1 >= 0.95 per category and benign false
# positives <= 1 %; threat and sexual are far from it on splits written after the rules were
# frozen. The held-out split is v15 (threat, sexual, hard benign; written after round 15 was
# committed, measured once 2026-12-05: threat F1 0.451 P 0.676, sexual 0.549 P 0.800, 16 of
# its 199 benign rows held) and v4's other categories.
F1_FLOOR = {"threat": 0.44, "sexual": 0.54}
PRECISION_FLOOR = {"threat": 0.65, "sexual": 0.78}
BENIGN_FPR_CEILING = 0.085  # v4 + v15: 16/199 = 8.0 % (target 1 %: not met)

# The previous held-out split (v11 + v14 and v4's rows), measured once before round 15
# (threat 0.517, sexual 0.608, 20/269 benign held: the floors were 0.50 / 0.58, precision
# 0.75 / 0.90, benign <= 8 %), then joined dev: round 15 was written on it, so these floors
# only guard that the rules keep what they were fitted to (threat 0.938, sexual 0.915,
# 4/269 benign held after round 15).
PREVIOUS_F1_FLOOR = {"threat": 0.92, "sexual": 0.90}
PREVIOUS_PRECISION_FLOOR = {"threat": 0.98, "sexual": 0.95}
PREVIOUS_BENIGN_FPR_CEILING = 0.02


def _check(rows, f1_floor, precision_floor, benign_ceiling):
    assert {r.lang for r in rows} >= {"ar", "franco", "en", "mixed"}
    rep = evaluate(configurations()["all three"], rows)
    for cat, s in rep.per_category.items():
        assert s.tp + s.fn >= 60, cat
        assert s.f1 >= f1_floor.get(cat, 0.90), (cat, s)
        assert s.precision >= precision_floor.get(cat, 0.95), (
            cat, s, [m for m in rep.mistakes if m[1].category == cat])
    assert rep.hard >= 100
    assert rep.benign_fpr <= benign_ceiling, [m for m in rep.mistakes if m[0].label == "benign"]


def test_every_category_holds_its_measured_level_on_the_held_out_split():
    rows = load_eval(split="heldout")
    assert {round_of(r.text) for r in rows} == {"v4", "v15"}
    assert sum(r.kind == "hard" for r in load_eval(split=None)) >= 300
    _check(rows, F1_FLOOR, PRECISION_FLOOR, BENIGN_FPR_CEILING)


def test_the_previous_held_out_split_keeps_what_round_15_was_fitted_to():
    rows = [r for r in load_eval(split=None)
            if round_of(r.text) in ("v11", "v14") or (r.split == "heldout"
                                                      and round_of(r.text) == "v4")]
    _check(rows, PREVIOUS_F1_FLOOR, PREVIOUS_PRECISION_FLOOR, PREVIOUS_BENIGN_FPR_CEILING)


def test_the_model_holds_a_threat_no_list_names_as_a_threat():
    # the category model: a message the lists miss is held with its own category (threat:
    # urgent priority), not as an insult
    mod = default_moderator()
    d = mod.check("wait and see what I will do to you", context="chat")
    assert (d.action, d.layer, d.category, d.priority) == ("hold", "model", "threat", 2)


def test_ordinary_posts_and_chats_are_almost_never_held():
    lines = [x for x in BENIGN.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(lines) >= 2000
    mod = default_moderator()
    for context in ("chat", "comment"):
        held = [x for x in lines if mod.check(x, context=context).action != "allow"]
        assert len(held) <= 0.005 * len(lines), held
