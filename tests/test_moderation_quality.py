"""The gate meets the quality bar per category on the held-out split, and holds almost
nothing of thousands of ordinary Egyptian posts and chats (behaviour, not speed)."""
from __future__ import annotations

from pathlib import Path

from handlers.moderation.engine import default_moderator
from scripts.eval_moderation import configurations, evaluate, load_eval

BENIGN = Path(__file__).with_name("moderation_benign.txt")


# Regression floors on the held-out split, just under its measurement (docs/moderation.md,
# "The held-out split"). The target is F1 >= 0.95 per category and benign false
# positives <= 1 %; threat and sexual are far from it on splits written after the rules were
# frozen (v11 + v14 after round 14: F1 0.524 and 0.608, precision 0.771 and 0.912; threat
# 0.517, P 0.768 with the model retrained after the 2026-12-04 normalisation fixes; 20 of their
# 136 hard benign rows held, most by older rules: kill words said joking, "watch your back").
F1_FLOOR = {"threat": 0.50, "sexual": 0.58}
PRECISION_FLOOR = {"threat": 0.75, "sexual": 0.90}
BENIGN_FPR_CEILING = 0.08  # held-out benign, v4 + v11 + v14: 20/269 = 7.4 % (target 1 %: not met)


def test_every_category_holds_its_measured_level_on_the_held_out_split():
    rows = load_eval(split="heldout")
    assert {r.lang for r in rows} >= {"ar", "franco", "en", "mixed"}
    rep = evaluate(configurations()["all three"], rows)
    for cat, s in rep.per_category.items():
        assert s.tp + s.fn >= 60, cat
        assert s.f1 >= F1_FLOOR.get(cat, 0.90), (cat, s)
        assert s.precision >= PRECISION_FLOOR.get(cat, 0.95), (
            cat, s, [m for m in rep.mistakes if m[1].category == cat])
    assert rep.hard >= 100
    assert sum(r.kind == "hard" for r in load_eval(split=None)) >= 300
    assert rep.benign_fpr <= BENIGN_FPR_CEILING, [m for m in rep.mistakes if m[0].label == "benign"]


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
