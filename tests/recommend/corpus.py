"""A labelled corpus for "For you": 8 topics x 3 scripts x 40 posts, with a held-out split.

Written for the purpose (Egyptian everyday topics as people post them): each topic has 14
sentence frames, each rendered in Arabic script (Egyptian), Franco-Arabic (Arabizi) and
English, and 10 subjects (teams, dishes, singers, places...) in the same three scripts. The
first 9 frames and 6 subjects of a topic make the tuning split, the last 5 frames and 4
subjects the held-out split: nothing is tuned on a held-out sentence or subject. 20 posts per
topic and script come from each split, so every topic has 40 posts in each script. About one post in five carries a hashtag: a generic one (#مصر, #fyp,
#trend...) or a topical one, as real posts do.

`posts(split)` returns (topic, script, text) triples, deterministic for a seed.
"""
from __future__ import annotations

import random

SCRIPTS = ("ar", "franco", "en")
TOPIC_INTEREST = {"football": "football", "cooking": "cooking", "music": "music",
                  "comedy": "comedy", "tech": "tech", "travel": "travel", "cars": "cars",
                  "fitness": "fitness"}

SUBJECTS = {
    "football": [("الأهلي", "el ahly", "Al Ahly"), ("الزمالك", "el zamalek", "Zamalek"),
                 ("المنتخب", "el montakhab", "the national team"),
                 ("بيراميدز", "pyramids", "Pyramids FC"),
                 ("الإسماعيلي", "el esma3ily", "Ismaily"),
                 ("المصري البورسعيدي", "el masry el bor sa3idy", "Al Masry"),
                 ("صلاح", "salah", "Salah"), ("الشناوي", "el shenawy", "El Shenawy"),
                 ("الدوري المصري", "el dawry el masry", "the Egyptian league"), ("كأس أفريقيا", "kas afri2ya", "the Africa Cup")],
    "cooking": [("المحشي", "el ma7shy", "stuffed vine leaves"), ("الكشري", "el koshary", "koshari"),
                ("الملوخية", "el molokheya", "molokhia"), ("البسبوسة", "el basbousa", "basbousa"),
                ("الفتة", "el fatta", "fatta"),
                ("المكرونة البشاميل", "el makarona el bechamel", "bechamel pasta"),
                 ("الحواوشي", "el 7awawshy", "hawawshi"), ("أم علي", "om 3aly", "om ali"),
                ("الفول المدمس", "el fool el medammes", "fava beans"), ("الكحك", "el ka7k", "Eid cookies")],
    "music": [("عمرو دياب", "amr diab", "Amr Diab"), ("ويجز", "wegz", "Wegz"),
              ("شيرين", "sherine", "Sherine"), ("أم كلثوم", "om kalthoum", "Umm Kulthum"),
              ("مروان بابلو", "marwan pablo", "Marwan Pablo"), ("أنغام", "angham", "Angham"),
                 ("محمد منير", "mo7amed mounir", "Mohamed Mounir"), ("عمر خيرت", "omar khairat", "Omar Khairat"),
              ("حمو بيكا", "7amo beka", "Hamo Bika"), ("كايروكي", "cairokee", "Cairokee")],
    "comedy": [("أحمد حلمي", "a7med 7elmy", "Ahmed Helmy"),
               ("محمد هنيدي", "mo7amed heneidy", "Mohamed Henedy"),
               ("مسرح مصر", "masra7 masr", "Masrah Masr"), ("الكبير أوي", "el kebeer awy", "El Kebeer Awy"),
               ("باسم يوسف", "bassem youssef", "Bassem Youssef"),
               ("الستاند أب", "el stand up", "stand-up comedy"),
                 ("عادل إمام", "3adel emam", "Adel Emam"), ("أكرم حسني", "akram 7osny", "Akram Hosny"),
               ("شريف الدسوقي", "sherif el desouky", "Sherif El Desouky"), ("فيلم اللمبي", "film el limby", "the Limby film")],
    "tech": [("الآيفون", "el iphone", "the iPhone"), ("السامسونج", "el samsung", "the Samsung"),
             ("الشاومي", "el xiaomi", "the Xiaomi"), ("اللابتوب", "el laptop", "the laptop"),
             ("التابلت", "el tablet", "the tablet"), ("الأوبو", "el oppo", "the Oppo"),
                 ("الهواوي", "el huawei", "the Huawei"), ("الساعة الذكية", "el sa3a el zakeya", "the smartwatch"),
             ("السماعات اللاسلكي", "el sama3at el wireless", "the wireless earbuds"), ("الريلمي", "el realme", "the Realme")],
    "travel": [("دهب", "dahab", "Dahab"), ("الغردقة", "el ghardaqa", "Hurghada"),
               ("سيوة", "siwa", "Siwa"), ("الأقصر", "lou2sor", "Luxor"),
               ("أسوان", "aswan", "Aswan"), ("مرسى علم", "marsa 3alam", "Marsa Alam"),
                 ("شرم الشيخ", "sharm el sheikh", "Sharm El Sheikh"), ("الفيوم", "el fayoum", "Fayoum"),
               ("سانت كاترين", "sant katreen", "Saint Catherine"), ("الساحل الشمالي", "el sa7el el shamaly", "the North Coast")],
    "cars": [("السيراتو", "el cerato", "the Cerato"), ("النترا", "el elantra", "the Elantra"),
             ("الكورولا", "el corolla", "the Corolla"),
             ("العربية المستعملة", "el 3arabeya el mosta3mala", "the used car"),
             ("المرسيدس", "el mercedes", "the Mercedes"), ("التيبو", "el tipo", "the Tipo"),
                 ("الهيونداي", "el hyundai", "the Hyundai"), ("الشيفروليه", "el chevrolet", "the Chevrolet"),
             ("المتسوبيشي", "el mitsubishi", "the Mitsubishi"), ("البيجو", "el peugeot", "the Peugeot")],
    "fitness": [("الجيم", "el gym", "the gym"), ("الجري", "el gary", "running"),
                ("الكارديو", "el cardio", "cardio"), ("تمارين البطن", "tamareen el batn", "ab workouts"),
                ("الدايت", "el diet", "the diet"), ("رفع الأتقال", "raf3 el at2al", "weightlifting"),
                 ("اليوجا", "el yoga", "yoga"), ("السباحة", "el sba7a", "swimming"),
                ("الكروس فيت", "el crossfit", "crossfit"), ("العجلة", "el 3agala", "cycling")],
}

FRAMES = {
    "football": [
        ("{x} كسب الماتش النهارده بجون في الدقيقة ٩٠", "{x} ksb el match enaharda b gon fel de2i2a 90", "{x} won today's match with a goal in the 90th minute"),
        ("تشكيلة {x} للماتش الجاي فيها مفاجآت", "tashkeelet {x} lel match elly gay feha mofag2at", "the {x} lineup for the next match has surprises"),
        ("الحكم ظلم {x} في ضربة الجزاء", "el 7akam zalam {x} fe darbet el gaza2", "the referee was unfair to {x} on the penalty"),
        ("جمهور {x} مالي الاستاد النهارده", "gomhoor {x} maly el stad enaharda", "{x} fans filled the stadium today"),
        ("مدرب {x} لازم يمشي بعد الخسارة دي", "modareb {x} lazem yemshy ba3d el khsara di", "the {x} coach has to go after this loss"),
        ("مين أحسن لاعب في {x} الموسم ده؟", "meen a7san la3eb fe {x} el mosem da?", "who is the best player at {x} this season?"),
        ("{x} محتاج مهاجم جديد في الميركاتو", "{x} me7tag mohagem gedid fel mercato", "{x} needs a new striker in the transfer window"),
        ("ملخص ماتش {x} والأهداف كلها", "molakhas match {x} wel ahdaf kolaha", "{x} match highlights and all the goals"),
        ("الدوري السنة دي هيروح لـ{x}", "el dawry el sana di hayro7 l {x}", "the league title is going to {x} this year"),
        ("تسلل واضح والفار ماشافهوش في ماتش {x}", "tasalol wade7 wel var mashafhoosh fe match {x}", "a clear offside and VAR missed it in the {x} game"),
        ("حارس {x} أنقذ الماتش بتصدي خرافي", "7ares {x} an2az el match b tasaddy khorafy", "the {x} keeper saved the match with an incredible stop"),
        ("ركنية في آخر دقيقة و{x} جاب التعادل", "korner fe akher de2i2a w {x} gab el ta3adol", "a corner in the last minute and {x} equalised"),
        ("الماتش اتأجل بسبب الجمهور ومستنيين {x}", "el match et2agel bsabab el gomhoor w mestanyeen {x}", "the match was postponed because of the fans and we are waiting for {x}"),
        ("كل الكلام النهارده عن {x} والبطولة", "kol el kalam enaharda 3an {x} wel botola", "all the talk today is about {x} and the championship"),
    ],
    "cooking": [
        ("طريقة عمل {x} في البيت خطوة بخطوة", "tare2et 3amal {x} fel beit khatwa b khatwa", "how to make {x} at home step by step"),
        ("ماما عاملة {x} النهارده والريحة مالية البيت", "mama 3amla {x} enaharda wel ree7a malya el beit", "mom made {x} today and the whole house smells amazing"),
        ("سر {x} الحلو إنك تسبكه على نار هادية", "ser {x} el 7elw enak tesbeko 3ala nar hadya", "the secret of good {x} is cooking it on low heat"),
        ("مقادير {x} لأربع أشخاص", "ma2ader {x} l arba3 ash5as", "{x} ingredients for four people"),
        ("جربت {x} من مطعم جديد في وسط البلد", "garrabt {x} mn mat3am gedid f west el balad", "tried {x} from a new restaurant downtown"),
        ("{x} بالسمنة البلدي طعمه حاجة تانية", "{x} bel samna el balady ta3mo 7aga tanya", "{x} made with ghee tastes like something else"),
        ("عزومة العيد: {x} وفراخ محمرة", "3azoomet el 3eid: {x} w frakh m7amara", "Eid feast: {x} and roasted chicken"),
        ("نسيت الملح في {x} والكل اتريق عليا", "neseet el mal7 fel {x} wel kol etrayya2 3alaya", "forgot the salt in the {x} and everyone teased me"),
        ("وصفة {x} سهلة للمبتدئين في المطبخ", "wasfet {x} sahla lel mobtade2een fel matbakh", "an easy {x} recipe for kitchen beginners"),
        ("كام دقيقة في الفرن عشان {x} يستوي؟", "kam de2i2a fel forn 3ashan {x} yestewy?", "how many minutes in the oven for the {x} to cook?"),
        ("أحلى {x} أكلته في حياتي كان عند تيتة", "a7la {x} akalto f 7ayati kan 3and teta", "the best {x} I ever ate was at grandma's"),
        ("بدل الزبدة في {x} ممكن تستخدم زيت", "badal el zebda fel {x} momken testakhdem zeit", "instead of butter in the {x} you can use oil"),
        ("الكل بيسأل على {x} بتاع رمضان", "el kol beyes2al 3ala {x} beta3 ramadan", "everyone is asking about the Ramadan {x}"),
        ("حضرت {x} للفطار والعيال خلصوه في دقيقة", "7addart {x} lel fetar wel 3eyal khalasoh f de2i2a", "made {x} for iftar and the kids finished it in a minute"),
    ],
    "music": [
        ("ألبوم {x} الجديد نزل ومبطلتش أسمعه", "album {x} el gedid nezel w mabatalltsh asma3o", "the new {x} album dropped and I can't stop listening"),
        ("حفلة {x} في الساحل كانت نار", "7aflet {x} fel sa7el kanet nar", "the {x} concert on the north coast was fire"),
        ("أغنية {x} الجديدة كلماتها حلوة أوي", "oghneyet {x} el gedida kalmatha 7elwa awy", "the lyrics of the new {x} song are so good"),
        ("تذاكر حفلة {x} خلصت في ساعة", "tazaker 7aflet {x} khelset f sa3a", "tickets for the {x} concert sold out in an hour"),
        ("بسمع {x} وأنا سايق بالليل", "basma3 {x} w ana sayeq bel leil", "listening to {x} while driving at night"),
        ("الكليب الجديد لـ{x} تصويره تحفة", "el clip el gedid l {x} taswero t7fa", "the new {x} music video is beautifully shot"),
        ("مين بيحب {x} زيي؟ صوت ملوش حل", "meen bey7eb {x} zayy? sot malosh 7al", "who loves {x} like me? what a voice"),
        ("بتعلم أعزف أغاني {x} على الجيتار", "bat3alem a3zef aghany {x} 3al guitar", "learning to play {x} songs on the guitar"),
        ("البلاي ليست بتاعتي كلها {x}", "el playlist beta3ty kolaha {x}", "my playlist is all {x}"),
        ("{x} غنى لايف والصوت كان أحسن من الاستوديو", "{x} ghana live wel sot kan a7san mn el studio", "{x} sang live and sounded better than the studio version"),
        ("أول مرة أسمع {x} في الأوبرا", "awel marra asma3 {x} fel opera", "first time hearing {x} at the opera house"),
        ("اللحن في أغنية {x} دي عالمي", "el la7n f oghneyet {x} di 3alamy", "the melody in this {x} song is world class"),
        ("الصوت والإيقاع في مزيكا {x} مالهمش زي", "el sot wel e2a3 f mazzikat {x} malhomsh zay", "the voice and rhythm in {x} music are unmatched"),
        ("رايح حفلة {x} في القلعة الجمعة", "raye7 7aflet {x} fel al3a el gom3a", "going to the {x} concert at the Citadel on Friday"),
    ],
    "comedy": [
        ("فيلم {x} ده ضحكني لحد ما عيطت", "film {x} da da7akny l7ad ma 3ayatt", "this {x} film made me laugh until I cried"),
        ("إفيه {x} ده مش قادر أبطل ضحك عليه", "efeih {x} da mesh 2ader abatal da7k 3aleh", "I can't stop laughing at that {x} punchline"),
        ("حلقة {x} امبارح كانت كوميدية جدا", "7al2et {x} embare7 kanet komedeya gedan", "yesterday's {x} episode was hilarious"),
        ("مين فاكر مشهد {x} ده؟ هموت من الضحك", "meen faker mashhad {x} da? hamoot mn el da7k", "who remembers this {x} scene? dying of laughter"),
        ("ميمز {x} مالية الفيسبوك النهارده", "memes {x} malya el facebook enaharda", "{x} memes are all over facebook today"),
        ("عرض {x} الجديد في الساقية الضحك مبيخلصش", "3ard {x} el gedid fel sa2ya el da7k mabeyekhlassh", "the new {x} show at El Sawy is nonstop laughs"),
        ("نكتة {x} دي قديمة بس لسه بتضحك", "nokta {x} di 2adeema bas lessa betda7ak", "that {x} joke is old but still funny"),
        ("كوميديا {x} أحسن حاجة بعد يوم شغل طويل", "comedia {x} a7san 7aga ba3d yom shoghl taweel", "{x} comedy is the best thing after a long work day"),
        ("قلدت {x} قدام صحابي وكلهم ماتوا ضحك", "2alladt {x} 2odam sa7aby w kolohom mato da7k", "I imitated {x} in front of my friends and they all died laughing"),
        ("سكتش {x} عن المواصلات ده حقيقي جدا", "sketch {x} 3an el mwaslat da 7a2e2y gedan", "that {x} sketch about public transport is so true"),
        ("قفشات {x} في البرنامج خلتني أضحك طول الليل", "2afashat {x} fel bernameg khallatny ad7ak tool el leil", "the {x} quips on the show kept me laughing all night"),
        ("محدش بيضحكني قد {x}", "ma7adesh beyda7akny 2ad {x}", "nobody makes me laugh like {x}"),
        ("رجعت أتفرج على {x} للمرة العاشرة ولسه بضحك", "rege3t atfarag 3ala {x} lel marra el 3ashra w lessa bad7ak", "rewatched {x} for the tenth time and still laughing"),
        ("الضحكة اللي في {x} دي مستحيل تتنسي", "el da7ka elly f {x} di mosta7eel tetnesy", "the laugh in that {x} bit is impossible to forget"),
    ],
    "tech": [
        ("بطارية {x} بتخلص بسرعة بعد التحديث", "battaryet {x} betkhlas bsor3a ba3d el update", "the {x} battery drains fast after the update"),
        ("سعر {x} في مصر بقى نار", "se3r {x} f masr ba2a nar", "the price of {x} in Egypt is crazy now"),
        ("كاميرا {x} بتصور بالليل حلو؟", "camera {x} betsawar bel leil 7elw?", "does the {x} camera shoot well at night?"),
        ("أشتري {x} ولا أستنى الموديل الجديد؟", "ashtery {x} wala astanna el model el gedid?", "should I buy {x} or wait for the new model?"),
        ("شاشة {x} اتكسرت وتصليحها غالي", "shashet {x} etkasaret w tasle7ha ghaly", "the {x} screen cracked and the repair is expensive"),
        ("مراجعة {x} بعد شهر استخدام", "mouraga3et {x} ba3d shahr estekhdam", "{x} review after a month of use"),
        ("{x} بيسخن أوي وأنا بلعب", "{x} beysakhan awy w ana bal3ab", "{x} heats up a lot while gaming"),
        ("إزاي أنقل الداتا من موبايلي القديم لـ{x}؟", "ezay an2el el data mn mobily el 2adeem l {x}?", "how do I move my data from my old phone to {x}?"),
        ("الرامات والمعالج في {x} كويسين للبرمجة؟", "el ram wel processor f {x} kwayseen lel barmaga?", "are the RAM and processor in {x} good for programming?"),
        ("عرض على {x} في المول بالتقسيط", "3ard 3ala {x} fel mall bel ta2seet", "an installment offer on {x} at the mall"),
        ("السوفت وير الجديد في {x} فيه باجز كتير", "el software el gedid f {x} feeh bugs kteer", "the new software on {x} has lots of bugs"),
        ("جربت الفيس أنلوك في {x} وسريع جدا", "garabt el face unlock f {x} w saree3 gedan", "tried face unlock on {x} and it is very fast"),
        ("التحديث الجديد ل{x} نزل إمبارح", "el ta7dees el gedid l {x} nezel embare7", "the new update for {x} came out yesterday"),
        ("{x} ولا الأجهزة التانية أحسن في الشغل؟", "{x} wala el agheza el tanya a7san fel shoghl?", "is {x} or the other devices better for work?"),
    ],
    "travel": [
        ("رحلة {x} الأسبوع الجاي مين جاي؟", "re7let {x} el esbo3 el gay meen gay?", "trip to {x} next week, who's coming?"),
        ("أسعار الفنادق في {x} في الصيف", "as3ar el fanade2 f {x} fel seif", "hotel prices in {x} in the summer"),
        ("الغطس في {x} أحلى تجربة في حياتي", "el ghats f {x} a7la tagroba f 7ayati", "diving in {x} was the best experience of my life"),
        ("الطريق لـ{x} بالعربية ياخد كام ساعة؟", "el taree2 l {x} bel 3arabeya yakhod kam sa3a?", "how many hours is the drive to {x}?"),
        ("الغروب في {x} منظر ميتنسيش", "el ghoroob f {x} manzar mayetneseesh", "sunset in {x} is unforgettable"),
        ("حجزت كامب في {x} بسعر حلو", "7agazt camp f {x} b se3r 7elw", "booked a camp in {x} at a good price"),
        ("أحسن وقت تسافر فيه {x} امتى؟", "a7san wa2t tsafer feeh {x} emta?", "when is the best time to travel to {x}?"),
        ("المعابد في {x} تاريخ عظيم", "el ma3abed f {x} tareekh 3azeem", "the temples in {x} are great history"),
        ("قطر النوم لـ{x} تجربة لازم تعملها", "2atr el nom l {x} tagroba lazem te3melha", "the sleeper train to {x} is a must-do"),
        ("رحلة سفاري في {x} بالعربيات الدفع الرباعي", "re7let safari f {x} bel 3arabeyat el daf3 el roba3y", "a 4x4 safari trip in {x}"),
        ("الشنطة جاهزة والأجازة في {x} بدأت", "el shanta gahza wel agaza f {x} bada2et", "bag packed and the vacation in {x} has started"),
        ("نصايح للسفر لـ{x} بميزانية قليلة", "nasaye7 lel safar l {x} b mizaneya 2alila", "tips for traveling to {x} on a small budget"),
        ("صحينا بدري عشان نشوف الشروق في {x}", "se7ina badry 3ashan nshoof el shoroo2 f {x}", "we woke up early to watch the sunrise in {x}"),
        ("المية في {x} صافية والشط هادي", "el maya f {x} safya wel shat hady", "the water in {x} is clear and the beach is quiet"),
    ],
    "cars": [
        ("سعر {x} زاد تاني في التوكيل", "se3r {x} zad tany fel tawkeel", "the price of {x} went up again at the dealer"),
        ("{x} بتصرف بنزين كتير في الزحمة", "{x} betsraf banzeen kteer fel za7ma", "{x} burns a lot of fuel in traffic"),
        ("تغيير زيت {x} والفلتر بكام؟", "taghyeer zeit {x} wel filter b kam?", "how much is an oil and filter change on {x}?"),
        ("صوت غريب في موتور {x} لما بدوس بنزين", "sot ghareeb f motor {x} lama badoos banzeen", "a strange noise in the {x} engine when I accelerate"),
        ("رخصة {x} والتأمين عليها كام في السنة", "rokhset {x} wel ta2meen 3aleha kam fel sana", "how much are the license and insurance for {x} per year"),
        ("فتيس {x} أوتوماتيك ولا مانيوال أحسن؟", "fetees {x} automatic wala manual a7san?", "is {x} better with an automatic or a manual gearbox?"),
        ("كاوتش {x} محتاج يتغير", "kawetsh {x} me7tag yetghayar", "the tires on {x} need replacing"),
        ("عملت صيانة {x} في مركز الخدمة", "3amalt siyanet {x} f markaz el khedma", "serviced {x} at the service center"),
        ("التكييف في {x} مبقاش بيبرد", "el takyeef f {x} mab2ash beyabared", "the AC in {x} stopped cooling"),
        ("فرامل {x} بتزيق ومحتاجة تيل جديد", "faramel {x} betzayya2 w me7taga teel gedid", "the brakes on {x} squeak and need new pads"),
        ("بعت {x} في سوق العربيات يوم الجمعة", "be3t {x} f so2 el 3arabeyat yom el gom3a", "sold {x} at the Friday car market"),
        ("الدواسة في {x} تقيلة والعفشة بتخبط", "el dawasa f {x} te2eela wel 3afsha betkhabat", "the pedal on {x} is heavy and the suspension knocks"),
        ("رخصت {x} النهارده بعد طابور طويل في المرور", "rakhast {x} enaharda ba3d tabor taweel fel moroor", "licensed {x} today after a long queue at the traffic department"),
        ("عداد {x} عدى مية ألف كيلو", "3addad {x} 3adda mit alf kilo", "the odometer on {x} passed a hundred thousand kilometres"),
    ],
    "fitness": [
        ("بدأت {x} من شهر ونزلت خمسة كيلو", "bada2t {x} mn shahr w nezelt 5 kilo", "started {x} a month ago and lost five kilos"),
        ("{x} الصبح قبل الشغل بيفرق في اليوم كله", "{x} el sob7 2abl el shoghl beyfar2 fel yom kolo", "{x} in the morning before work changes the whole day"),
        ("مين عنده برنامج {x} للمبتدئين؟", "meen 3ando barnameg {x} lel mobtade2een?", "who has a {x} program for beginners?"),
        ("عضلاتي واجعاني من {x} امبارح", "3adalaty wag3ani mn {x} embare7", "my muscles are sore from {x} yesterday"),
        ("البروتين بعد {x} ضروري ولا لأ؟", "el protein ba3d {x} darory wala la2?", "is protein after {x} necessary or not?"),
        ("الكوتش قالي أشرب مية كتير مع {x}", "el coach 2aly ashrab maya kteer ma3 {x}", "the coach told me to drink lots of water with {x}"),
        ("اشتراك {x} في النادي بكام الشهر؟", "eshterak {x} fel nady b kam el shahr?", "how much is a monthly {x} membership at the club?"),
        ("{x} ساعدني أتخلص من التوتر", "{x} sa3edny atkhalas mn el tawator", "{x} helped me get rid of stress"),
        ("أسبوع كامل {x} من غير ما أفوت يوم", "esbo3 kamel {x} mn gheir ma afawet yom", "a full week of {x} without missing a day"),
        ("الإحماء قبل {x} بيحميك من الإصابات", "el e7ma2 2abl {x} beye7meek mn el esabat", "warming up before {x} protects you from injuries"),
        ("وزني ثابت رغم {x} كل يوم، أعمل إيه؟", "wazny sabet raghm {x} kol yom, a3mel eh?", "my weight is stuck despite {x} every day, what do I do?"),
        ("صورة قبل وبعد ستة شهور {x}", "sora 2abl w ba3d 6 shohoor {x}", "before and after photo: six months of {x}"),
        ("نمت بدري عشان أصحى على {x}", "nemt badry 3ashan as7a 3ala {x}", "slept early to wake up for {x}"),
        ("{x} مع صحابي أحلى من لوحدي", "{x} ma3 sa7aby a7la mn lew7dy", "{x} with friends is better than alone"),
    ],
}

GENERIC_TAGS = ("#مصر", "#fyp", "#trend", "#egypt", "#explore", "#viral", "#القاهرة", "#اكسبلور")
TOPIC_TAGS = {"football": ("#كورة", "#kora", "#football"), "cooking": ("#طبخ", "#tabkh", "#recipe"),
              "music": ("#مزيكا", "#mazzika", "#music"), "comedy": ("#ضحك", "#da7k", "#comedy"),
              "tech": ("#تكنولوجيا", "#tech", "#mobile"), "travel": ("#سفر", "#safar", "#travel"),
              "cars": ("#عربيات", "#3arabeyat", "#cars"), "fitness": ("#جيم", "#gym", "#fitness")}
TUNE_FRAMES = 9
TUNE_SUBJECTS = 6
PER_SPLIT = 20


def posts(split: str, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """(topic, script, text, frame) for split 'tune' or 'heldout': 20 per topic and script.
    `frame` names the sentence frame, so an evaluation can leave out a post's siblings."""
    rng = random.Random(f"{seed}:{split}")
    out = []
    for topic, frames in FRAMES.items():
        tune = split == "tune"
        chosen = frames[:TUNE_FRAMES] if tune else frames[TUNE_FRAMES:]
        subjects = SUBJECTS[topic][:TUNE_SUBJECTS] if tune else SUBJECTS[topic][TUNE_SUBJECTS:]
        for s, script in enumerate(SCRIPTS):
            combos = [(f, x) for f in chosen for x in subjects]
            rng.shuffle(combos)
            for frame, subject in combos[:PER_SPLIT]:
                text = frame[s].replace("{x}", subject[s])
                roll = rng.random()
                if roll < 0.12:
                    text += " " + rng.choice(GENERIC_TAGS)
                elif roll < 0.22:
                    text += " " + rng.choice(TOPIC_TAGS[topic])
                out.append((topic, script, text, f"{topic}:{frames.index(frame)}"))
    return out
