"""Threats and sexual harassment recognised by what they mean, not by a listed sentence:
"I will <any harm verb> you" in the Egyptian future (ه، ح، لا + verb + ـك) and its Franco
spelling, a fate foretold to "you", a demand "or else", "I'll find you wherever you hide";
a picture asked for in a private state, an invitation while the family is away, a trip
"just us" with "I pay", touching "your body", a child's age asked with a secret. And the
everyday sentences built the same way (football, cooking, favours, family) stay allowed."""
from __future__ import annotations

import pytest

from handlers.moderation.gate import moderate_text_sync


def gate(text: str, context: str = "chat"):
    return moderate_text_sync(text, context=context, use_model=False)


@pytest.mark.parametrize("text", [
    "والله لاهرسك بالعربية",                    # a harm verb no rule names, with ـك
    "حطحنك لو شفتك تاني",
    "hahrasak bel 3arabeya",
    "هشلفطلك وشك",                              # "for you" + a part of your body
    "هنتقم منك ومن اللي يتشددلك",
    "هتتمنى انك متولدتش",                       # a fate foretold
    "mesh hatshoof bokra",
    "someone like you won't live to see Eid",
    "امسح الكومنت بدل ما تتبهدل، لو مسحتش هتزعل",  # a demand, or else
    "take that video down or you'll be sorry",
    "هلاقيك مهما تستخبى",                       # wherever you hide
    "I'm going to bury you, mark my words",
])
def test_threats_said_with_words_no_list_names_are_held_as_threats(text):
    d = gate(text)
    assert d.action != "allow" and d.category == "threat" and d.priority == 2, (text, d)


@pytest.mark.parametrize("text", [
    "ابعتيلي فيديو ليكي بعد الحمام",             # a picture in a private state
    "can I get a selfie of you in a towel",
    "انتي في سنة كام؟ متقوليش لمامتك اننا بنتكلم",  # a child's age with a secret
    "اهلي مسافرين تعالي دلوقتي",                 # come over, the family is away
    "my parents are away this weekend, come up",
    "يلا نسافر دهب لوحدنا وانا عليا كل حاجة",     # a trip just us
    "عايز المس جسمك",                           # touching your body
    "I want to kiss your neck",
    "عايزك تبقي بتاعتي الليلة",                   # mine, tonight
])
def test_harassment_said_with_words_no_list_names_is_held_as_sexual(text):
    d = gate(text)
    assert d.action != "allow" and d.category == "sexual", (text, d)


@pytest.mark.parametrize("text", [
    "هنكسركم في الماتش الجاية",                  # football
    "hankasarkom fel match el gom3a",
    "I will destroy you at FIFA tonight",
    "هقطعلك البطيخة وانت جاي",                    # a favour: "for you"
    "هفتحلك الباب استنى",
    "هوريكي الفستان لما اجي",                    # I'll show you the dress
    "هجيبك من المدرسة الساعة 2",                 # I'll pick you up
    "ezayak ya basha",                           # how are you (not "I'll hurt you")
    "I'll get you a coffee on the way",
    "I'll cut your hair tomorrow at the salon",
    "هموتك من الضحك بالفيديو ده",
    "لو مجيتش الحفلة هتندم",                     # FOMO, not a threat
    "if you don't come to the party you'll regret it",
    "والله هتشوف الفرح هيبقى حلو ازاي",
    "how old are you turning? send me pics from the party",
    "mirror selfie from the gym lol",
    "الفيديو كول قطع بالليل النت وحش",
    "اهلي مسافرين الساحل، تعالي نذاكر عندنا انا واختي",
    "just the two of us went to Sharm for our anniversary",
    "feel better soon, your body needs rest",
    "جسمك محتاج راحة بعد العملية",
])
def test_everyday_sentences_built_the_same_way_pass(text):
    d = gate(text)
    assert d.action == "allow", (text, d)


@pytest.mark.parametrize("text, category", [
    ("الواد ده لازم يتضرب بالنار", "threat"),            # a call to harm a third person
    ("someone should hang him from the bridge", "threat"),
    ("مراتك بتنزل الشغل الساعة 8 لوحدها صح؟", "threat"),   # a family member's routine known
    ("I know where your wife works", "threat"),
    ("هتصحى تلاقي محلك محروق", "threat"),                 # a thing of yours found damaged
    ("والله ما هسيبك", "threat"),                         # an oath not to let go
    ("جهز كفنك", "threat"),
    ("هحولك 300 بس افتحي الكاميرا", "sexual"),            # money for a camera
    ("I'll pay you 500 an hour, no questions", "sexual"),
    ("هعدي عليكي بالليل من غير ما حد يشوف", "sexual"),     # a visit in secret
    ("متتكسفيش، عايز اشوف اكتر", "sexual"),
])
def test_round_13_meanings_are_held_with_their_category(text, category):
    d = gate(text)
    assert d.action != "allow" and d.category == category, (text, d)


@pytest.mark.parametrize("text", [
    "هقتلك لو اكلت الكحك بتاعي",                  # a kill word about a trivial thing
    "I'll kill you if you tell mom about the party",
    "I know where you live, I'll drop the invitation off tomorrow",
    "هخلص عليك في الطاولة الليلة دي",              # a game
    "والله ما هسيبك غير لما تتغدى معانا",          # hospitality: "until you eat with us"
    "ابنك بيروح التمرين الساعة كام؟ عشان اخده مع ابني",
    "ابعتيلي صورة الايصال وانا هحولك الباقي",
    "متكسفيش يا حبيبتي خدي كمان",
    "that ref should be shot, what a call",
    "the hotel in Dahab, how much a night?",
    "الاوتيل بكام الليلة في دهب؟",
    "send me your CV please",
])
def test_everyday_sentences_near_the_round_13_meanings_pass(text):
    d = gate(text)
    assert d.action == "allow", (text, d)


@pytest.mark.parametrize("text, category", [
    ("انا عارف مواعيدك كلها، خد بالك", "threat"),          # knowing all about you + caution
    ("رجالتي هيجولك الشغل بكرة", "threat"),                # friends coming to you
    ("you have 24 hours to pay up", "threat"),             # a deadline, or else
    ("هيبقالك عزا الاسبوع الجاي", "threat"),
    ("this man deserves a beating", "threat"),
    ("هديكي 1000 لو قعدتي معايا لوحدنا", "sexual"),         # paid time alone
    ("اقفلي الباب وابعتيلي صورة", "sexual"),                # a door closed for a picture
    ("جوزك مسافر؟ تعالي نسهر", "sexual"),                  # a husband away
    ("your boyfriend doesn't need to know about us", "sexual"),
])
def test_round_14_meanings_are_held_with_their_category(text, category):
    d = gate(text)
    assert d.action != "allow" and d.category == category, (text, d)


@pytest.mark.parametrize("text", [
    "هضربك بالشبشب لو نسيتي عيد ميلاد ماما 😂",             # a mother's joke
    "انا عارف انت ساكن فين، هبعتلك الهدية بكرة",           # a gift, not a threat
    "I know where you work, I'll bring you lunch",
    "والله هتندم لو ما اشتريتش العربية دي، لقطة",           # a bargain
    "الشقة فاضية، تعالي شوفيها مع السمسار",
    "send me a pic of the bathroom sink for the plumber",
    "صحابي هيجولك يباركولك على الشقة",
])
def test_everyday_sentences_near_the_round_14_meanings_pass(text):
    d = gate(text)
    assert d.action == "allow", (text, d)
