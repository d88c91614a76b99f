"""Categories and their policies, whole-word matching with clitics, obfuscation."""
from __future__ import annotations

import pytest

from handlers.moderation.gate import moderate_text_sync


def gate(text: str, context: str = "chat", model: bool = True):
    return moderate_text_sync(text, context=context, use_model=model)


@pytest.mark.parametrize("text", [
    "انك جميل",                                # إنك is not نيك
    "المية صافية لدرجة إنك تشوف السمك",
    "رايحين أبو سمبل",                         # Abu Simbel is not "sambool"
    "the sunrise over Abu Simbel",
    "el la3eeb da magnoon",                    # crazy-good player: nobody is addressed
    "احبه جدا",                                 # I love him, not "a7ba"
    "الف مبروك يا عريس", "alf mabrook ya 3aris", "عرس اخويا الخميس",  # groom, wedding
    "ح ل و   ا و ي", "7elwwww",                # benign spaced and stretched text
    "shokran 3ala hemmetak", "ya 5al ezayak", "كل سنة وانت طيب يا عمي",
    "هموت من الضحك", "this heat is killing me", "دبحنا الخروف الصبح عيد سعيد",
    "ابعتلي كود الخصم", "حولتلك الفلوس على انستاباي",
])
def test_everyday_text_that_contains_a_listed_string_passes(text):
    d = gate(text)
    assert d.action == "allow", (text, d)


@pytest.mark.parametrize("text", [
    "يا ع ب ي ط", "ya 3 a b e e t", "ي.ا ح.م.ا.ر", "ya 7-m-a-r", "ك_س_م_ك", "k.o.s.o.m.a.k",
    "يا حماااار", "ya 7maaaar", "ѕharmоota", "وكسمك", "بكسمك",
])
def test_spaced_dotted_dashed_stretched_and_mixed_script_spellings_are_caught(text):
    d = gate(text, model=False)
    assert d.action != "allow" and d.category == "insult", (text, d)


@pytest.mark.parametrize("text, category", [
    ("والله لاجيبك واقطعك", "threat"),
    ("هـــقـــتـــلـــك", "threat"),
    ("ha3raf beitak fein w hatshoof", "threat"),
    ("you'll regret this, I'm coming for you", "threat"),
    ("ابعتيلي صورة ليكي من غير هدوم", "sexual"),
    ("ta3aly el sha2a el nharda mafish 7ad", "sexual"),
    ("السودانيين دول حشرات ولازم يترحلوا", "hate"),
    ("refugees are vermin, send them back", "hate"),
    ("ابعتلي الكود اللي جالك على الواتس بالغلط", "scam"),
    ("mabrook kasabt gayza ab3at el pin bta3 el visa", "scam"),
    ("حول 500 على فودافون كاش وتاخدهم 5000 بعد يومين", "scam"),
    ("انا عايز اموت خلاص", "self_harm"),
])
def test_each_category_is_named_on_the_decision(text, category):
    d = gate(text, model=False)
    assert d.action != "allow" and d.category == category, (text, d)


def test_policies_per_category_and_surface():
    threat = gate("هقتلك", "comment")
    assert (threat.action, threat.queue, threat.priority) == ("block", True, 2)
    maybe = gate("ana 3aref beitak fein", "chat")  # a combination: a person decides, first
    assert (maybe.action, maybe.priority) == ("hold", 2)
    scam = "ابعتلي الكود اللي جالك على الواتس"
    assert gate(scam, "chat").warn == "scam" and gate(scam, "chat").action == "hold"
    assert gate(scam, "comment").warn is None and gate(scam, "comment").action == "hold"
    hate = gate("اللاجئين دول حشرات", "post")
    assert (hate.action, hate.priority) == ("hold", 1)
    assert gate("follow for follow", "comment").action == "hold"
    assert gate("follow for follow", "chat").action == "allow"  # between friends
    assert gate("انا عايز اموت", "chat").priority == 2


@pytest.mark.parametrize("text", [
    "send me el menu please",                  # "mayoh" (swimsuit) compiled to "me" before
    "تعالي شقتي الجديدة نتغدى مع ماما",          # my flat is not "alone"
    "تعالي عندنا البيت نذاكر سوا",               # together is not alone
    "هموت نفسي مذاكرة النهاردة",                 # I'll kill myself studying
    "what are you wearing to the wedding tomorrow?",
    "I'll end the call now, talk later",
])
def test_everyday_sentences_near_the_new_combinations_pass(text):
    d = gate(text)
    assert d.action == "allow", (text, d)


@pytest.mark.parametrize("text, category", [
    ("ana ma3aya masdas w hastanak", "threat"),          # a weapon + waiting for you
    ("هخطف بنتك من الحضانة", "threat"),                   # kidnapping a child
    ("هنشر صورك لو مبعتيش فلوس", "threat"),               # exposure unless you pay
    ("your house will burn tonight", "threat"),
    ("نفسي احضنك وانتي عريانة", "sexual"),                # nudity + a wish
    ("هديكي 2000 جنيه لو جيتي الشقة", "sexual"),          # paying to come over
    ("labsa eh delwa2ty? wareeny", "sexual"),             # what she wears + show me
])
def test_threats_and_harassment_named_by_a_combination(text, category):
    d = gate(text, model=False)
    assert d.action != "allow" and d.category == category, (text, d)


def test_a_threat_word_said_laughing_is_figurative():
    assert gate("هقتلك من الضحك بالنكتة دي", model=False).action == "allow"
    assert gate("hamawetak mn el da7k", model=False).action == "allow"
    assert gate("والله هقتلك", model=False).action == "block"
