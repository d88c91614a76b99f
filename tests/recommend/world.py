"""A synthetic world: posts on known topics in Arabic script and Franco-Arabic."""
from __future__ import annotations

import random

TOPIC_POSTS = {
    "football": [
        "الأهلي كسب الزمالك في الماتش النهارده", "جون محمد صلاح كان تحفة امبارح",
        "مين هياخد الدوري السنة دي؟", "الحكم ظلمنا في ضربة الجزاء",
        "el ahly ksb el zamalek fel match enaharda", "gon salah kan t7fa embare7",
        "meen hyakhod el dawry el sana di", "el 7akam zalamna fe darbet el gaza2",
        "تشكيلة المنتخب لكأس أفريقيا", "el montakhab el masry fe kas afri2ya #kora",
    ],
    "cooking": [
        "طريقة عمل الكشري في البيت", "وصفة محشي ورق عنب سهلة",
        "أحلى صينية بطاطس بالفراخ", "بسبوسة بالقشطة زي المحلات",
        "tare2et 3amal el koshary fel beit", "wasfet ma7shy wara2 3enab sahla",
        "a7la seneyet batates bel frakh", "basbousa bel 2eshta zay el ma7alat",
        "عزومة رمضان: ملوخية وفراخ", "akl beity #tabkh mlokhya w ferakh",
    ],
    "music": [
        "ألبوم عمرو دياب الجديد نار", "مهرجان حمو بيكا الجديد",
        "حفلة ويجز في الساحل كانت جامدة", "أغنية شيرين الجديدة حزينة جدا",
        "album amr diab el gedid nar", "mahragan 7amo beka el gedid",
        "7aflet wegz fel sa7el kanet gamda", "oghneyet sherine el gedida 7azina gedan",
        "مين بيسمع أم كلثوم بالليل؟", "meen beysma3 om kalthoum bel leil #music",
    ],
    "tech": [
        "موبايل سامسونج الجديد يستاهل؟", "اتعلم برمجة بايثون من الصفر",
        "الذكاء الاصطناعي هياخد شغلنا؟", "أحسن لابتوب للمبرمجين بسعر معقول",
        "mobile samsung el gedid yestahel?", "et3allem barmaga python mn el sefr",
        "el zaka2 el estena3y hayakhod shoghlna?", "a7san laptop lel mobarmegeen",
        "مشكلة في الويندوز بعد التحديث", "moshkela fel windows ba3d el update #tech",
    ],
    "travel": [
        "رحلة دهب كانت أحلى أسبوع", "الساحل الشمالي زحمة السنة دي",
        "شرم الشيخ في الشتا جميلة", "أسعار الفنادق في الغردقة",
        "re7let dahab kanet a7la esbo3", "el sa7el el shamaly za7ma el sana di",
        "sharm el sheikh fel shita gameela", "as3ar el fanade2 fel ghardaqa",
        "سفاري في الصحرا البيضا", "safari fel sa7ra el beida #safar",
    ],
    "gaming": [
        "بطولة ببجي موبايل الأسبوع ده", "فيفا الجديدة فيها مشاكل كتير",
        "بلايستيشن ٥ بقى سعره نار", "مين بيلعب فورتنايت؟",
        "btola pubg mobile el esbo3 da", "fifa el gedida feha mashakel kteer",
        "playstation 5 ba2a se3ro nar", "meen beyel3ab fortnite?",
        "أحسن ألعاب على الموبايل", "a7san al3ab 3al mobile #gaming",
    ],
}


def make_posts(rng: random.Random, copies: int = 2) -> list[tuple[str, str]]:
    """(topic, text) pairs; copies vary the text a little so posts are not identical."""
    out = []
    for topic, texts in TOPIC_POSTS.items():
        for t in texts:
            for c in range(copies):
                out.append((topic, t if c == 0 else f"{t} {rng.choice(['!', '؟', '😂', '🔥', ''])}"))
    rng.shuffle(out)
    return out
