"""Layers 1-2 of the moderation gate: normalisation, lists, patterns, and the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.moderation.gate import moderate_text, moderate_text_sync
from handlers.moderation.lists import default_matcher
from handlers.moderation.normalize import normalize
from handlers.moderation.national_id import national_id
from handlers.moderation.patterns import FloodTracker, check_patterns

ROOT = Path(__file__).resolve().parents[1]


def decide(text: str, context: str = "chat", user_id: str | None = None) -> str:
    return moderate_text_sync(text, context=context, user_id=user_id, use_model=False).action


@pytest.mark.parametrize("franco, arabic", [
    ("enta 7mar", "انت حمار"),
    ("ya sharmoota", "يا شرموطة"),
    ("kos omak", "كس أمك"),
    ("ya ebn el kalb", "يابن الكلب"),
    ("ya 3'aby", "يا غبي"),
    ("ha2tlak", "هقتلك"),
])
def test_franco_and_arabic_script_forms_of_an_insult_hit_the_same_rule(franco, arabic):
    m = default_matcher()
    a, b = m.match(franco), m.match(arabic)
    assert a is not None and b is not None, (franco, arabic)
    assert (a.rule.category, a.rule.action) == (b.rule.category, b.rule.action)


@pytest.mark.parametrize("a, b", [
    ("حلوووووو", "حلو"),
    ("مُحَمَّد", "محمد"),
    ("إسلام", "اسلام"),
    ("مدرســـــة", "مدرسه"),
    ("على", "علي"),
])
def test_arabic_normalisation_folds_diacritics_tatweel_alef_ya_ta_marbuta(a, b):
    assert normalize(a).skeleton == normalize(b).skeleton


@pytest.mark.parametrize("evasion", [
    "k o s o m a k", "ك س م ك", "ك.س.م.ك", "sh@rm00ta", "sharmooooota", "sh_ar_moota",
    "Ꮪharmoota".replace("Ꮪ", "s"), "шarmoota".replace("ш", "sh"), "ѕharmооta",
    "ＫＯＳ ＯＭＡＫ", "f*ck you", "f u c k", "fuuuuck",
])
def test_common_evasions_are_undone(evasion):
    assert decide(evasion) != "allow", evasion


@pytest.mark.parametrize("benign", [
    "kosa w batates el nharda",           # zucchini, not kos
    "عايزة اعمل كوسة محشي",
    "mabrook ya 3arees",                    # groom, not 3ars
    "ألف مبروك يا عريس",
    "كاس العالم السنة دي",                  # World Cup
    "3andi kalb so8ayar w 2otta",           # a pet dog is not an insult
    "الكلب بتاعي عيان",
    "el 7mar beyshel el 7aga fel gheit",    # a donkey on a farm
    "ya 5al ezayak",                        # uncle
    "shokran 3ala hemmetak",
    "he passed the class assessment",
    "i will kiss my mom goodnight",
    "the club is here",
    "a7la youm fel donya",
    "عندي 7 قطط",
    "ezayak ya 3am 3amel eh",
    "3ayez menek 7aga",                     # منك "from you", not منيوك
    "howa a7san menek",
    "3ayza menik tekallemy mama",
    "ana fakra enek gaya bokra",            # إنك "that you" (f.), not انيكك
    "mabsoota ennek hena",
    "بكرة هجيبك من المدرسة ان شاء الله",    # God's name is not the oath والله
    "هوصلك ولا هتروح لوحدك؟",               # ولا "or" is not والله
    "قلت له هوصلك المطار",                  # له "to him" is not والله
])
def test_innocent_words_that_look_like_bad_ones_pass(benign):
    assert decide(benign) == "allow", benign


@pytest.mark.parametrize("abusive", ["ya manyook", "enta manyouk", "ya mnyook", "ana aneekak",
                                     "hanikak", "يا منيوك", "انيكك"])
def test_two_long_vowels_never_meet_and_a_final_double_letter_is_two(abusive):
    # the readings that let "menek" and "enek" through were impossible ones; the real
    # spellings of the same terms are still caught
    assert decide(abusive) == "block", abusive


@pytest.mark.parametrize("sworn", ["والله هجيبك", "قسما بالله هتندم", "والله العظيم هتندم",
                                   "wallahi hatendam"])
def test_an_oath_by_gods_name_still_makes_a_threat(sworn):
    assert decide(sworn) == "hold", sworn


def test_insults_need_a_target_but_profanity_does_not():
    assert decide("el 7mar fel share3") == "allow"
    assert decide("ya 7mar") == "hold"
    assert decide("you are an idiot") == "hold"
    assert decide("idiot proof design") == "allow"
    assert decide("sharmoota") == "block"


def test_decisions_carry_the_layer_and_rule():
    d = moderate_text_sync("ya sharmoota", use_model=False)
    assert d.action == "block" and d.layer == "lists" and "egyptian.tsv" in d.reason


def test_phone_numbers_and_payment_handles_are_held_in_comments_not_chat():
    assert decide("kalemny 0101 234 5678", "comment") == "hold"
    assert decide("kalemny +20 101 234 5678", "post") == "hold"
    assert decide("kalemny ٠١٠١٢٣٤٥٦٧٨", "comment") == "hold"
    assert decide("kalemny 0101 234 5678", "chat") == "allow"
    assert decide("7awel 3ala vodafone cash 01012345678", "comment") == "hold"
    assert decide("send to ahmed@instapay please", "comment") == "hold"
    assert decide("support me paypal.me/ahmed", "comment") == "hold"
    assert decide("the match is 2 - 1 for ahly", "comment") == "allow"


def test_national_id_is_blocked_everywhere():
    assert national_id("29001011234567")
    assert not national_id("12345678901234")
    assert decide("raqmy el qawmy 29001011234567", "chat") == "block"
    assert decide("رقمي القومي ٢٩٠٠١٠١١٢٣٤٥٦٧", "chat") == "block"
    assert decide("order number 12345678901234", "chat") == "allow"


def test_street_addresses_are_held_in_public_places():
    assert decide("saken fe 15 شارع التحرير عمارة 4 الدور 3", "comment") == "hold"
    assert decide("ana saken fe el tahrir", "comment") == "allow"


def test_shouting_is_held_in_public_places_only():
    assert decide("THIS IS THE WORST VIDEO EVER MADE HONESTLY", "comment") == "hold"
    assert decide("THIS IS THE WORST VIDEO EVER MADE HONESTLY", "chat") == "allow"
    assert decide("I LOVE IT", "comment") == "allow"


def test_the_same_message_repeated_by_one_user_is_refused_the_third_time():
    flood = FloodTracker(window=30)
    hits = [check_patterns("buy now", "u1", "chat", flood, " buy now ", ) for _ in range(3)]
    assert hits[0] is None and hits[1] is None and hits[2].reason == "flood"
    assert check_patterns("buy now", "u2", "chat", flood, " buy now ") is None
    # evasion by elongation still counts as the same message
    text = "follow my page"
    ids = [moderate_text_sync(t, user_id="flooder", use_model=False).action
           for t in (text, text + "!!", "foooollow my page")]
    assert ids == ["allow", "allow", "block"]


def test_messages_that_differ_only_in_their_numbers_are_not_a_flood():
    # a seller answering three buyers, a score, a time: the numbers are the message
    texts = ["السعر 150 جنيه", "السعر 200 جنيه", "السعر 250 جنيه", "el score 2-1", "el score 3-1"]
    assert [moderate_text_sync(t, user_id="seller", use_model=False).action
            for t in texts] == ["allow"] * 5
    # the same numbers again and again still are
    again = [moderate_text_sync("call 0100 now", user_id="spammer", use_model=False).action
             for _ in range(3)]
    assert again == ["allow", "allow", "block"]


async def test_the_async_gate_is_the_same_decision():
    d = await moderate_text(None, "ya sharmoota", user_id="x", context="chat")
    assert d.action == "block"
    assert (await moderate_text(None, "sabah el 5eer", context="chat")).allowed


def test_cli_prints_one_json_decision_per_line():
    lines = "enta 7mar\nezayak ya 3am\nكس امك\n\n"
    out = subprocess.run([sys.executable, "-m", "server", "moderate", "--no-model"],
                         input=lines, capture_output=True, text=True, cwd=ROOT, timeout=60,
                         check=True).stdout.splitlines()
    rows = [json.loads(x) for x in out]
    assert [r["decision"] for r in rows] == ["hold", "allow", "block", "allow"]
    assert set(rows[0]) == {"decision", "layer", "reason", "score", "category"}
    assert rows[0]["category"] == "insult"
    assert rows[2]["layer"] == "lists"


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from handlers.moderation.normalize import Normalizer  # noqa: E402

_ALPHABET = list("abcdeghiklmnorstuwyz2357890 .*_'@$!-") + list("اأإآبتثجحخدذرزسشصضطظعغفقكلمنهويىةءئؤ ")


_WARM = Normalizer()  # kept across examples: tokens it has seen come from its memo


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40))
def test_the_memoised_server_normaliser_equals_the_reference_one(text):
    assert Normalizer().normalize(text) == normalize(text) == _WARM.normalize(text)
