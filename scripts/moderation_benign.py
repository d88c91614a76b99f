"""A corpus of ordinary Egyptian posts and chats, written for the purpose (templates with
varied everyday vocabulary): travel and places, food, football, religion and greetings,
family, prices and payments, everyday verbs and pronouns (إنك، انكم، إنها ...), in Arabic
script, Franco-Arabic and English. `corpus()` returns the lines, deterministic.
"""
from __future__ import annotations

import itertools
import random

W = {
    "place": ["ابو سمبل", "اسوان", "الاقصر", "دهب", "شرم الشيخ", "سيوة", "الساحل الشمالي",
              "راس البر", "الغردقة", "مرسى علم", "الفيوم", "العين السخنة", "اسكندرية",
              "المنصورة", "طنطا", "بورسعيد", "الاسماعيلية", "المنيا", "سوهاج", "قنا",
              "كفر الشيخ", "دمياط", "مطروح", "نويبع", "طابا", "وسط البلد", "الزمالك",
              "المعادي", "مدينة نصر", "التجمع", "الشيخ زايد", "اكتوبر", "حلوان", "شبرا"],
    "place_f": ["abu simbel", "aswan", "luxor", "dahab", "sharm", "siwa", "el sa7el",
                "ras el bar", "hurghada", "marsa alam", "el fayoum", "el sokhna", "alex",
                "mansoura", "tanta", "port said", "ismailia", "minya", "sohag", "nuweiba",
                "wust el balad", "zamalek", "maadi", "nasr city", "el tagamo3", "zayed",
                "october", "helwan", "shobra"],
    "food": ["الملوخية", "المحشي", "الكشري", "الفتة", "الحواوشي", "المسقعة", "الكوسة",
             "البامية", "الطعمية", "الفول", "الكبدة", "الرز باللبن", "البسبوسة", "الكنافة",
             "القطايف", "الفطير المشلتت", "الممبار", "الحمام المحشي", "السمك المشوي",
             "الجمبري", "الشاورما", "البيتزا", "المكرونة بالبشاميل", "العدس", "الكسكسي"],
    "food_f": ["molokheya", "ma7shy", "koshary", "fatta", "7awawshy", "mesa2a3a", "kosa",
               "bamya", "ta3meya", "ful", "kebda", "roz bel laban", "basbousa", "konafa",
               "2atayef", "feteer", "mombar", "7amam ma7shy", "samak mashwy", "gambary",
               "shawerma", "pizza", "makarona bechamel", "3ads"],
    "team": ["الاهلي", "الزمالك", "المنتخب", "بيراميدز", "الاسماعيلي", "المصري",
             "ليفربول", "ريال مدريد", "برشلونة", "مانشستر سيتي"],
    "team_f": ["el ahly", "el zamalek", "el montakhab", "pyramids", "el esma3ily",
               "liverpool", "real madrid", "barcelona", "man city"],
    "player": ["صلاح", "تريزيجيه", "مرموش", "الشناوي", "امام عاشور", "زيزو"],
    "player_f": ["salah", "trezeguet", "marmoush", "el shenawy", "emam ashour", "zizo"],
    "rel": ["ماما", "بابا", "اخويا", "اختي", "جدتي", "جدي", "خالي", "خالتي", "عمي",
            "عمتي", "ابن خالتي", "بنت عمي", "مراتي", "جوزي", "ابني", "بنتي", "صاحبي",
            "صاحبتي", "جارنا", "حماتي"],
    "rel_f": ["mama", "baba", "a5oya", "o5ty", "getty", "geddy", "5aly", "5alty", "3amy",
              "3amty", "ebn 5alty", "bent 3amy", "merati", "gozy", "ebny", "benty",
              "sa7by", "sa7bety", "garna"],
    "item": ["كيلو الطماطم", "كيلو اللحمة", "علبة اللبن", "كرتونة البيض", "الفراخ",
             "تذكرة المترو", "البنزين", "الايجار", "اشتراك النت", "الدروس الخصوصية",
             "العيش", "السكر", "الزيت", "الموبايل الجديد", "التاكسي"],
    "item_f": ["kilo el tama6em", "kilo el la7ma", "el laban", "kartonet el beid",
               "el fera5", "tazkaret el metro", "el benzeen", "el egar", "el net",
               "el dorous", "el 3eish", "el sokkar", "el zeit", "el mobile el gedid"],
    "price": ["٢٠", "٣٥", "٥٠", "١٢٠", "٤٠٠", "15", "80", "250", "1200", "3500"],
    "day": ["النهاردة", "بكرة", "امبارح", "الخميس", "الجمعة", "السبت", "بعد بكرة",
            "الاسبوع الجاي", "في العيد", "في رمضان", "بالليل", "الصبح بدري"],
    "day_f": ["el nharda", "bokra", "embare7", "el 5ames", "el gom3a", "el sabt",
              "ba3d bokra", "el esbo3 el gay", "fel 3eed", "f ramadan", "bel leil"],
    "verb": ["رايحين", "مسافرين", "نازلين", "طالعين", "هنروح", "هنسافر", "هنخرج"],
    "verb_f": ["ray7een", "msafreen", "nazleen", "tal3een", "hanro7", "hansafer",
               "hanokhrog"],
    "adj": ["تحفة", "جميل", "حلو اوي", "رايق", "زحمة", "غالي", "رخيص", "نضيف", "هادي",
            "جامد", "عسل"],
    "adj_f": ["tu7fa", "gameel", "7elw awy", "raye2", "za7ma", "ghaly", "re5ees",
              "nedeef", "hady", "gamed", "3asal"],
    "greet": ["صباح الخير", "مساء الخير", "السلام عليكم", "ازيك", "عامل ايه", "ازيكم",
              "اهلا", "ازيك يا حبيبي", "ازيك يا باشا", "يا جماعة"],
    "greet_f": ["sabah el 5eer", "masa2 el 5eer", "salam 3aleko", "ezayak", "3amel eh",
                "ezayoko", "ahlan", "ezayak ya 7abibi", "ya basha", "ya gama3a"],
    "pron": ["إنك", "انك", "انكم", "إنها", "انه", "اننا", "إنهم"],
    "pron_f": ["enak", "ennak", "enko", "enaha", "eno", "enena"],
    "feel": ["مبسوط", "تعبان", "فرحان", "زهقان", "جعان", "عطشان", "مشغول", "فاضي"],
    "feel_f": ["mabsoot", "ta3ban", "far7an", "zah2an", "ga3an", "3atshan", "mash8ool",
               "fady"],
    "en_place": ["Abu Simbel", "Aswan", "Luxor", "Dahab", "Sharm", "Siwa", "the North Coast",
                 "Alexandria", "Hurghada", "Marsa Alam", "Fayoum", "Ain Sokhna", "Cairo"],
    "en_food": ["koshary", "molokheya", "stuffed vine leaves", "falafel", "fatta", "konafa",
                "basbousa", "grilled fish", "shawarma", "liver sandwiches"],
    "en_rel": ["my mom", "my dad", "my brother", "my sister", "my grandma", "my uncle",
               "my aunt", "my cousin", "my wife", "my husband", "my best friend"],
}

FRAMES = [
    "{greet}، {verb} {place} {day}",
    "{verb} {place} {day} مع {rel}",
    "{place} كانت {adj} السنة دي",
    "الطريق ل{place} {adj} {day}",
    "حد يعرف فندق كويس في {place}؟",
    "{rel} عاملة {food} {day}",
    "{food} بتاع {rel} ملوش حل",
    "نفسي في {food} من ايد {rel}",
    "{food} {adj} بجد",
    "مين هيتفرج على ماتش {team} {day}؟",
    "{team} لعب {adj} والجمهور كان {adj}",
    "{player} جاب جون {adj} {day}",
    "يا رب {team} يكسب {day}",
    "{item} بقى ب{price} جنيه",
    "{item} غلي اوي، كان ب{price}",
    "هو {item} بكام دلوقتي؟",
    "حولت تمن {item} على انستاباي",
    "دفعت {item} بفودافون كاش",
    "{greet}، انا {feel} {day}",
    "عارف {pron} وحشتني؟",
    "باين {pron} {feel} {day}",
    "المهم {pron} بخير",
    "{rel} بيسلم عليك",
    "كل سنة وانت طيب يا {rel}",
    "ربنا يخليك يا {rel}",
    "{greet} يا {rel}",
    "رمضان كريم، {rel} بيسلم عليكم",
    "الحمد لله على كل حال",
    "صلاة الجمعة {day} في الجامع الكبير",
    "عيد سعيد عليكم وعلى {rel}",
    "{rel} {verb} {place} {day}",
]
FRAMES_F = [
    "{greet_f}, {verb_f} {place_f} {day_f}",
    "{verb_f} {place_f} {day_f} ma3 {rel_f}",
    "{place_f} kanet {adj_f} el sana di",
    "{rel_f} 3amla {food_f} {day_f}",
    "{food_f} bta3 {rel_f} malosh 7al",
    "nefsy f {food_f}",
    "meen hayetfarag 3ala match {team_f} {day_f}?",
    "{team_f} le3eb {adj_f} {day_f}",
    "{player_f} gab goal {adj_f}",
    "ya rab {team_f} yeksab {day_f}",
    "{item_f} ba2a b {price} geneh",
    "howa {item_f} bkam delwa2ty?",
    "7awelt felos {item_f} 3ala instapay",
    "{greet_f}, ana {feel_f} {day_f}",
    "3aref {pron_f} wa7ashtny?",
    "bayen {pron_f} {feel_f} {day_f}",
    "{rel_f} bysalem 3aleek",
    "kol sana w enta tayeb ya {rel_f}",
    "rabena y5aleek ya {rel_f}",
    "ramadan kareem ya {rel_f}",
    "{rel_f} {verb_f} {place_f} {day_f}",
]
FRAMES_EN = [
    "going to {en_place} this weekend with {en_rel}",
    "{en_place} was amazing this year",
    "{en_rel} made {en_food} today",
    "best {en_food} in town, honestly",
    "anyone know a good hotel in {en_place}?",
    "{en_rel} says hi",
    "happy Eid to you and {en_rel}",
    "I paid for the {en_food} with instapay",
]


def _fill(frame: str, rng: random.Random) -> str:
    out = frame
    for key in sorted(W, key=len, reverse=True):
        token = "{" + key + "}"
        while token in out:
            out = out.replace(token, rng.choice(W[key]), 1)
    return out


def corpus(n_per_frame: int = 80) -> list[str]:
    rng = random.Random(151)
    seen: dict[str, None] = {}
    for frame in itertools.chain(FRAMES, FRAMES_F, FRAMES_EN):
        for _ in range(n_per_frame):
            seen[_fill(frame, rng)] = None
    for line in number_lines():
        seen[line] = None
    return list(seen)


# Reference numbers people paste into posts and chats (orders, parcels, invoices, bank
# accounts, cards, app and device ids): long digit runs cut by dashes and spaces, which
# the national-id rule must not read as an id. Their own random stream, so the lines
# above stay as they were.
NUMBER_FRAMES = [
    "order {amazon} wasal wala lessa?",
    "رقم الطلب {amazon} لسه موصلش",
    "el order {ord} et2akhar 3 ayam",
    "رقم الاوردر {ord} ياريت تتابعوه",
    "tracking number {track5}",
    "رقم الشحنة {track5}",
    "el shohna raqamha {track6}",
    "بوليصة الشحن {track6} وصلت المكتب",
    "invoice {inv} attached",
    "رقم الفاتورة {inv}",
    "el IBAN bta3 el sherka {iban}",
    "الايبان {iban} باسم الشركة",
    "card ending {card4}, the bank said it is fine",
    "device {dev} keeps disconnecting",
    "الجهاز {dev} بيفصل كل شوية",
    "ticket {ticket} fel support",
    "رقم الشكوى {ticket} ومحدش رد",
    "reference {ref} for the transfer",
    "الرقم المرجعي {ref}",
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _number_slots(rng: random.Random) -> dict:
    d = lambda n: _digits(rng, n)  # noqa: E731
    return {
        "amazon": f"{d(3)}-{d(7)}-{d(7)}",
        "ord": f"ORD-{d(4)}-{d(4)}-{d(6)}",
        "track5": f"{rng.choice('23')}{d(4)} {d(5)} {d(4)}",
        "track6": f"{rng.choice('23')}{d(5)}-{d(5)}-{d(3)}",
        "inv": f"INV-{rng.choice(['2024', '2025', '2026'])}-{d(7)}",
        "iban": f"EG{d(2)} {d(4)} {d(4)} {d(4)} {d(4)} {d(4)} {d(4)} {d(1)}",
        "card4": d(4),
        "dev": f"d{rng.randint(1, 9)}-{rng.randint(1, 400)}-{d(13)}",
        "ticket": f"#{d(6)}-{d(8)}",
        "ref": f"{rng.choice('23')}{d(1)}-{d(3)}-{d(3)}-{d(2)}-{d(4)}",
    }


def number_lines(n_per_frame: int = 12) -> list[str]:
    rng = random.Random(1514)
    out = []
    for frame in NUMBER_FRAMES:
        for _ in range(n_per_frame):
            out.append(frame.format(**_number_slots(rng)))
    return out
