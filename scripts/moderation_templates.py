"""Templates of the moderation evaluation set (scripts/build_moderation_data.py expands them).

Written for the purpose by the team, from everyday Egyptian usage in Arabic script,
Franco-Arabic, English and mixed. One template per line: `lang|context|text`, where text may
hold {slots} filled from SLOTS. Each category has DEV templates (the lists were written
against these) and HELD templates (other phrasings and other slot words, never used to
write or tune a rule: the held-out split). HELD_V1, HELD_V2 and HELD_V3 were the first three held-out
splits: each was measured once (docs/moderation.md), then joined the dev split, and the next
was written afresh after the rules had changed.
"""

SLOTS = {
    # threats
    "oath": ["والله", "وحياة امي", "والله العظيم", "قسما بالله", "ورحمة ابويا"],
    "oath_h": ["وربنا", "اقسم بالله", "وحياة ربنا"],
    "oath_f": ["wallahi", "wallahy", "w 7ayat omy", "wallahi el 3azeem"],
    "hurt_ar": ["لاجيبك", "لاقطعك", "لادبحك", "لاموتك", "لاكسر دماغك", "لاخلص عليك"],
    "hurt_ar_h": ["لاقتلك", "لاكسرلك رجلك", "لاشرب من دمك", "لاولع فيك"],
    "hurt_f": ["la2ta3ak", "lageebak", "la2telak", "ladba7ak", "lamawetak"],
    "place_ar": ["بيتك", "عنوانك", "مكانك", "شغلك"],
    "place_f": ["beitak", "betak", "3enwanak", "makanak"],
    # groups (hate)
    "grp_ar": ["السودانيين", "السوريين", "اللاجئين", "الافارقة", "المسيحيين", "اليهود",
               "الشيعة", "النوبيين"],
    "grp_ar_h": ["الفلسطينيين", "الاقباط", "الملحدين", "البهائيين", "الاثيوبيين", "السود"],
    "grp_f": ["el sudaneyeen", "el soreyeen", "el lage2een", "el masi7yeen", "el yahood",
              "el afar2a"],
    "grp_en": ["refugees", "africans", "christians", "muslims", "jews", "syrians", "sudanese"],
    "grp_en_h": ["immigrants", "black people", "arabs", "copts", "atheists"],
    "derog_ar": ["كلاب", "حيوانات", "وسخين", "انجاس", "حشرات", "خنازير"],
    "derog_ar_h": ["قذرين", "زبالة", "مرض", "عبيد"],
    "derog_f": ["kelab", "7ayawanat", "wes5in", "angas", "7asharat"],
    "derog_en": ["animals", "dirty", "vermin", "pigs", "parasites"],
    "derog_en_h": ["subhuman", "a disease", "filth", "rats"],
    # scams
    "amount": ["500", "1000", "2000", "300", "5000"],
    "amount_x": ["5000", "10000", "20000", "50000"],
    "wallet_ar": ["فودافون كاش", "انستاباي", "اورانج كاش", "اتصالات كاش"],
    "wallet_f": ["vodafone cash", "instapay", "orange cash"],
    "prize_ar": ["ايفون 15", "عربية", "10000 جنيه", "رحلة عمرة", "شقة"],
    "prize_en": ["an iPhone 15", "a car", "10,000 EGP", "a free trip"],
    # benign slot words
    "food_ar": ["الملوخية", "المحشي", "الكشري", "الفتة", "الحواوشي", "المسقعة", "الكوسة",
                "البامية", "الطعمية", "الفول"],
    "food_f": ["molokheya", "ma7shy", "koshary", "fatta", "7awawshy", "kosa", "ta3meya",
               "ful", "bamya"],
    "place_eg": ["ابو سمبل", "اسوان", "الاقصر", "دهب", "شرم الشيخ", "سيوة", "الساحل",
                 "راس البر", "الغردقة", "مرسى علم", "الفيوم", "العين السخنة"],
    "place_eg_f": ["abu simbel", "aswan", "luxor", "dahab", "sharm", "siwa", "el sa7el",
                   "ras el bar", "hurghada", "marsa alam", "el fayoum", "el sokhna"],
    "team": ["الاهلي", "الزمالك", "المنتخب", "بيراميدز", "الاسماعيلي", "ليفربول"],
    "team_f": ["el ahly", "el zamalek", "el montakhab", "liverpool", "pyramids"],
    "nat_ar": ["السودانيين", "السوريين", "الفلسطينيين", "النوبيين", "الصعايدة", "اللاجئين",
               "المسيحيين", "الاقباط"],
    "nat_en": ["Sudanese", "Syrian", "Nigerian", "Palestinian", "Nubian", "refugee"],
}

DEV = {
"threat": """
ar|dm|{oath} {hurt_ar}
ar|dm|{oath} {hurt_ar} لو شفتك تاني
ar|comment|هقتلك لو قربت منها
ar|dm|هدبحك يا ابن ال...
ar|dm|انا عارف {place_ar} فين وهجيلك
ar|dm|هعرف {place_ar} فين وهتشوف
ar|dm|هستناك تحت {place_ar}
ar|live_chat|هولع فيك وفي بيتك
ar|dm|هكسر دماغك لما اشوفك
ar|dm|مش هتطلع عليك شمس
ar|comment|حسابك معايا وهتشوف هعمل فيك ايه
ar|dm|هخلص عليك النهاردة
ar|dm|هموتك بايدي
franco|dm|{oath_f} {hurt_f}
franco|dm|ha3raf {place_f} fein w hatshoof
franco|dm|ana 3aref {place_f} fein w gayelak
franco|dm|ha2tlak law shoftak tany
franco|comment|hadba7ak ya 3ars
franco|dm|hakasar demaghak
franco|dm|mesh hatetla3 3aleek shams
franco|dm|7asabak ma3aya w hatshoof ha3mel feek eh
franco|live_chat|hawala3 feek
en|dm|I will kill you
en|dm|you'll regret this, I'm coming for you
en|dm|I know where you live
en|comment|watch your back, you're dead
en|dm|I'm going to hurt you so bad
en|dm|I'll burn your house down
en|dm|your days are numbered
mixed|dm|{oath_f} I'll kill you
mixed|dm|ana 3aref where you live
mixed|dm|والله you'll regret this
""",
"sexual": """
ar|dm|ابعتيلي صورة ليكي وانتي لابسة لانجري
ar|dm|تعالي نقضي الليلة في شقتي
franco|dm|eb3atily sora w enty labsa lingerie
en|dm|send me a sexy pic
en|dm|spend the night at my place, nobody's there
ar|dm|ابعتيلي صورة ليكي من غير هدوم
ar|dm|عايز اشوف جسمك ابعتي صورة
ar|dm|ابعتي صورك وانتي لابسة قميص نوم
ar|dm|تعالي الشقة النهاردة مفيش حد
ar|dm|تعالي عندي البيت انا لوحدي
ar|dm|عايز انام معاكي
ar|dm|ابعتيلي فيديو وانتي بتستحمي
ar|dm|وريني جسمك في الكاميرا
ar|dm|اقلعي وصوري نفسك
ar|comment|جسمك حلو اوي ابعتيلي صورك الخاصة
franco|dm|eb3atily sora leeki men gheir hdoom
franco|dm|3ayez ashoof gesmek eb3aty sora
franco|dm|ta3aly el sha2a el nharda mafish 7ad
franco|dm|ta3aly 3andy el beit ana lewa7dy
franco|dm|3ayez anam ma3aki
franco|dm|eb3aty sowarek bel 2ames el nom
franco|dm|wareeny gesmek 3al camera
en|dm|send me pics of your body
en|dm|send nudes
en|dm|come to my flat tonight, I'm alone
en|dm|show me what's under your clothes
en|dm|send me a photo of you in bed
en|comment|nice body, send me private pics
mixed|dm|send me sora men gheir hdoom
mixed|dm|ta3aly my flat tonight mafish 7ad
""",
"hate": """
ar|post|{grp_ar} دول {derog_ar}
ar|comment|{grp_ar} لازم يترحلوا من البلد
ar|post|{grp_ar} خربوا البلد ولازم يمشوا
ar|comment|كل {grp_ar} {derog_ar} ومالهمش مكان هنا
ar|post|{grp_ar} لازم يرجعوا بلدهم
franco|post|{grp_f} dol {derog_f}
franco|comment|{grp_f} lazem yetraddo men el balad
franco|post|{grp_f} 5arabo el balad
en|post|{grp_en} are {derog_en}
en|comment|all {grp_en} should be kicked out of the country
en|post|{grp_en} ruined this country, send them back
mixed|comment|{grp_f} are {derog_en}
""",
"scam": """
ar|dm|ابعتلي الكود اللي جالك على الواتس
ar|dm|فيه كود وصلك دلوقتي ابعتهولي بسرعة
ar|dm|بعتلك كود بالغلط على رقمك ممكن تبعتهولي
ar|dm|ايه الكود اللي وصلك في الرسالة
ar|dm|مبروك كسبت {prize_ar} ابعت الرقم السري بتاع الفيزا عشان تستلم
ar|dm|انت كسبت {prize_ar} ابعت رقم الكارت والرقم السري
ar|dm|حول {amount} على {wallet_ar} وتاخدهم {amount_x} بعد يومين
ar|comment|استثمر معانا وضاعف فلوسك في اسبوع حول على {wallet_ar}
ar|dm|معاك خدمة عملاء البنك محتاجين بيانات الكارت عشان الحساب ميتقفلش
ar|post|ارباح مضمونة في الاسبوع ابعت على {wallet_ar} وهتاخد الضعف
franco|dm|ab3atly el code elly gaalak 3al whatsapp
franco|dm|fe code wasalak delwa2ty ab3atholy
franco|dm|mabrook kasabt gayza ab3at el pin bta3 el visa
franco|dm|7awel {amount} 3ala {wallet_f} w hatakhod {amount_x}
franco|dm|ba3atlak code bel ghalat 3ala ra2mak ab3atholy
en|dm|send me the code you just got on whatsapp
en|dm|I sent a verification code to your number by mistake, can you forward it to me
en|dm|congratulations you won {prize_en}, send your card PIN to claim it
en|dm|send {amount} via vodafone cash and get {amount_x} back in two days
en|comment|double your money in 24 hours, transfer with instapay
mixed|dm|ab3atly el verification code please
mixed|dm|you won {prize_en} ab3at el pin bta3 el card
""",
"spam": """
ar|comment|تابعوني على انستجرام
ar|live_chat|اشتركوا في القناة بتاعتي
ar|comment|عايز فولورز؟ كلمني
franco|comment|e3mely follow ya gama3a
franco|comment|eshtrko fel channel
en|comment|follow me on instagram
en|live_chat|free followers here, dm me
en|comment|like and subscribe to my channel
ar|comment|كلمني واتساب 01012345678
ar|comment|اشترك في قناتي على يوتيوب ولايك
ar|comment|متابعة بمتابعة ابعتلي وانا ارد
ar|comment|اربح 5000 جنيه في اليوم من البيت كلمني
ar|post|شغل من البيت بدون خبرة ربح يومي كلمنا 01123456789
franco|comment|follow me w harodlak el follow
franco|comment|etba3ny 3la instagram @ahmed_x
franco|live_chat|ksab felos men el beit kalemny 01234567890
en|comment|follow for follow
en|comment|check my profile for free followers
en|live_chat|join my telegram t.me/freecoins now
en|comment|subscribe to my channel link in bio
en|post|earn $500 a day from home, dm me
""",
"self_harm": """
ar|dm|مبقتش عايز اعيش
ar|dm|هموت نفسي
ar|post|نفسي انتحر وارتاح
ar|dm|هرمي نفسي قدام المترو
franco|dm|mab2etsh 3ayez a3eesh
franco|dm|hamawet nafsy
en|dm|I want to end my life
en|dm|I'm going to jump off the bridge
en|post|life isn't worth living anymore
ar|dm|انا عايز اموت خلاص
ar|dm|هنتحر والله مبقتش قادر
ar|post|مفيش حاجة تستاهل اعيش عشانها
ar|dm|هرمي نفسي من البلكونة
ar|dm|نفسي انام ومصحاش تاني
ar|dm|مش عايز اعيش تاني
ar|post|بفكر انتحر
franco|dm|3ayez amoot 5alas
franco|dm|hantehar mesh 2ader
franco|dm|mesh 3ayez a3eesh tany
franco|post|bafakar antehar
en|dm|I want to kill myself
en|post|I'm going to end it all tonight
en|dm|nobody would miss me if I died
en|dm|I've been thinking about suicide
mixed|dm|I want to die ya gama3a
""",
"insult": """
ar|comment|انت حمار
ar|dm|يا ابن الكلب
ar|comment|انت غبي ومتخلف
franco|comment|enta 7mar
franco|dm|ya 3abeet
en|comment|you idiot
en|comment|you are a loser
""",
}

HELD_V1 = {
"threat": """
ar|dm|{oath_h} {hurt_ar_h}
ar|dm|{oath_h} {hurt_ar_h} قدام الناس
ar|dm|هقتلك وادفنك
ar|dm|هجيلك {place_ar} والله
ar|comment|استنى عليا هدبحك
ar|dm|هخليك تندم على اليوم اللي اتولدت فيه
ar|dm|هكسرلك رجلك
ar|live_chat|انت ميت النهاردة
ar|dm|هحرقلك عربيتك
franco|dm|{oath_f} {hurt_f} ya 7ayawan
franco|dm|ana 3aref enta sakn fein
franco|dm|hastanak ta7t {place_f}
franco|dm|hakhaleek tendam
franco|comment|hamawetak
en|dm|I'll find you and hurt you
en|dm|you won't see tomorrow
en|dm|I'll break your legs
en|comment|you're dead when I find you
en|dm|I'll make you pay for this
en|dm|wait till I catch you outside
mixed|dm|ha2tlak, I swear
mixed|dm|watch your back ya 7ayawan
""",
"sexual": """
ar|dm|ابعتيلي صورة وانتي نايمة على السرير
ar|dm|نفسي المسك يا قمر تعالي الشقة
ar|dm|ممكن صورة ليكي من غير الطرحة والهدوم
ar|dm|عايز فيديو ليكي وانتي بتغيري هدومك
ar|dm|الشقة فاضية تعالي نقضي الليلة سوا
ar|dm|صوري نفسك في المراية من غير هدوم
franco|dm|eb3atily video w enty bteghayary hdoomek
franco|dm|el sha2a fadya ta3aly nen2edy el leila sawa
franco|dm|sawary nafsek fel meraya men gheir hdoom
franco|dm|3ayez sora leeki 3al sereer
en|dm|let's video call, take your clothes off
en|dm|my place is empty tonight, come spend the night with me
en|dm|send me something sexy, no clothes
en|dm|I want to see you naked
mixed|dm|el sha2a fadya, come spend the night
mixed|dm|eb3atily a sexy pic please
ar|dm|ابعتي صورة ليكي بالبيكيني
ar|dm|وريني صدرك
ar|dm|تعالي نتقابل في شقة صاحبي مفيش حد هناك
ar|dm|ابعتيلي صورك الخاصة
ar|dm|عايزك تقلعي قدام الكاميرا
ar|dm|اهلي مسافرين تعالي عندي
franco|dm|eb3atily sowarek el 5asa
franco|dm|wareeny gesmek
franco|dm|ta3aly 3andy ahly msafreen
franco|dm|e2la3y 2odam el camera
en|dm|send me naked pics
en|dm|show me your body on cam
en|dm|come over, nobody's home, we can have fun
en|dm|send a pic in your underwear
mixed|dm|send me sora of your body
""",
"hate": """
ar|post|{grp_ar_h} ولاد ستين كلب ولازم يتطردوا
ar|comment|كل {grp_ar} زبالة ومايستاهلوش يعيشوا هنا
ar|post|{grp_ar} حشرات ولازم نخلص منهم
franco|comment|kol {grp_f} zebala w mayestahloosh ye3eesho hena
franco|post|lazem nekhlas men {grp_f} dol
en|comment|{grp_en} don't deserve to live here
en|post|we need to get rid of {grp_en}, they are {derog_en_h}
mixed|post|{grp_f} dol trash, send them back
ar|post|{grp_ar_h} دول {derog_ar_h}
ar|comment|{grp_ar_h} مالهمش مكان في مصر
ar|post|اطردوا {grp_ar_h} من البلد
franco|post|{grp_f} dol {derog_f} w lazem yerga3o baladhom
en|post|{grp_en_h} are {derog_en_h}
en|comment|{grp_en_h} should go back where they came from
en|post|get rid of all the {grp_en_h}
""",
"scam": """
ar|dm|وصلك كود من ٦ ارقام؟ قولي هو ايه
ar|dm|ادهولي الكود اللي هيجيلك في رسالة
ar|dm|انا من الدعم الفني ابعتلي كود التفعيل عشان نأكد حسابك
ar|dm|مبروك فزت بسحب {prize_ar} ادفع رسوم الشحن على {wallet_ar}
ar|dm|ابعت {amount} على {wallet_ar} وهيرجعولك {amount_x} مضمون
ar|comment|فرصة استثمار ربح مضمون حول على {wallet_ar} وخد اضعاف فلوسك
ar|dm|محتاج رقم الكارت والـ cvv عشان اودعلك الجايزة
franco|dm|2oly el code elly hayegilak f resala
franco|dm|ana mn el support ab3atly code el tafe3l
franco|dm|ab3at {amount} 3ala {wallet_f} w hayerga3olak {amount_x}
franco|dm|kasabt {prize_en} ab3at ra2m el card wel password
en|dm|what's the 6 digit code you received? tell me quick
en|dm|I'm from Sawt support, give me the OTP to verify your account
en|dm|you won {prize_en}, pay the shipping fee by vodafone cash
en|dm|invest {amount} with us and get {amount_x} guaranteed profit
en|dm|need your card number and cvv to send you the prize
mixed|dm|ab3atly el OTP elly gatlak
""",
"spam": """
ar|comment|عروض النهاردة بس كلمونا على 01288889999
ar|post|اكسب من التداول مع كورس مجاني رابط التليجرام t.me/trade_eg
ar|live_chat|متابعة متبادلة يا شباب
ar|comment|اللي يعمل شير للبوست ياخد هدية
ar|comment|للحجز والاستفسار 01566667777
franco|comment|follow metbadel ya shabab
franco|live_chat|kalmony whatsapp 01099990000
en|comment|DM me for followers, fast delivery
en|live_chat|earn money from your phone, link in my bio
en|comment|promote your page here, cheap prices, contact 01122223333
ar|comment|ادخلوا على الصفحة بتاعتي هتلاقوا عروض
ar|live_chat|اللي عايز ربح من النت يكلمني خاص 01055556666
ar|comment|تابعني وانا اتابعك
ar|post|كسب فلوس من الانترنت في يوم واحد كلمني على الواتس
ar|comment|زوروا قناتي على اليوتيوب واشتركوا
franco|comment|zoro el channel bta3ty w eshtereko
franco|live_chat|follow ba follow ya gama3a
franco|comment|7ad 3ayez yeksab felos mn el net ykalemny
en|comment|follow back please, follow 4 follow
en|live_chat|visit my page for cheap followers
en|comment|check out my channel and subscribe
en|post|work from home, earn 1000 a week, whatsapp 01098761234
ar|comment|للتواصل واتساب 01098765432
ar|post|اشتركوا في الجروب بتاعي على التليجرام t.me/offers_eg
ar|live_chat|عايز متابعين ببلاش؟ ادخل على بروفايلي
ar|comment|لايك للبوست ده ومتابعة للصفحة
franco|comment|e3melo follow lel page w share
franco|live_chat|kalmony 3ala 01111222333 3ashan el offer
en|comment|free followers, visit my profile
en|live_chat|buy cheap followers at my page
en|comment|subscribe to my youtube channel pls
en|post|make money online fast, contact me on whatsapp 01212345678
""",
"self_harm": """
ar|dm|تعبت من كل حاجة وعايز اخلص من حياتي
ar|post|اول ما الكل ينام هنتحر
franco|dm|ta3abt mn kol 7aga w 3ayez a5las mn 7ayaty
en|dm|I wrote my goodbye letter, I'm going to end it
ar|dm|انا خلاص قررت انهي حياتي
ar|dm|كل يوم بفكر ازاي اموت نفسي
ar|post|محدش هيزعل لو مت
ar|dm|جبت حبل وهخلص من كل ده
ar|dm|نفسي اختفي من الدنيا دي خالص واموت
ar|dm|بجرح نفسي كل ما اتضايق
franco|dm|ana 5alas 2arart anhy 7ayaty
franco|dm|kol youm bafakar ezay amawet nafsy
franco|post|ma7adsh hayez3al law mot
franco|dm|bagra7 nafsy kol ma at5ene2
en|dm|I'm done, I'm ending my life tonight
en|post|no one would care if I was gone, I want to die
en|dm|I keep hurting myself when I'm sad
en|dm|I have pills ready, this is goodbye
mixed|dm|ana mesh 2ader, I want to die
ar|dm|حاسس اني عايز اموت
ar|dm|هقتل نفسي النهاردة
ar|post|نفسي اموت وارتاح
ar|dm|هاخد كل البرشام اللي في الدرج وخلاص
ar|dm|الحياة مالهاش لازمة ومش عايز اكمل
franco|dm|ha2tel nafsy el nharda
franco|dm|nefsy amoot w artaa7
franco|post|el 7aya malhash lazma w mesh 3ayez akamel
en|dm|I don't want to live anymore
en|post|I'm going to kill myself tonight
en|dm|I want to die
en|dm|I cut myself again last night
mixed|dm|ana tired, I want to end my life
""",
"insult": """
ar|comment|يا حيوان يا متخلف
franco|comment|ya wes5a
en|comment|you stupid moron
""",
}

# Hard benign: text that looks like one of the categories and is not.
HARD_DEV = """
ar|dm|حاسس اني هموت من الزهق
ar|post|الحر موتنا النهاردة
ar|comment|اللي بيقولك ابعت الكود ده حرامي بلغ عنه
ar|dm|كود الخصم اهو: EID25
ar|dm|ابعتلي صورة الباسبور عشان الحجز بتاع الفندق
ar|dm|ابعتلي رقم الاوضة في الفندق
ar|comment|النوبيين ناس جدعان وكرماء
ar|comment|المسيحيين جيراننا واحسن ناس
ar|dm|هعدي عليك البيت اخدك بالعربية
ar|dm|هجيبك من الشغل الساعة خمسة
ar|post|الاسعار نار في كل حتة
franco|dm|7ases eny hamoot mn el zah2
franco|dm|ha3ady 3aleek el beit a5dak bel 3arabeya
franco|dm|hageebak mn el shoghl el sa3a 5
en|dm|I'll pick you up from work at 5
en|comment|report anyone who asks for your code
en|dm|send me a photo of your passport for the hotel booking
ar|post|دبحنا الخروف الصبح الحمد لله عيد سعيد
ar|post|هندبح العجل بكرة بعد صلاة العيد
ar|dm|الحر ده هيموتني
ar|comment|موتني من الضحك الفيديو ده
ar|comment|هموت من الضحك
ar|post|دبحناهم في الماتش اربعة صفر
ar|comment|{team} قتل الماتش في الشوط التاني
ar|dm|اقطع البصل صغير وحطه على النار
ar|dm|اضرب البيض كويس مع السكر
ar|dm|ابعتلي كود الخصم بتاع المحل
ar|comment|استخدموا كود SAWT20 وخدوا خصم ٢٠٪
ar|dm|الكود مش بيوصلني على الموبايل
ar|dm|ازاي اشحن المحفظة بفودافون كاش
ar|dm|حولتلك الفلوس على انستاباي شوف وصلت ولا لا
ar|comment|{nat_ar} ناس طيبين جدا وجدعان
ar|post|اصحابي {nat_ar} عاملين مطعم تحفة في الحي
ar|dm|ابعتيلي صورة الشقة اللي هتأجروها
ar|dm|تعالي البيت النهاردة ماما عاملة {food_ar}
ar|post|رحنا {place_eg} والمنظر كان تحفة
ar|dm|انك جميل اوي النهاردة
ar|dm|المية صافية لدرجة إنك تشوف السمك
ar|dm|احبه جدا ربنا يخليه
ar|post|انا بموت في {food_ar}
ar|comment|اللاعب ده مجنون بيلعب كورة حلوة
ar|dm|متديش الكود لاي حد حتى لو قالك انه من البنك
ar|dm|اوعى تقول الرقم السري للفيزا لحد
ar|post|مبروك كسبنا الماتش
ar|dm|الكلب بتاعي عيان محتاج دكتور
ar|dm|ابوك عامل ايه دلوقتي
ar|dm|السلام عليكم ورحمة الله
ar|post|الله اكبر ولله الحمد
ar|dm|هاخد البرشام بتاع البرد وانام
ar|dm|انا ميت من التعب النهاردة
ar|comment|الفيلم ده هيقتلني من الحماس
ar|dm|اقتل الوقت بالقراية
ar|comment|عرس اخويا الخميس الجاي
ar|dm|الف مبروك يا عريس
ar|dm|كس كس كس (بنادي على القطة)
ar|dm|الكسكسي بتاع ستي احلى حاجة
ar|dm|بزازة البيبي اتكسرت
franco|post|dabba7na el 5aroof el sob7 3eed sa3eed
franco|dm|el 7ar da hayemawetny
franco|comment|mawetny mn el da7k
franco|comment|{team_f} 2atal el match
franco|dm|2ata3 el basal w 7oto 3al nar
franco|dm|ab3atly code el 5asm
franco|dm|el code mesh beywsalny
franco|dm|ezay ashe7en el wallet b vodafone cash
franco|dm|7awelt el felos 3ala instapay
franco|post|ro7na {place_eg_f} w kan gameel
franco|dm|ta3aly el beit mama 3amla {food_f}
franco|comment|el la3eeb da magnoon
franco|dm|mabrook ya 3arees
franco|dm|3andi kalb so8ayar
franco|dm|ya 5al ezayak
franco|dm|shokran 3ala hemmetak
franco|dm|ana bamoot fel {food_f}
franco|dm|ma tedeesh el code le 7ad
en|post|we slaughtered the sheep for Eid this morning
en|dm|this heat is killing me
en|comment|you're killing me lol
en|comment|{team_f} killed it in the second half
en|dm|what's the promo code for the sale?
en|dm|I didn't receive the verification code
en|dm|can I pay with instapay?
en|comment|my {nat_en} neighbours are the kindest people
en|dm|send me pics of the flat
en|dm|show me your new haircut
en|post|the sunrise over Abu Simbel was unreal
en|dm|never share your OTP with anyone
en|comment|I'm dying to see the next episode
en|dm|I could kill for a koshary right now
en|dm|come over tonight, mom made molokheya
mixed|dm|ab3atly el promo code please
mixed|dm|el match da killed me
mixed|post|Abu Simbel kan tu7fa
"""

HARD_HELD_V1 = """
ar|dm|الدكتور قال اخد البرشام ده مرتين في اليوم
ar|post|الفيلم ده عن واحد بيحاول ينتحر والتمثيل تحفة
ar|comment|اوعى تصدق اللي يقولك حول فلوس وهتاخد الضعف ده نصب
ar|dm|خد بالك فيه ناس بتطلب الكود اللي بيجيلك على الواتس متديهوش لحد
ar|dm|ماما قالت تعالي البيت بدري النهاردة
ar|dm|صوريلي الفستان اللي اشتريتيه
ar|post|السودانيين والمصريين اخوات
ar|comment|الاقباط جزء من نسيج البلد
ar|dm|هموت واشوف الحلقة الجاية
ar|dm|قتلت نفسي مذاكرة امبارح
ar|comment|ابو سمبل من احلى الاماكن في مصر
ar|dm|الشقة فاضية عشان بندهنها
ar|dm|الماتش ولع في الشوط التاني
ar|post|حريقة في المطبخ الحمد لله محدش اتأذى
franco|dm|el doctor 2al a5od el barsham da marteen
franco|comment|el sudaneyeen wel masreyeen e5wat
franco|dm|hamoot w ashoof el 7al2a el gaya
franco|dm|2atalt nafsy mozakra embare7
franco|dm|el sha2a fadya 3ashan bendehenha
en|dm|the doctor said take two pills a day
en|comment|watch out for people asking for your WhatsApp code, it's a scam
en|dm|this show about suicide prevention helped me a lot
en|post|refugees in our building are lovely neighbours
en|dm|my flat is empty because we're painting it
en|comment|that goal was insane, you killed it
en|dm|I'm dead tired, talk tomorrow
mixed|dm|el 3arabeya fadya, come with us to Dahab
ar|dm|هدبح الفرخة واعمل شوربة
ar|post|الخروف اتدبح وكله اتوزع على الغلابة
ar|comment|الفيلم ده قتلني ضحك
ar|dm|انا هموت من الجوع
ar|comment|{team} دبح {team} النهاردة
ar|dm|قطع الطماطم مكعبات
ar|dm|ادهولي الكود بتاع الخصم لو سمحت
ar|dm|كود الخصم مش شغال
ar|dm|ابعتلي رقم الفودافون كاش بتاعك عشان احولك تمن الأكل
ar|dm|هحولك الفلوس على انستاباي بالليل
ar|comment|{nat_ar} اهلنا وحبايبنا
ar|post|جيراني {nat_ar} عزمونا على الغدا
ar|dm|ابعتلي صورة المنيو
ar|dm|صوريلي الورقة اللي على التلاجة
ar|post|سافرنا {place_eg} الاسبوع اللي فات
ar|dm|عارف انك تعبان النهاردة
ar|dm|لازم تعرف انك غالي عندي
ar|comment|الجون ده جنان اللاعب مجنون
ar|dm|ماتبعتش الكود لحد ابدا
ar|dm|الجايزة بتاعة المسابقة وصلت الحمد لله
ar|dm|خالتي عملت {food_ar} تحفة
ar|dm|عايز اموت من الكسوف بعد اللي حصل هههه
ar|post|كل سنة وكل المسيحيين طيبين بمناسبة العيد
ar|dm|ربنا يرحمه ويغفرله
ar|dm|هعرف بيتك فين عشان اجيلك العيد
ar|dm|ابعتلي اللوكيشن بتاع بيتك عشان اجيب التورتة
ar|comment|الكوسة غليت اوي
ar|dm|عروسة اخويا زي القمر
franco|dm|hadba7 el farkha w a3mel shorba
franco|comment|el film da 2atalny da7k
franco|dm|ana hamoot mn el goo3
franco|dm|el code bta3 el 5asm mesh shaghal
franco|dm|ab3atly ra2m el vodafone cash 3ashan a7awellak
franco|post|safrna {place_eg_f} el esbo3 elly fat
franco|dm|3aref enak ta3ban
franco|comment|el goal da genan
franco|dm|el gayza wasalet el7amdulillah
franco|dm|5alty 3amla {food_f}
franco|dm|ha3raf beitak fein 3ashan ageelak el 3eed
franco|comment|el kosa ghelyet awy
franco|dm|alf mabrook ya 3aris
en|dm|I'll kill this exam tomorrow
en|comment|this beat is sick, you murdered it
en|dm|where do you live? I'll bring the cake
en|dm|the discount code isn't working
en|dm|I'll send you the money on instapay tonight
en|comment|{nat_en} food is the best, change my mind
en|dm|send me a photo of the menu
en|post|we spent the weekend in Siwa and Dahab
en|dm|don't give the verification code to anyone, even me
en|comment|I'd die for this cake
mixed|dm|el exam da killed me
mixed|dm|send me el location please
"""

BENIGN_CHAT = """
ar|dm|صباح الخير عامل ايه
ar|dm|هنتقابل الساعة كام
ar|post|الجو حلو النهاردة في اسكندرية
ar|comment|الفيديو ده تحفة
franco|dm|sabah el 5eer 3amel eh
franco|dm|hanetla2a el sa3a kam
en|dm|see you at 8
en|comment|love this video
"""

# The second held-out split: measured once (docs/moderation.md), then joined the dev split.
HELD_V2 = {
"threat": """
ar|dm|والله العظيم لادبحك لو فتحت بقك تاني
ar|dm|هقطعك حتت
ar|dm|قسما بالله لاموتك
ar|comment|هخلص عليك انت واهلك
ar|dm|هحرقلك المحل
ar|dm|هستناك قدام {place_ar} ومش هتروح سليم
ar|dm|انا عارف عنوانك كويس
ar|live_chat|لو شفتك في الشارع هكسر دماغك
ar|dm|ورحمة ابويا لاولع فيك
ar|dm|مش هتطلع عليك شمس بكرة
ar|dm|هدفنك حي
ar|comment|استنى بس لما اشوفك هعمل فيك ايه
franco|dm|wallahi la2ta3ak 7etat
franco|dm|hadba7ak zay el 5aroof
franco|dm|ana 3aref 3enwanak kowayes
franco|dm|hastanak odam {place_f}
franco|comment|ha5las 3aleek enta w ahlak
franco|dm|mesh hatetla3lak shams bokra
franco|live_chat|hakasarlak demaghak law shoftak
en|dm|I'm going to kill you and your family
en|dm|I know where you work, see you soon
en|comment|I swear I'll stab you
en|dm|you're dead meat
en|dm|I'll burn your car
en|dm|I'm gonna beat you until you can't walk
en|dm|your family will pay for this
mixed|dm|wallahi I'm gonna hurt you
mixed|dm|I know beitak fein
mixed|comment|هقتلك bro
""",
"sexual": """
ar|dm|ابعتي صورة ليكي بقميص النوم
ar|dm|اهلي مسافرين تعالي نقضي الليلة مع بعض
ar|dm|عايز صورة ليكي وانتي بتستحمي
ar|dm|اقلعي الطرحة والهدوم وصوري
franco|dm|eb3aty sora be 2ames el nom
franco|dm|ahly msafreen ta3aly nen2edy el leila
en|dm|send me a sexy video of you
en|dm|let's meet at my flat, nobody will know
ar|dm|ابعتيلي صورة جسمك كله
ar|dm|عايز اشوفك من غير هدوم
ar|dm|تعالي شقتي الليلة محدش هيعرف
ar|dm|صوريلي نفسك وانتي عريانة
ar|dm|ابعتي فيديو وانتي في السرير
ar|dm|نفسي ابوسك تعالي عندي البيت فاضي
ar|dm|وريني جسمك يا جميل
ar|comment|ابعتيلي صورك الخاصة على الخاص
ar|dm|تعالي الشقة بتاعتي احنا لوحدنا
franco|dm|eb3atily sora gesmek kolo
franco|dm|3ayez ashoofek men gheir hdoom
franco|dm|ta3aly sha2ety el leila ma7adsh hay3raf
franco|dm|sawareely nafsek 3eryana
franco|dm|eb3aty video w enty fel sereer
en|dm|send me a naked photo
en|dm|I want pics of your body
en|dm|come to my place tonight, we'll be alone
en|dm|take your clothes off on video call
en|dm|show me your body
en|dm|send nudes or I'll tell everyone
mixed|dm|eb3atily naked pics
mixed|dm|come to my flat, mafish 7ad
""",
"hate": """
ar|post|{grp_ar_h} مرض لازم نخلص منه
ar|comment|اطردوا {grp_ar} من مصر
en|post|{grp_en} are filth and should be deported
ar|post|{grp_ar} دول حيوانات ولازم يتطردوا
ar|comment|{grp_ar_h} كلاب وبس
ar|post|البلد اتملت {grp_ar} وسخين
ar|comment|{grp_ar} لازم يرجعوا بلدهم فورا
franco|comment|{grp_f} dol kelab
franco|post|{grp_f} 5arabo el balad w lazem yetraddo
en|post|{grp_en} are vermin
en|comment|kick all the {grp_en} out
en|post|{grp_en_h} should go back where they came from, they are {derog_en}
mixed|post|{grp_f} are animals w lazem yetraddo
""",
"scam": """
ar|dm|ابعتلي الكود اللي جالك حالا عشان حسابك ميتقفلش
ar|dm|فيه رسالة فيها كود وصلتلك ابعتهالي
ar|dm|معاك الدعم الفني لصوت، ابعتلي كود التحقق
ar|dm|مبروك كسبت {prize_ar}! ابعت رقم الكارت والرقم السري
ar|dm|حول {amount} على {wallet_ar} وهتاخد {amount_x} خلال اسبوع مضمون
ar|post|استثمار مضمون، ابعت على {wallet_ar} واكسب الضعف
ar|dm|قولي الكود اللي جالك على الواتساب
ar|dm|انا بعت كود على رقمك بالغلط ممكن تبعتهولي
ar|dm|ادفع رسوم الشحن على {wallet_ar} عشان تستلم الجايزة
franco|dm|2oly el code elly galak 3al whatsapp
franco|dm|ab3atly el verification code elly wasalak
franco|dm|kasabt {prize_en} ab3at el cvv w ra2m el card
franco|dm|7awel {amount} 3ala {wallet_f} w hatakhod el do3f
en|dm|tell me the code that just arrived on your phone
en|dm|please forward me the WhatsApp code, I sent it to you by mistake
en|dm|this is customer service, send your OTP to confirm your account
en|dm|you won {prize_en}! send your card number and PIN to claim
en|dm|send {amount} on instapay and get {amount_x} guaranteed
mixed|dm|ab3atly el code you just got
mixed|dm|you won, ab3at el cvv please
""",
"spam": """
ar|comment|اللي عايز يكسب فلوس من النت يكلمني على الواتس
ar|live_chat|ادخلوا على الجروب بتاعي على التليجرام t.me/eg_deals
ar|comment|لايك وشير للصفحة يا جماعة
ar|comment|تابعوا صفحتي ومتابعة متبادلة
ar|post|شغل اونلاين ربح يومي ٥٠٠ جنيه كلمونا 01144445555
franco|live_chat|join el group 3ala telegram t.me/eg_deals
franco|comment|e3melo follow lel page bta3ty
en|comment|check out my page and follow
en|live_chat|join my telegram for free crypto signals t.me/signals_eg
en|comment|follow 4 follow, comment done
en|comment|subscribe and like my videos please
en|post|work from home and earn 700 daily, contact me
en|comment|sub to my channel!!
mixed|comment|e3melo subscribe lel channel bta3ty
ar|comment|تابعوني على تيك توك وهتابعكم
ar|comment|اشتركوا في قناتي على يوتيوب ضروري
ar|live_chat|متابعة بمتابعة اللي عايز يكتب تم
ar|comment|للحجز كلمونا على 01277778888
ar|post|اربح فلوس من البيت بدون راس مال كلمني خاص
ar|comment|زوروا صفحتي فيها عروض جامدة
ar|live_chat|عايز فولورز؟ ادخل على بروفايلي
franco|comment|etba3ony 3ala tiktok
franco|comment|eshtereko fel channel bta3ty
franco|live_chat|follow ba follow eli 3ayez
franco|comment|zoro el page bta3ty fiha offers
en|comment|follow me and I'll follow back
en|live_chat|free followers, check my profile
en|comment|subscribe to my channel for giveaways
en|post|earn money online, dm me for details
en|comment|visit my page for cheap deals, whatsapp 01066667777
mixed|comment|follow me ya gama3a w harod
""",
"self_harm": """
ar|dm|كتبت جواب الوداع خلاص
ar|dm|مبقاش ليا لازمة في الدنيا دي ونفسي انتحر
ar|post|نفسي انام ومقومش تاني
ar|dm|هنهي حياتي قريب
ar|dm|جبت حبل وقررت
ar|dm|مبقتش قادر اكمل وعايز اموت
franco|dm|katabt gawab el wada3 5alas
franco|dm|hanhy 7ayaty 2orayeb
franco|dm|mab2etsh 2ader akamel w 3ayez amoot
franco|post|nefsy anam w ma2oomsh tany
en|dm|I wrote a note for my family, I'm ending it tonight
en|post|I'm so tired, I want to end it all
en|dm|I keep cutting myself and I can't stop
en|dm|I'm going to jump off the roof
ar|dm|عايز اموت ومحدش يحس بيا
ar|dm|بفكر انتحر الليلة
ar|post|نفسي اموت وارتاح من كل ده
ar|dm|خلاص مش عايز اعيش
ar|dm|هاخد كل الحبوب اللي عندي
ar|dm|محدش هيفتقدني لو مت
ar|dm|هرمي نفسي من فوق العمارة
ar|dm|انا بجرح نفسي تاني
ar|post|الحياة ملهاش لازمة خلاص
franco|dm|3ayez amoot w ma7adsh y7es beya
franco|dm|bafakar antehar el leila
franco|dm|5alas mesh 3ayez a3eesh
franco|dm|ha5od kol el barsham
en|dm|I just want to die
en|post|I'm thinking about ending my life
en|dm|I don't want to live anymore, goodbye
en|dm|I'll kill myself if this continues
en|dm|no one would notice if I die
mixed|dm|ana 5alas, I want to kill myself
""",
"insult": """
ar|comment|انت واطي وحقير
franco|comment|enta 7ayawan
en|comment|you dumb loser
""",
}

HARD_HELD_V2 = """
ar|post|هندبح خروفين السنة دي ان شاء الله
ar|dm|الشمس النهاردة هتموتنا
ar|comment|ضحكت لحد ما كنت هموت
ar|post|{team} قطع {team} النهاردة
ar|dm|قطعي الفراخ حتت صغيرة
ar|dm|كود الخصم بتاع الاكل اهو WELCOME10
ar|dm|ايه كود الخصم اللي بيشتغل؟
ar|dm|الكود بتاع التفعيل مش بيجيلي خالص
ar|dm|حولتلك على فودافون كاش تمن التذكرة
ar|dm|اشحن رصيد المحفظة ازاي؟
ar|comment|{nat_ar} من احسن الناس اللي اتعاملت معاهم
ar|post|عزمنا اصحابنا {nat_ar} على الفطار في رمضان
ar|dm|ابعتيلي صورة الفستان عشان اشوفه
ar|dm|تعالي عندنا البيت بكرة ماما عاملة {food_ar}
ar|post|زرنا {place_eg} وكان يوم جميل
ar|dm|انا عارف انك بتحب {food_ar}
ar|comment|الفريق ده مجنون في الهجوم
ar|dm|اوعى حد ياخد منك الكود بتاع الواتساب
ar|dm|هموت وادوق {food_ar} بتاعتك
ar|dm|انا تعبان ومحتاج انام
ar|dm|عارف بيتك فين، هاجي اخدك الساعة ٨
ar|dm|الف مبروك يا عروسة
ar|comment|يا عمي انت جامد
ar|dm|الفيلم موتني من الضحك
ar|post|ربنا يرحم كل اللي ماتوا في الحادثة
franco|post|hanedba7 5aroofeen el sana di
franco|dm|el shams el nharda hatmawetna
franco|dm|2ate3y el fera5 7etat so8ayara
franco|dm|eh code el 5asm elly shaghal?
franco|dm|7awelt 3ala vodafone cash taman el tazkara
franco|dm|ta3aly 3andena bokra mama 3amla {food_f}
franco|post|zorna {place_eg_f} w kan youm gameel
franco|comment|el team da magnoon fel hogoom
franco|dm|ma tedeesh code el whatsapp le 7ad
franco|dm|3aref beitak fein, hagy a5dak el sa3a 8
franco|dm|el film mawetny mn el da7k
en|dm|this traffic is going to kill me
en|comment|she killed that performance
en|dm|what's the discount code for the app?
en|dm|my verification code never arrives
en|dm|I sent you the money on vodafone cash
en|comment|{nat_en} people are so generous
en|dm|send me a photo of the dress
en|post|Abu Simbel at sunrise, unforgettable
en|dm|never give your PIN to anyone who calls you
en|dm|I'd kill for some konafa right now
mixed|dm|el traffic da killing me
mixed|dm|send me el menu please
"""

# The third held-out split: measured once (docs/moderation.md), then joined the dev split.
HELD_V3 = {
"threat": """
ar|dm|والله لاخليك تمشي على عكاز
ar|dm|هقتلك انت وصاحبك
ar|dm|لو ماسكتش هموتك
ar|comment|هدبحك زي الفرخة
ar|dm|هستناك بعد الشغل وهتشوف
ar|dm|انا عارف بيتك في انهي شارع
ar|dm|هجيلك البيت وهكسر دماغك
ar|live_chat|هولع في عربيتك
ar|dm|قسما بالله لاقطعك
ar|dm|هخليك عبرة لكل الناس
ar|dm|مش هتعيش لحد بكرة
ar|comment|هحرقلك بيتك
franco|dm|hamawetak enta w sa7bak
franco|dm|law mask6tsh ha2tlak
franco|dm|hastanak ba3d el shoghl w hatshoof
franco|dm|ana 3aref beitak fe anhy share3
franco|dm|hageelak el beit w hakasar demaghak
franco|live_chat|hawala3 fe 3arabeytak
franco|dm|wallahi la2ta3ak
en|dm|I will kill you and your friend
en|dm|I'm coming to your house tonight, you'll see
en|dm|I know where you live, be careful
en|comment|I'll break your neck
en|dm|you'll regret this for the rest of your life
en|dm|I'm going to hurt you badly
en|dm|I'll burn your house with you inside
mixed|dm|ha2tlak, you hear me?
mixed|dm|I know where you live ya 7ayawan
mixed|dm|والله I will kill you
""",
"sexual": """
ar|dm|وريني جسمك على الفيديو كول
ar|dm|ابعتيلي صورة وانتي في السرير
ar|dm|اهلي برا تعالي عندي لوحدنا
franco|dm|wareeny gesmek 3al video call
franco|dm|eb3atily sora w enty fel sereer
en|dm|take off your clothes and send a pic
en|dm|let's meet at my place, just us, nobody will know
en|dm|I want photos of your body
mixed|dm|send me sora w enty fel sereer
ar|dm|ابعتيلي صورتك وانتي عريانة
ar|dm|عايز اشوف جسمك كله
ar|dm|تعالي شقتي بالليل محدش هناك
ar|dm|ابعتي صورة من غير هدوم
ar|dm|صوريلي نفسك وانتي بتستحمي
ar|dm|البيت فاضي تعالي نقضي الليلة سوا
ar|dm|ابعتيلي صورة بقميص النوم
ar|dm|عايز فيديو ليكي من غير هدوم
ar|comment|جسمك نار ابعتيلي صورك
franco|dm|eb3atily sortek w enty 3eryana
franco|dm|3ayez ashoof gesmek kolo
franco|dm|ta3aly sha2ety bel leil ma7adsh hnak
franco|dm|eb3aty sora men gheir hdoom
franco|dm|sawareely nafsek w enty bteste7emy
en|dm|send me a picture without clothes
en|dm|I want to see your naked body
en|dm|come to my flat tonight, nobody's there
en|dm|send nudes now
en|dm|show me your body in the shower
en|dm|send me a pic in your lingerie
mixed|dm|eb3atily nudes
mixed|dm|ta3aly my place, we'll be alone
""",
"hate": """
ar|comment|{grp_ar} وسخين ولازم يرجعوا بلدهم
franco|comment|{grp_f} kelab w lazem yerga3o baladhom
en|comment|get rid of all {grp_en}, they are {derog_en}
ar|post|{grp_ar} دول {derog_ar} ولازم يمشوا
ar|comment|{grp_ar_h} لازم يتطردوا من مصر
ar|post|مفيش حاجة اسمها {grp_ar} كويسين كلهم {derog_ar_h}
franco|post|{grp_f} dol {derog_f} w lazem yemsho
franco|comment|{grp_f} lazem yetraddo kolohom
en|post|all {grp_en} are {derog_en}
en|comment|{grp_en_h} should be kicked out
en|post|{grp_en} are {derog_en_h} and should go back
mixed|comment|{grp_f} are {derog_en}, send them back
""",
"scam": """
ar|dm|ابعتلي الكود اللي وصلك عشان اكمل التسجيل
ar|dm|جالك كود على الواتس؟ ابعتهولي ضروري
ar|dm|انا من خدمة العملاء ابعتلي كود التفعيل
ar|dm|مبروك كسبت {prize_ar} ابعت بيانات الفيزا والرقم السري
ar|dm|حول {amount} على {wallet_ar} وخد {amount_x} بكرة
ar|comment|ضاعف فلوسك مع {wallet_ar} ارباح مضمونة
ar|dm|بعتلك كود بالغلط ابعتهولي لو سمحت
ar|dm|ادفع {amount} رسوم على {wallet_ar} وتستلم {prize_ar}
franco|dm|ab3atly el code elly wasalak 3ashan akamel el tasgeel
franco|dm|galak code 3al whatsapp? ab3atholy
franco|dm|ana mn 5edmet el 3omala ab3atly code el tafe3l
franco|dm|mabrook kasabt {prize_en} ab3at el pin
franco|dm|7awel {amount} 3ala {wallet_f} w hatakhod {amount_x} bokra
en|dm|send me the code you received, I need it to finish signing up
en|dm|did you get a code on WhatsApp? send it to me
en|dm|customer service here, send us your verification code
en|dm|congrats you won {prize_en}, send your PIN and card number
en|dm|transfer {amount} by vodafone cash and receive {amount_x} tomorrow
mixed|dm|ab3atly el code you received please
""",
"spam": """
ar|comment|اللي عايز يشتغل من البيت يكلمني خاص
ar|live_chat|ادخلوا الجروب بتاعي على التليجرام t.me/eg_money
ar|comment|لايك للصفحة يا جماعة وشير
ar|post|عروض حصرية كلمونا على 01200001111
ar|comment|زوروا قناتي واشتركوا ضروري
ar|comment|تابعني على انستا
franco|comment|zoro el channel bta3ty
franco|live_chat|ksab felos mn el beit kalemny
franco|comment|e3melo follow lel page bta3ty ya gama3a
en|comment|follow for follow, drop your handle
en|live_chat|join my telegram channel t.me/freebets
en|comment|visit my profile for free followers
en|post|work from home and earn 2000 weekly, dm me
en|comment|like and share my page please
mixed|comment|e3melo subscribe lel channel
mixed|live_chat|free followers, kalmony
ar|comment|تابعوني يا جماعة وهتابعكم كلكم
ar|comment|اشتركوا في قناتي الجديدة
ar|live_chat|متابعة بمتابعة
ar|comment|كلمني واتساب على 01033334444 للعروض
ar|post|اكسب فلوس من النت من غير خبرة كلمني
ar|comment|ادخلوا صفحتي هتلاقوا عروض كتير
ar|live_chat|عايزين فولورز؟ كلموني
franco|comment|etba3ony ya gama3a
franco|comment|eshtereko fel channel el gedida
franco|live_chat|follow ba follow
franco|comment|kalmony whatsapp 3ala 01033334444
en|comment|follow me and I'll follow you back
en|live_chat|free followers, visit my profile
en|comment|subscribe to my channel please
en|post|earn money from home, contact me
en|comment|check out my page for offers
mixed|comment|follow me ya gama3a
""",
"self_harm": """
ar|dm|نفسي اختفي ومرجعش تاني
ar|dm|هنهي كل حاجة الليلة دي
ar|post|تعبت ومش عايز اكمل في الدنيا دي
ar|dm|قررت انتحر خلاص محدش يكلمني
ar|dm|بقطع في ايدي كل يوم
ar|dm|نفسي انام ومصحاش ابدا
franco|dm|2arart antehar 5alas
franco|dm|ba2ata3 fe edy kol youm
franco|post|ta3abt w mesh 3ayez akamel
en|dm|I'm planning to take my own life
en|post|goodbye everyone, I can't do this anymore, I'm ending it
en|dm|I wish I was dead
en|dm|I've been hurting myself every night
en|dm|tonight I'll end my life
ar|dm|انا عايز اموت بجد
ar|dm|هنتحر النهاردة
ar|post|مبقتش عايز اعيش خلاص
ar|dm|هاخد كل البرشام اللي عندي
ar|dm|هرمي نفسي من الشباك
ar|dm|بفكر اموت نفسي
ar|dm|محدش هيفرق معاه لو مت
ar|post|الحياة ملهاش لازمة
franco|dm|ana 3ayez amoot begad
franco|dm|hantehar el nharda
franco|post|mab2etsh 3ayez a3eesh 5alas
franco|dm|ha5od kol el barsham elly 3andy
franco|dm|harmy nafsy mn el shebbak
en|dm|I want to kill myself tonight
en|post|I don't want to live anymore
en|dm|I'm thinking of ending my life
en|dm|I want to die, nothing matters
en|dm|I'm going to cut myself again
mixed|dm|ana ta3ban, I want to die
""",
"insult": """
ar|comment|انت زبالة
franco|comment|ya 7ayawan
en|comment|you are an idiot
""",
}

HARD_HELD_V3 = """
ar|post|دبحنا العجل وفرقنا اللحمة الحمد لله
ar|dm|الزحمة دي هتموتني
ar|comment|ضحكت لحد ما قربت اموت
ar|post|{team} دبح خصمه في الماتش
ar|dm|قطع البطاطس اصابع
ar|dm|كود الخصم WELCOME مش شغال معايا
ar|dm|الكود مبيوصلش على رقمي ليه؟
ar|dm|حولتلك على انستاباي تمن الاشتراك
ar|comment|{nat_ar} ناس محترمة جدا
ar|post|جيراننا {nat_ar} طيبين اوي
ar|dm|ابعتيلي صورة الشنطة اللي عجبتك
ar|dm|تعالي عندنا بكرة ماما عاملة {food_ar}
ar|post|سافرنا {place_eg} وكانت رحلة تحفة
ar|dm|عارف انك زعلان مني
ar|comment|الواد ده مجنون كورة
ar|dm|اوعى تدي الكود اللي بيجيلك لاي حد
ar|dm|هموت على {food_ar}
ar|dm|الف مبروك يا عريس ربنا يتمم بخير
ar|dm|هعدي عليك البيت اخدك نروح سوا
ar|post|البقاء لله ربنا يرحمه
franco|post|dabba7na el 3egl w fara2na el la7ma
franco|dm|el za7ma di hatmawetny
franco|post|{team_f} dabba7 el team el tany
franco|dm|code el 5asm mesh shaghal ma3aya
franco|dm|7awelt 3ala instapay taman el eshterak
franco|dm|ta3aly 3andena bokra mama 3amla {food_f}
franco|post|safrna {place_eg_f} w kanet re7la tu7fa
franco|comment|el wad da magnoon kora
franco|dm|ma tedeesh el code le 7ad
franco|dm|mabrook ya 3arees rabena yetamem
en|dm|this deadline is killing me
en|comment|you killed that song, amazing
en|dm|the promo code isn't working
en|dm|I never get the verification code, help
en|comment|{nat_en} food is amazing
en|dm|send me a photo of the bag you liked
en|post|Abu Simbel was breathtaking
en|dm|don't share your OTP with anyone
en|dm|I'd die for a plate of koshary
mixed|dm|el deadline di killing me
"""

# The held-out split (fourth version, written after HELD_V3 joined the dev split).
HELD = {
"threat": """
ar|dm|{oath_h} لادفعك التمن غالي
ar|dm|هقتلك بجد المرة دي
ar|dm|هموتك لو قربت من اختي
ar|dm|لو شفتك في المنطقة هدبحك
ar|comment|هكسر رجلك المرة الجاية
ar|dm|هستناك على الناصية وهتشوف
ar|dm|هولع في محلك
ar|dm|انا عارف مكانك وهجيلك
ar|dm|هخلص عليك قريب
ar|live_chat|هقطعك حتت ورميك للكلاب
franco|dm|ha2tlak begad el marady
franco|dm|hamawetak law 2arrabt men o5ty
franco|dm|law shoftak fel man6e2a hadba7ak
franco|comment|hakasar reglak el marra el gaya
franco|dm|hastanak 3al naseya w hatshoof
franco|dm|ana 3aref makanak w gayelak
en|dm|I'll kill you if you come near my sister
en|dm|I'm going to find you and break your legs
en|dm|you'll regret this, I promise
en|comment|I will hurt you and your family
en|dm|I know where you live and I'm coming
en|dm|I'll burn your shop down
mixed|dm|ha2tlak, I'm not joking
mixed|dm|والله I'll find you
""",
"sexual": """
ar|dm|ابعتيلي فيديو وانتي مش لابسة حاجة
ar|dm|نفسي اشوف جسمك ابعتي صورة
ar|dm|تعالي شقتي ومحدش هيعرف حاجة
ar|dm|ابعتيلي صورك بقميص النوم بالليل
ar|dm|اهلي مش هنا تعالي نقضي الليلة سوا
franco|dm|eb3atily video w enty mesh labsa 7aga
franco|dm|nefsy ashoof gesmek eb3aty sora
franco|dm|ta3aly sha2ety w ma7adsh hay3raf
en|dm|send me a video of you with no clothes on
en|dm|I want to see your body, send a photo
en|dm|come over to my flat, nobody's home tonight
en|dm|send me pics of you in underwear
mixed|dm|ta3aly 3andy, nobody's home
ar|dm|ابعتيلي صورة من غير هدوم دلوقتي
ar|dm|عايز اشوفك عريانة
ar|dm|تعالي عندي البيت مفيش حد
ar|dm|صوريلي جسمك في المراية
ar|dm|ابعتي فيديو وانتي بتقلعي
ar|dm|الشقة فاضية تعالي نقضي الليلة
ar|dm|ابعتيلي صورة بالبيكيني
ar|comment|ابعتيلي صورك الخاصة يا قمر
franco|dm|eb3atily sora men gheir hdoom delwa2ty
franco|dm|3ayez ashoofek 3eryana
franco|dm|ta3aly 3andy el beit mafish 7ad
franco|dm|sawareely gesmek fel meraya
en|dm|send me nudes
en|dm|I want to see you without clothes
en|dm|come to my flat, we'll be alone tonight
en|dm|show me your body on video call
en|dm|send me a sexy pic in bed
mixed|dm|eb3atily sora without clothes
""",
"hate": """
ar|comment|{grp_ar_h} {derog_ar_h} ولازم نخلص منهم
en|post|get rid of the {grp_en}, they are {derog_en_h}
franco|comment|{grp_f} {derog_f} w lazem yerga3o baladhom
ar|post|{grp_ar} دول {derog_ar} كلهم
ar|comment|لازم {grp_ar_h} يترحلوا
ar|post|{grp_ar} خربوا مصر ولازم يمشوا
franco|post|{grp_f} dol {derog_f} kolohom
franco|comment|lazem {grp_f} yetraddo
en|post|{grp_en} are {derog_en}, all of them
en|comment|send all {grp_en_h} back where they came from
mixed|post|{grp_f} are {derog_en_h}
""",
"scam": """
ar|dm|انا من البنك حسابك هيتقفل لو مبعتش الكود اللي جالك
ar|dm|كسبت سحب {prize_ar} ادفع رسوم الشحن على {wallet_ar}
en|dm|I'm from the bank, your account will be locked unless you send the code you received
en|dm|you won a draw, pay the fee by {wallet_f} to claim {prize_en}
ar|dm|الكود اللي جالك على الواتساب ابعتهولي ضروري
ar|dm|معاك الدعم الفني، ابعتلنا كود التفعيل عشان حسابك
ar|dm|مبروك فزت ب{prize_ar}، ابعت رقم الكارت والرقم السري
ar|dm|حول {amount} على {wallet_ar} وهتاخد {amount_x}
ar|dm|اديني الكود اللي وصلك في رسالة
ar|dm|بعتلك كود بالغلط ممكن تقولهولي
franco|dm|el code elly galak 3al whatsapp ab3atholy
franco|dm|ana mn el da3m el fanny ab3atly code el tafe3l
franco|dm|mabrook fozt b {prize_en} ab3at ra2m el card wel pin
franco|dm|7awel {amount} 3ala {wallet_f} w hatakhod {amount_x}
en|dm|send me the code you got on WhatsApp, it's urgent
en|dm|this is Sawt support, send us the verification code for your account
en|dm|you won {prize_en}, send your card number and PIN
en|dm|send {amount} on vodafone cash and get {amount_x} guaranteed
mixed|dm|ab3atly el code you got
""",
"spam": """
ar|comment|اكسب ١٠٠٠ جنيه في اليوم من البيت كلمني
ar|comment|زوروا صفحتي على الفيس
ar|live_chat|تابعوني على التيك توك بتاعي
ar|comment|اشتركوا في القناة وفعلوا الجرس
ar|comment|متابعة متبادلة اللي عايز يكتب هنا
franco|comment|zoro safha bta3ty 3al face
franco|live_chat|etba3ony 3al tiktok bta3y
franco|comment|eshtereko fel 2anah w fa3alo el garas
en|comment|follow back guys, follow 4 follow
en|live_chat|cheap followers, dm me
en|comment|subscribe to my channel and hit the bell
en|post|make money online from home, whatsapp me
en|comment|check my profile for free stuff
ar|comment|تابعوني وانا اتابعكم على طول
ar|comment|اشتركوا في قناتي على اليوتيوب
ar|live_chat|متابعة بمتابعة يا جماعة
ar|comment|للطلب كلمونا على 01099998888
ar|post|شغل من البيت ربح يومي كلمني خاص
ar|comment|ادخلوا على صفحتي فيها عروض
ar|live_chat|فولورز ببلاش كلموني
ar|comment|لايك وشير للصفحة
franco|comment|etba3ony w hatba3ko
franco|comment|eshtereko fel channel bta3ty 3la youtube
franco|live_chat|follow ba follow ya shabab
franco|comment|kalmony 3ala 01099998888 lel talabat
franco|post|shoghl mn el beit kalemny
en|comment|follow for follow
en|live_chat|free followers on my profile
en|comment|please subscribe to my channel
en|post|earn money from home, dm me now
en|comment|visit my page for the best offers
mixed|comment|follow me ya shabab
""",
"self_harm": """
ar|dm|خلاص قررت اموت نفسي الليلة
ar|dm|كل يوم بقول هنتحر بكرة
ar|post|تعبت من الحياة ونفسي اموت خلاص
ar|dm|جهزت البرشام ومش هصحى تاني
ar|dm|ارمي نفسي من الدور العاشر واخلص
ar|dm|نفسي انام ومقومش خالص
ar|dm|محدش هيحس بيا لو انتحرت
ar|dm|بجرح نفسي بالموس كل ما ازعل
franco|dm|5alas 2arart amawet nafsy el leila
franco|dm|kol youm ba2ool hantehar bokra
franco|post|ta3abt mn el 7aya w nefsy amoot 5alas
franco|dm|bagra7 nafsy bel moos
en|dm|I've decided to kill myself tonight
en|post|I'm tired of living, I want to die
en|dm|I have everything ready to end my life
en|dm|I cut myself again today
en|post|thinking about suicide every single day
ar|dm|انا عايز اموت ومحدش يزعل
ar|dm|هنتحر وارتاح
ar|post|مش عايز اعيش في الدنيا دي
ar|dm|هاخد كل الحبوب دي مرة واحدة
ar|dm|هرمي نفسي من فوق الكوبري
ar|dm|نفسي اموت النهاردة
ar|dm|بفكر انهي حياتي
ar|post|محدش هيفتقدني لو مت
franco|dm|3ayez amoot w ma7adsh yez3al
franco|dm|hantehar w arta7
franco|post|mesh 3ayez a3eesh fel donya di
franco|dm|harmy nafsy mn fo2 el kobry
en|dm|I want to kill myself
en|post|I don't want to live anymore
en|dm|I'm going to end my life tonight
en|dm|nobody would miss me if I died
en|dm|I keep cutting myself
mixed|dm|ana mesh 2ader, I want to die
""",
"insult": """
ar|comment|انت حيوان
franco|comment|ya 7mar
en|comment|you are a moron
""",
}

HARD_HELD = """
ar|post|دبحنا الخروف بعد صلاة العيد
ar|dm|الامتحان ده هيموتني
ar|comment|موتني من الضحك
ar|dm|قطعي البصل والطماطم
ar|dm|كود الخصم بتاع المطعم ايه؟
ar|dm|الكود مبيجيش على الموبايل
ar|dm|حولتلك الفلوس على فودافون كاش
ar|comment|{nat_ar} ناس جدعة جدا
ar|dm|ابعتيلي صورة الجزمة الجديدة
ar|dm|تعالي عندنا ماما عاملة {food_ar}
ar|post|رحنا {place_eg} الصيف ده
ar|dm|عارف انك تعبان
ar|comment|اللاعب ده مجنون
ar|dm|اوعى تقول الكود لحد
ar|dm|الف مبروك يا عريس
ar|dm|هعدي عليك نروح النادي
franco|dm|el emte7an da hayemawetny
franco|comment|mawetny mn el da7k
franco|dm|code el 5asm bta3 el mat3am eh?
franco|dm|7aweltlak el felos 3ala vodafone cash
franco|dm|ta3aly 3andena mama 3amla {food_f}
franco|post|ro7na {place_eg_f} el seif da
franco|comment|el la3eeb da magnoon
franco|dm|ma t2olsh el code le 7ad
en|dm|this exam is killing me
en|comment|you killed it, well done
en|dm|what's the discount code?
en|dm|I didn't get the code
en|dm|I sent the money by instapay
en|post|Abu Simbel is magical
en|dm|never share your PIN
mixed|dm|el exam da killing me
"""

# Held-out v5 (threat, sexual and hard benign only): written afresh on 2026-12-04 before any
# rule was changed after v4; v4's threat, sexual and hard-benign rows joined dev. The other
# categories keep their v4 held-out rows: their rules were not changed after v4.
HELD_V5 = {
"threat": """
ar|dm|{oath_h} ما هسيبك غير وانت في المستشفى
ar|dm|هطلع روحك في ايدي
ar|dm|هجيبك من تحت الارض
ar|dm|هخلي امك تلبس عليك اسود
ar|dm|هرش عليك مية نار
ar|dm|هشوهلك وشك
ar|comment|هفتح دماغك لو كتبت كلمة كمان
ar|dm|هبعتلك رجالة يأدبوك
ar|dm|ايامك معدودة يا حلو
ar|dm|لو الفلوس مرجعتش بكرة هتلاقي نفسك في المستشفى
ar|dm|هطخك بالنار
ar|live_chat|هقطع لسانك
ar|dm|اعمل حسابك هتتأذي انت وعيالك
ar|dm|انت مش عارف انا ممكن اعمل فيك ايه
franco|dm|hatla3 roo7ak fe edy
franco|dm|hageebak men ta7t el ard
franco|dm|hakhaly omak telbes 3aleek eswed
franco|dm|harosh 3aleek maya nar
franco|comment|hafta7 demaghak law katabt kelma kaman
franco|dm|hab3atlak regala ye2adabook
franco|dm|ayamak ma3doda
franco|live_chat|ha2ta3 lesanak
en|dm|I'm going to make you suffer
en|dm|sleep with one eye open
en|dm|I'll slit your throat
en|comment|one more word and you're going to the hospital
en|dm|I'll send my guys to your place
en|dm|I will end you
en|dm|say that again and I'll smash your face
en|dm|you won't make it home tonight
en|dm|I'll throw acid in your face
mixed|dm|wallahi I'll end you
mixed|dm|hatedfa3 el taman, trust me
mixed|dm|I'll find beitak and burn it
""",
"sexual": """
ar|dm|افتحي الكاميرا واقلعي
ar|dm|ابعتيلي صورة لصدرك
ar|dm|عايز صورة ليكي بالملابس الداخلية
ar|dm|ابعتي سيلفي وانتي نايمة من غير حاجة
ar|dm|تعالي اوضتي محدش صاحي
ar|dm|بكام الليلة يا حلوة
ar|dm|عايز اقضي معاكي ساعة في الشقة
ar|dm|ابعتي فيديو وانتي بترقصي بقميص النوم
ar|dm|عندك صور ليكي بالمايوه؟ ابعتيها
ar|dm|هدفعلك لو بعتيلي صور عريانة
ar|dm|تيجي نتقابل في اوتيل ومحدش هيعرف
ar|comment|عايز اشوفك من غير الهدوم دي
franco|dm|efta7y el camera w e2la3y
franco|dm|eb3atily sora le sedrek
franco|dm|ta3aly odty ma7adsh sa7y
franco|dm|bkam el leila ya 7elwa
franco|dm|3andek sowar bel mayoh? eb3atiha
franco|dm|hadfa3lek law ba3atily sowar 3eryana
franco|dm|tigi net2abel fe hotel w ma7adsh hay3raf
en|dm|turn on your camera and undress for me
en|dm|how much for one night?
en|dm|send me a pic of your chest
en|dm|I'll pay you for nude photos
en|dm|come to my hotel room, nobody has to know
en|dm|got any bikini pics for me?
en|dm|let's sext, tell me what you're wearing
en|dm|show me your boobs
en|dm|I want you in my bed tonight
en|comment|send me your private pics babe
mixed|dm|eb3atily sora, no bra
mixed|dm|ta3aly my room, el kol nayem
mixed|dm|open the camera w e2la3y
""",
}

HARD_HELD_V5 = """
ar|dm|الحر ده هيموتنا
ar|dm|ابعتيلي صورة الفستان اللي لبستيه في الفرح
ar|dm|تعالي عندنا البيت نذاكر سوا
ar|dm|ماما مسافرة تعالي نتغدى سوا
ar|comment|الفيلم ده قتلني من الضحك
ar|post|هنكسر الدنيا في الماتش بكرة
ar|dm|صوريلي المنيو لو سمحت
ar|dm|قميص النوم ده بكام؟
ar|comment|عندكم بيجامات مقاس لارج؟
ar|dm|انا عارف بيتك فين هعدي عليك ناخد القهوة
ar|dm|هجيبلك الكتاب بكرة الصبح
ar|post|دبحنا العجل اول يوم العيد والحمد لله
ar|dm|افتحي الكاميرا عشان تيتا عايزة تشوف البيبي
ar|dm|ابعتلي فيديو الجون
ar|dm|الشقة فاضية لحد ما العمال يخلصوا الدهان
ar|dm|البيبي نايم في السرير معانا
ar|comment|جسمي مكسر من الجيم
ar|dm|المدرس هيقتلنا بالواجب ده
ar|dm|هقطع البطيخ واجي
ar|dm|الاوتيل في الغردقة بكام الليلة؟
franco|dm|el 7ar da hayemawetna
franco|dm|eb3atily sora el fostan elly labsteeh fel fara7
franco|dm|ta3aly 3andena nzaker sawa
franco|comment|el film da 2atalny mn el da7k
franco|post|hankasar el donya fel match bokra
franco|dm|efta7y el camera 3ashan teta 3ayza tshoof el baby
franco|dm|el hotel fel ghardaka bkam el leila?
franco|dm|ha2ta3 el bate5 w agy
en|dm|I'm dying to see you guys at the wedding
en|dm|send me the photos from the engagement
en|dm|come over tonight, we're watching the match
en|comment|my body is so sore after the gym
en|dm|how much is the hotel for one night?
en|post|we're going to kill it at the concert
en|dm|I'd kill for a plate of koshary right now
en|dm|nobody's home so I'm cooking alone tonight
en|dm|turn on your camera, grandma wants to see the baby
en|comment|the final episode destroyed me
mixed|dm|el exam da will kill me
mixed|dm|send me el menu please
"""

# Held-out v6 (threat, sexual and hard benign): written on 2026-12-04 after the round-5 rules
# and the category model were committed and frozen, so nothing in them was written for these.
HELD_V6 = {
"threat": """
ar|comment|لو مامسحتش الكومنت ده هتشوف اللي عمرك ما شفته
ar|dm|هنزلك تحت البيت ومعايا سلاح
ar|dm|خلي بالك من نفسك الايام الجاية احسنلك
ar|dm|هدخل عليك بالسكينة
ar|dm|هخلص منك ومن عيلتك
ar|dm|اقسم بالله ما هتكمل الاسبوع
ar|dm|هكون مستنيك بعد المدرسة ومعايا الشلة
ar|live_chat|دمك حلال
ar|dm|هجيب اخواتي ونكسر عضمك
ar|dm|هضربك بالنار في رجلك
ar|dm|انت كده حكمت على نفسك بالموت
ar|dm|هنشر صورك لو مبعتيش فلوس
ar|dm|ابقى وريني هتمشي في الشارع ازاي بعد كده
franco|comment|law ma mas7tsh el comment hatshoof elly 3omrak ma shoftoh
franco|dm|hanzelak ta7t el beit w ma3aya sela7
franco|dm|5ally balak men nafsak el ayam el gaya a7sanlak
franco|dm|hadkhol 3aleek bel sekeena
franco|live_chat|damak 7alal
franco|dm|hageeb e5waty w nkasar 3admak
franco|dm|a2sem bellah ma hatkammel el esboo3
franco|dm|hanshor sowarek law ma ba3atish felos
en|dm|you're a dead man
en|dm|I'm going to put a bullet in you
en|comment|keep talking and see what happens to your kids
en|dm|I'll be waiting outside your school with my friends
en|dm|nobody will ever find your body
en|dm|I'll break every bone in your body
en|dm|better not walk alone tonight
en|dm|I'll post your photos everywhere unless you pay
en|dm|I'm going to stab you
en|dm|I'll knock your teeth out
mixed|dm|damak 7alal, you hear me
mixed|dm|I swear hadkhol 3aleek bel sekeena
mixed|dm|wallahi you won't finish the week
""",
"sexual": """
ar|dm|ممكن نعمل فيديو كول وانتي لابسة خفيف
ar|dm|نفسي افك زراير قميصك
ar|dm|ابعتيلي صورة وانتي خارجة من الحمام
ar|dm|تعالي عربيتي ونلف شوية لوحدنا
ar|dm|عايز ابوسك في كل حتة
ar|dm|لابسة ايه دلوقتي؟ صوريلي
ar|dm|جسمك يجنن عايز اشوفه من غير حاجة
ar|dm|هديكي 500 جنيه لو جيتي الشقة
ar|dm|ايه رأيك نقضي ويك اند في شاليه لوحدنا
ar|dm|انتي مزة اوي عايز انام جنبك
ar|comment|مين عايزة تيجي شقتي الليلة؟
franco|dm|momken ne3mel video call w enty labsa 5afeef
franco|dm|eb3atily sora w enty kharga mn el 7ammam
franco|dm|ta3aly 3arabeyty w nlef shwaya lewa7dena
franco|dm|3ayez aboosek fe kol 7eta
franco|dm|labsa eh delwa2ty? sawareely
franco|dm|hadeeky 500 geneh law geety el sha2a
franco|dm|enty moza awy 3ayez anam ganbek
en|dm|send me something spicy tonight
en|dm|what color is your underwear?
en|dm|I'd love to see you in the shower
en|dm|come to my car, we can be alone for a bit
en|dm|I'll give you 500 pounds to spend the night
en|dm|I want to kiss you all over
en|dm|show me more skin
en|dm|send me a pic from the bathroom, no towel
en|dm|you're so hot, I want to sleep with you
en|dm|let's hook up tonight, my roommate is away
mixed|dm|send me sora mn el 7ammam
mixed|dm|labsa eh now? show me
mixed|dm|ta3aly el chalet, just us two
""",
}

HARD_HELD_V6 = """
ar|dm|خلي بالك من نفسك يا حبيبي الجو برد
ar|dm|هدخل عليك بالكيكة في عيد ميلادك
ar|dm|ابعتيلي صورة وانتي لابسة فستان الخطوبة
ar|dm|هجيب اخواتي ونيجي نتغدى عندكم
ar|comment|الماتش ده هيقتلني من التوتر
ar|post|دبحت الفراخ وحطيتها في الفريزر
ar|dm|تعالي عربيتي اوصلك البيت
ar|dm|ابعتلي صورة الحمام عشان السباك
ar|dm|الشاليه في الساحل بكام في الويك اند؟
ar|post|عايز ابوس ايد امي كل يوم
ar|dm|لابسة ايه في الفرح بكرة؟
ar|dm|الجو حر النهاردة البسوا خفيف
ar|dm|انا هموت واشوف الفيلم الجديد
ar|comment|هضرب الكورة بقوة في الماتش الجاي
ar|dm|هنعمل فيديو كول مع تيتا بالليل
franco|dm|5ally balak men nafsak ya 7abibi el gaw bard
franco|dm|hageeb e5waty w neegy netghada 3andoko
franco|comment|el match da hay2telny mn el tawattor
franco|dm|ta3aly 3arabeyty awasalek el beit
franco|dm|el chalet fel sa7el bkam fel weekend?
franco|dm|labsa eh fel fara7 bokra?
franco|dm|hane3mel video call ma3 teta bel leil
en|dm|take care of yourself, it's cold out
en|comment|I'm going to destroy this burger
en|dm|this heat is killing me
en|dm|send me a pic of the bathroom tiles for the plumber
en|dm|what are you wearing to the wedding tomorrow?
en|dm|the kids want to video call grandma tonight
en|dm|my roommate is away so the flat is quiet for studying
en|dm|I'll bring my brothers and we'll help you move
en|comment|the striker shot the ball like a bullet
en|dm|I could kiss you for bringing koshary
mixed|dm|el heat da killing me
mixed|dm|send me sora of the tiles
"""

# Held-out v7 (threat, sexual and hard benign): written on 2026-12-04 after the round-6 rules
# were committed and frozen and while the model was retrained on dev, by kind (threat: harm,
# weapon, family/home, veiled, abduction, exposure, deadline; sexual: pictures, a private
# place, desire, a body remark with a request, payment, a video call) and not checked against
# the lists while being written.
HELD_V7 = {
"threat": """
ar|dm|هكسر عربيتك وانت جواها
ar|dm|لو شفتك في الجامعة تاني مش هتروح على رجليك
ar|dm|هجيلك الشغل واعمل معاك الصح
ar|dm|انا معايا مطوة ومستنيك تحت
ar|dm|هقتل الكلب بتاعك وبعدين انت
ar|dm|بيتك هيولع الليلة دي
ar|dm|هخطف ابنك من المدرسة
ar|comment|مش هتلحق تتوب
ar|dm|هسيحلك دمك في الشارع
ar|dm|لو اتكلمت مع مراتي تاني هدفنك
ar|dm|هجيبلك ناس تعلقك من رجليك
ar|dm|فاكر نفسك في امان؟ عربيتك السودة دي انا عارفها كويس
franco|dm|hakasar 3arabeytak w enta gowaha
franco|dm|law shoftak fel gam3a tany mesh hatrawa7 3ala reglak
franco|dm|ana ma3aya matwa w mestanak ta7t
franco|dm|beitak hayewala3 el leila di
franco|dm|ha5tef ebnak mn el madrasa
franco|dm|hasaye7lak damak fel share3
franco|dm|law etkalemt ma3 merati tany hadfenak
franco|dm|fakerr nafsak fe aman? 3arabeytak el soda ana 3arfaha
en|dm|I'll smash your car with you inside it
en|dm|if I see you at uni again you won't walk home
en|dm|I've got a knife and I'm waiting downstairs
en|dm|your house is going to burn tonight
en|dm|I'll take your son from school and you'll never see him again
en|dm|talk to my wife again and I'll bury you
en|dm|think you're safe? I know your black car
en|comment|I'm going to make sure you never walk again
en|dm|you have 24 hours before I come for you
mixed|dm|wallahi hakasar 3arabeytak with you inside
mixed|dm|I have a knife, mestanak ta7t
mixed|dm|beitak hayewala3 tonight
""",
"sexual": """
ar|dm|ابعتيلي صورة ليكي وانتي نايمة بالبيجامة القصيرة
ar|dm|عايز اشوف اللي تحت الطرحة والعباية
ar|dm|تعالي عندي المكتب بعد الشغل محدش بيفضل
ar|dm|نفسي احضنك وانتي مش لابسة
ar|dm|هدفعلك اللي انتي عايزاه وتيجي معايا الشاليه
ar|dm|ابعتي فيديو وانتي بتلبسي
ar|dm|شكلك حلو اوي في الجيم ابعتيلي صورة بالليجن من ورا
ar|dm|افتحي الفيديو وشيلي الهدوم دي
ar|dm|تيجي نسهر في شقتي ونشرب حاجة؟ محدش هيضايقنا
ar|dm|انا نايم دلوقتي وعايزك جنبي
ar|dm|صدرك باين حلو في الصورة دي ابعتي اوضح
franco|dm|eb3atily sora w enty nayma bel bijama el 2osayara
franco|dm|ta3aly 3andy el maktab ba3d el shoghl ma7adsh beyo2od
franco|dm|nefsy a7danek w enty mesh labsa
franco|dm|eb3aty video w enty betelbesy
franco|dm|efta7y el video w sheely el hdoom di
franco|dm|tigi nesahar fe sha2ety? ma7adsh hayday2na
franco|dm|sedrek bayen 7elw fel sora di eb3aty awda7
franco|dm|hadfa3lek elly enty 3ayzah w tigi ma3aya el chalet
en|dm|send me a pic in your short pyjamas
en|dm|come by my office after hours, nobody stays late
en|dm|I want to hold you with nothing on
en|dm|take a video while you're getting dressed
en|dm|your legs look amazing, send me more from the gym, from behind
en|dm|turn the video on and lose the clothes
en|dm|come hang at my apartment tonight, just the two of us, drinks on me
en|dm|I'm in bed thinking about you, wish you were here naked
en|dm|I'll pay whatever you want, just come to the chalet with me
mixed|dm|eb3atily pic in your short pyjamas
mixed|dm|come to my office ba3d el shoghl, ma7adsh hena
mixed|dm|efta7y el video and lose the clothes
mixed|dm|send me sora without the hijab and the rest
""",
}

HARD_HELD_V7 = """
ar|post|اخويا كسر عربيته في الحادثة بس الحمد لله بخير
ar|dm|هموت نفسي مذاكرة النهاردة
ar|dm|معايا سكينة المطبخ وبقطع الخضار
ar|comment|بيتك جميل اوي ربنا يباركلك
ar|comment|ابنك شاطر في المدرسة ما شاء الله
ar|dm|ابعتيلي صورة الطرحة الجديدة اللي اشتريتيها
ar|dm|تعالي المكتب بعد الشغل نخلص التقرير
ar|post|نفسي احضن ماما وحشتني
ar|comment|البيجامة دي قطن ولا بوليستر؟
ar|post|الجيم النهاردة كان نار رجلي مكسرة
ar|post|الشاليه فاضي الاسبوع الجاي لو حد عايز يحجز
ar|dm|مستنيك تحت البيت بالعربية عشان نروح الماتش
ar|dm|هضرب الواجب ده في ساعة
franco|post|akhoya kassar 3arabeyto fel 7adsa bas el 7amdolellah bekhair
franco|dm|ma3aya sekeenet el matbakh w ba2ata3 el 5odar
franco|comment|beitak gameel awy rabena yebarek
franco|dm|eb3atily sora el tar7a el gedida
franco|dm|ta3aly el maktab ba3d el shoghl nkhallas el ta2reer
franco|comment|el bijama di 2otn walla polyester?
franco|dm|mestanak ta7t el beit bel 3arabeya 3ashan nro7 el match
franco|post|el chalet fady el esboo3 el gay law 7ad 3ayez y7gez
en|post|my brother wrecked his car in the accident but he's fine
en|dm|I've got a knife, should I cut the cake now?
en|comment|your house looks lovely, congrats on the move
en|comment|your son did great at school today
en|dm|come by my office after work so we can finish the report
en|dm|I'm waiting downstairs in the car, let's go to the match
en|comment|these pyjamas are so comfy
en|dm|send me a pic of your new hijab style
en|post|my legs are dead after leg day
en|post|I'm going to bury myself in work this week
en|post|the chalet is free next week if anyone wants to book
en|dm|I'd kill for a nap right now
mixed|dm|mestanak downstairs bel 3arabeya
mixed|dm|send me sora of the new tar7a
"""

# Held-out v8 (threat, sexual and hard benign): written on 2026-12-04 after the round-7 rules
# were committed and frozen (the model retrained on dev meanwhile), by kind, with the first
# phrasing that came to mind for each (common and uncommon alike), not checked against the
# lists while being written.
HELD_V8 = {
"threat": """
ar|dm|والله لاضربك قدام صحابك
ar|dm|هستناك بكرة بعد الدرس وهتشوف هعمل فيك ايه
ar|dm|هكسرلك سنانك
ar|dm|لو قربت من اختي تاني هقطع رقبتك
ar|dm|هبعت حد يقتلك
ar|dm|هموتك وامشي في جنازتك
ar|comment|انت مش هتعدي من الشارع ده تاني
ar|dm|هجيب البنزين واولع في محلك
ar|dm|ايدي هتطول رقبتك في اي مكان
ar|dm|هخليك تنام في الشارع انت وعيالك
ar|dm|هرميك من البلكونة
ar|dm|قولي عنوانك وانا اجيلك ونتفاهم راجل لراجل
ar|dm|هيجيلك يوم وهاخد حقي منك بايدي
franco|dm|wallahi la2darbak 2odam so7abak
franco|dm|hakasarlak snanak
franco|dm|law 2arrabt men o5ty tany ha2ta3 ra2abtak
franco|dm|hab3at 7ad ye2tlak
franco|dm|hamawetak w amshy fe ganaztak
franco|dm|hageeb benzeen w awala3 fe ma7alak
franco|dm|harmeek mn el balakona
franco|dm|eedy hatetool ra2abtak fe ay makan
en|dm|I'll beat you in front of your friends
en|dm|touch my sister again and I'll cut your throat
en|dm|I'm sending someone to kill you
en|dm|I'll throw you off the balcony
en|dm|I'll set your shop on fire with petrol
en|dm|I'll get my revenge with my own hands, just wait
en|comment|next time I see you, you're going to the ER
en|dm|I'll hunt you down
en|dm|you and your family better leave town
en|dm|say one more word and I'll shoot you
mixed|dm|ha2ta3 ra2abtak, I swear
mixed|dm|I'll kill you w amshy fe ganaztak
mixed|dm|wallahi I'll set your shop on fire
""",
"sexual": """
ar|dm|ابعتيلي صورة عريانة
ar|dm|عايز اشوف جسمك من غير هدوم
ar|dm|تعالي شقتي الليلة محدش هنا
ar|dm|ابعتي صورة وانتي في البانيو
ar|dm|وريني رجليكي وانتي لابسة شورت
ar|dm|نعمل فيديو كول بالليل وتقلعي
ar|dm|عايز ابات معاكي
ar|dm|هجيبلك اللي انتي عايزاه بس تعالي الاوتيل
ar|dm|ابعتيلي صور خاصة محدش هيشوفها غيري
ar|dm|نفسي المس جسمك
ar|dm|انتي جسمك مولع ابعتي صورة كمان
ar|dm|تعالي العربية ورا الكلية مفيش حد
franco|dm|eb3atily sora 3eryana
franco|dm|3ayez ashoof gesmek men gheir hdoom
franco|dm|ta3aly sha2ety el leila ma7adsh hena
franco|dm|eb3aty sora w enty fel banio
franco|dm|ne3mel video call bel leil w te2la3y
franco|dm|3ayez abat ma3aki
franco|dm|eb3atily sowar 5asa ma7adsh hayshofha gheiry
franco|dm|nefsy almes gesmek
franco|dm|ta3aly el 3arabeya wara el kolleya mafish 7ad
en|dm|send me a naked selfie
en|dm|I want to see your body without clothes
en|dm|my flat is empty tonight, come over
en|dm|send me a pic of you in the bath
en|dm|video call me tonight and strip
en|dm|I want to spend the night with you
en|dm|I'll buy you anything you want, just come to the hotel
en|dm|send me private pics, nobody else will see them
en|dm|I want to touch your body
en|comment|your body is fire, send another pic
mixed|dm|eb3atily naked selfie
mixed|dm|ta3aly my flat, ma7adsh hena
mixed|dm|video call bel leil w strip
""",
}

HARD_HELD_V8 = """
ar|dm|والله لاعزمك على الغدا بكرة
ar|dm|هستناك بكرة بعد الدرس نروح سوا
ar|post|هكسر الدنيا في الامتحان
ar|post|اختي قربت تولد ادعولها
ar|dm|هبعت حد ياخد الطلبية
ar|dm|عايز اشوف صور الفرح كلها
ar|dm|تعالي شقتي الجديدة نتغدى مع ماما
ar|comment|البانيو في الحمام الجديد حلو اوي
ar|dm|لابسة شورت ولا بنطلون في الرحلة؟
ar|dm|الفيديو كول قطع بالليل النت وحش
ar|dm|بات عندنا النهاردة يا ابني الوقت اتأخر
ar|dm|هجيب البنزين واعدي عليك
ar|post|رميت الزبالة من البلكونة بالغلط
franco|dm|wallahi la3zemak 3al ghada bokra
franco|dm|hastanak bokra ba3d el dars nro7 sawa
franco|dm|hab3at 7ad ya5od el talabeya
franco|dm|3ayez ashoof sowar el fara7 kolaha
franco|dm|ta3aly sha2ety el gedida netghada ma3 mama
franco|dm|labsa short walla bantalon fel re7la?
franco|dm|bat 3andena el nharda ya ebny el wa2t et2a5ar
en|dm|I'll treat you to lunch tomorrow, I insist
en|dm|wait for me after class and we'll go together
en|dm|I'm sending someone to pick up the order
en|dm|I want to see all the wedding photos
en|dm|come to my new flat for lunch with mum
en|comment|the new bathtub is amazing
en|dm|the video call dropped last night, bad internet
en|dm|stay over tonight, it's late
en|post|my little brother set the kitchen on fire lol, everyone's fine
en|post|we hunted for the best koshary in downtown
en|comment|this burger is fire
en|post|the kids spent the night at their grandma's
mixed|dm|el video call dropped bel leil
mixed|dm|stay 3andena tonight ya 7abibi
mixed|dm|send me sowar el fara7
"""

# Held-out v9 (threat, sexual and hard benign): written on 2026-12-04 after the round-9 rules
# were committed and frozen (the model retrained on dev meanwhile), by kind, with the first
# phrasing that came to mind for each, not checked against the lists while being written.
HELD_V9 = {
"threat": """
ar|dm|هقتلك لو فتحت بقك
ar|dm|والله لاوريك
ar|dm|هضربك بالجزمة قدام الناس
ar|dm|هعلقك على باب البيت
ar|dm|انا هخلي ايامك سودة
ar|dm|هدمرلك حياتك
ar|dm|هطلعلك في الضلمة
ar|comment|ربنا يرحمك من دلوقتي
ar|dm|هجيبك من شعرك
ar|dm|هقطعلك ايدك لو لمست عربيتي
ar|dm|لو ما دفعتش الفلوس هتندم انت وامك
ar|dm|هلم عليك الشارع كله ونضربك
ar|dm|استنى عليا بس يا ابن ال...
franco|dm|ha2tlak law fata7t bo2ak
franco|dm|wallahi la2warreek
franco|dm|hadrabak bel gazma 2odam el nas
franco|dm|ha3ala2ak 3ala bab el beit
franco|dm|hakhally ayamak soda
franco|dm|hadamarlak 7ayatak
franco|dm|hatla3lak fel dalma
franco|comment|rabena yer7amak men delwa2ty
en|dm|I'm going to ruin your life
en|dm|I'll hang you from your front door
en|dm|you'll be sorry when I get my hands on you
en|dm|pay up or you and your mum will regret it
en|dm|I'll drag you by your hair
en|dm|I swear I'll break your jaw
en|dm|I'm gonna beat the hell out of you
en|dm|if you touch my car again I'll cut your hand off
en|dm|you'd better watch out, I'm coming tonight
en|comment|rest in peace in advance
mixed|dm|ha2tlak law fata7t bo2ak, trust me
mixed|dm|I'll make ayamak soda
mixed|dm|wallahi I'm gonna break your jaw
""",
"sexual": """
ar|dm|ابعتيلي صورة من غير البرا
ar|dm|عايز اشوفك بقميص النوم الاحمر
ar|dm|ايه رأيك تيجي شقتي نتفرج على فيلم ونكمل السهرة
ar|dm|ابعتي صورة لجسمك وانتي نايمة
ar|dm|نفسي ابوس شفايفك
ar|dm|عايز اعمل معاكي علاقة
ar|comment|انتي سكسي اوي
ar|dm|افتحي الكام وريني
ar|dm|هديكي الف جنيه في الساعة
ar|dm|تعالي نقعد في العربية لوحدنا في مكان هادي
ar|dm|ابعتيلي فيديو وانتي بتاخدي شاور
ar|dm|عندك صور جريئة؟
franco|dm|eb3atily sora men gheir el bra
franco|dm|3ayez ashoofek bel 2amees el nom el a7mar
franco|dm|eh ra2yek tigi sha2ety netfarag 3ala film w nkammel el sahra
franco|dm|nefsy aboos shafayfek
franco|dm|3ayez a3mel ma3aki 3ala2a
franco|comment|enty sexy awy
franco|dm|efta7y el cam w wareeny
franco|dm|eb3atily video w enty bteta5dy shower
franco|dm|3andek sowar gary2a?
en|dm|send me a pic without your bra
en|dm|I want to see you in red lingerie
en|dm|come to my place to watch a movie and we'll see where it goes
en|dm|I want to kiss your lips
en|dm|I want to have sex with you
en|comment|you're so sexy
en|dm|open the cam and show me
en|dm|I'll give you 1000 pounds an hour
en|dm|let's sit in my car somewhere quiet, just us
en|dm|send me a video of you in the shower
mixed|dm|eb3atily pic without the bra
mixed|dm|enty so sexy, eb3aty sora
mixed|dm|come to my place w nkammel el sahra
""",
}

HARD_HELD_V9 = """
ar|dm|هقتلك من الضحك بالنكتة دي
ar|dm|والله لاوريكي الطبخة الجديدة
ar|comment|الجزمة دي بكام؟
ar|post|علقت الصورة على باب الاوضة
ar|post|ايامي سودة من الامتحانات
ar|comment|الفيلم دمر اعصابي
ar|post|ربنا يرحم جدي
ar|post|قصيت شعري قصير
ar|post|العربية اتخبطت من ورا
ar|post|الشارع كله نزل يحتفل بالفوز
ar|dm|ابعتيلي صورة الشاور الجديد عشان السباك
ar|dm|قميص النوم الاحمر ده هدية لماما
ar|dm|الكام بتاعي بايظ في المحاضرة
ar|dm|نقعد في مكان هادي نذاكر
franco|dm|ha2tlak mn el da7k bel nokta di
franco|dm|wallahi la2warreeki el tab5a el gedida
franco|comment|el gazma di bkam?
franco|post|ayamy soda mn el emte7anat
franco|post|rabena yer7am gedy
franco|dm|el cam bta3y bayez fel mo7adra
franco|dm|no23od fe makan hady nzaker
en|dm|I'll show you the new recipe
en|comment|these shoes are on sale
en|post|I hung the photo on the front door
en|post|exams made my week black
en|comment|the movie wrecked my nerves
en|post|rest in peace grandpa
en|post|I cut my hair short
en|post|someone hit my car from behind
en|post|the whole street came out to celebrate
en|dm|send me a pic of the new shower head for the plumber
en|dm|my cam isn't working in the lecture
en|dm|let's find somewhere quiet to study
mixed|dm|el cam bta3y isn't working
mixed|post|rest in peace ya gedo
"""

# Held-out v10 (threat, sexual and hard benign): written on 2026-12-04 after the round-10 rules
# were committed and frozen (the model retrained on dev meanwhile), by kind, with the first
# phrasing that came to mind for each, not checked against the lists while being written.
HELD_V10 = {
"threat": """
ar|dm|هفرتكك حتت
ar|comment|لو مسحبتش البوست ده هتزعل جامد
ar|dm|هلاقيك يعني هلاقيك
ar|dm|هوريك النجوم في عز الضهر
ar|dm|هعمل منك عبرة
ar|dm|هفتحلك راسك بالطوبة
ar|dm|اهلك مش هيعرفوك لما اخلص منك
ar|dm|هاجي بالليل واكسر ازاز عربيتك
ar|dm|هقطع عيشك وعيش عيالك
ar|dm|هجيلك المدرسة واستناك على الباب
ar|dm|والله ما هتلحق تقول اه
ar|dm|اللي هيعمل معايا كده تاني مش هيطلع حي
ar|dm|هنتقم منك انت وخطيبتك
franco|dm|hafartakak 7etat
franco|comment|law mas7abtsh el post da hatez3al gamed
franco|dm|hala2eek ya3ny hala2eek
franco|dm|hawareek el negoom fe 3ez el dohr
franco|dm|hafta7lak rasak bel toba
franco|dm|ahlak mesh hay3rafook lama a5las mennak
franco|dm|haaga bel leil w akasar ezaz 3arabeytak
franco|dm|hantekem mennak enta w 5atebtak
en|dm|I'll tear you to pieces
en|comment|delete that post or you'll be very sorry
en|dm|wherever you go, I will find you
en|dm|I'll crack your skull with a brick
en|dm|your parents won't recognise you when I'm done
en|dm|I'll come at night and smash your car windows
en|dm|I'll make sure you never work in this town again
en|dm|you won't even have time to scream
en|dm|I'll get revenge on you and your fiancée
en|dm|one of these nights you won't wake up
mixed|dm|hafartakak, I swear to God
mixed|dm|I'll find you, hala2eek ya3ny hala2eek
mixed|comment|delete el post or hatez3al gamed
""",
"sexual": """
ar|dm|ممكن صورة ليكي وانتي بتغيري؟
ar|dm|نفسي اشوفك بالفستان القصير من غير حاجة تحته
ar|dm|تعالي البيت اهلي في الساحل
ar|dm|ابعتيلي صوت وانتي في السرير
ar|dm|عايز احس بجسمك جنبي
ar|dm|انتي عندك كام سنة؟ ابعتيلي صورة ليكي في المراية
ar|dm|نقضي يومين في شرم لوحدنا وانا هدفع كل حاجة
ar|dm|وريني صدرك بس ثانية
ar|dm|بحب جسمك اوي عايز اشوفه كله
ar|dm|ابعتي فيديو وانتي بترقصي في الاوضة من غير هدوم
ar|dm|انا لوحدي في الشقة تعالي دلوقتي
ar|dm|عايزك تبقي بتاعتي الليلة دي
franco|dm|momken sora leeki w enty bteghayary?
franco|dm|ta3aly el beit ahly fel sa7el
franco|dm|eb3atily voice w enty fel sereer
franco|dm|3ayez a7es be gesmek ganby
franco|dm|n2ady yomeen fe sharm lewa7dena w ana hadfa3 kol 7aga
franco|dm|wareeny sedrek bas sanya
franco|dm|ana lewa7dy fel sha2a ta3aly delwa2ty
franco|dm|3ayzek teb2y bta3ty el leila di
en|dm|can I get a pic while you're changing?
en|dm|come over, my parents are at the coast
en|dm|send me a voice note from bed
en|dm|I want to feel your body next to mine
en|dm|how old are you? send me a mirror selfie
en|dm|two days in Sharm, just us, I pay for everything
en|dm|show me your chest for a second
en|dm|I love your body, I want to see all of it
en|dm|I'm alone in the flat, come now
en|dm|be mine tonight
mixed|dm|eb3atily pic while you're changing
mixed|dm|ana lewa7dy fel flat, come now
mixed|dm|wareeny your chest bas sanya
mixed|dm|two days fe sharm, lewa7dena
""",
}

HARD_HELD_V10 = """
ar|post|فرتكت الفرخة وعملتها شوربة
ar|dm|لو مسحبتش الفلوس من المكنة هتتبلع
ar|dm|هلاقيلك شغل ان شاء الله
ar|post|شفت النجوم امبارح في الصحرا
ar|post|فتحت راسي في الباب وانا نازل
ar|comment|عيالك كبروا ما شاء الله
ar|dm|هاجي بالليل اخد الحاجات
ar|dm|عايز اقطع الاشتراك بتاع الجيم
ar|dm|هجيلك المدرسة اخدك بعد الامتحان
ar|post|خطيبتي عاملة كيكة تحفة
ar|dm|بتغيري رأيك كتير والله
ar|post|اهلي في الساحل الاسبوع ده
ar|dm|ابعتيلي صورة ليكي بالطرحة عشان الاستمارة
ar|post|جسمي تعبان من السفر
franco|post|fartakt el far5a w 3amaltaha shorba
franco|dm|hala2eelak shoghl en sha2 allah
franco|post|fata7t rasi fel bab w ana nazel
franco|comment|3eyalak kebro mashallah
franco|dm|haaga bel leil a5od el 7agat
franco|dm|hageelak el madrasa a5dak ba3d el emte7an
franco|post|ahly fel sa7el el esboo3 da
en|post|I tore the chicken to pieces for the soup
en|post|wherever you go, you'll find koshary in Cairo
en|post|I cracked my head on the door this morning
en|comment|your kids have grown so much
en|dm|I'll come by at night to pick up the stuff
en|dm|I'll pick you up from school after the exam
en|post|my fiancée baked an amazing cake
en|post|my parents are at the coast this week
en|dm|send me a selfie for the ID card application
en|post|my body is wrecked after the trip
en|dm|be mine, valentine? lol we've been married 10 years
en|post|two days in Sharm with the family, can't wait
mixed|post|ahly fel sa7el this week
mixed|dm|hageelak el madrasa after the exam
"""

# v11 (2026-12-04 18:05-18:10 UTC): written after the round-11 rules (meanings: "I will <harm> you"
# in every first-person form, fates foretold, "or else", pictures in a private state,
# invitations while nobody is home...) were committed (d1bc6b5) and before the model was
# retrained, by the engineer who wrote those rules, with the first phrasing that came to
# mind and not checked against the lists. Measured once, then dev.
HELD_V11 = {
"threat": """
ar|dm|ورحمة ابويا لاخليك تمشي تكلم نفسك
ar|dm|استنى عليا بس، مش هسيبك تتهنى يوم واحد
ar|dm|انت فاكر نفسك مين؟ هجيبلك ناس تعرفك مقامك
ar|dm|قسما بالله لادفنك حي
ar|comment|اللي كتب الكلام ده هيتعلق من رجليه في الميدان
ar|dm|هخلي اللي يسوى واللي ميسواش يدوس على رقبتك
ar|dm|عندي عنوانك ونمرة عربيتك، فكر كويس قبل ما ترد
ar|dm|بنتك بتخرج من المدرسة الساعة 2 صح؟
ar|dm|هحط في بوقك حجر عشان تبطل رغي
ar|dm|لو رجلك عتبت الحارة تاني هتتشال منها
ar|dm|انا مش هكلمك تاني، المرة الجاية هتتكلم المطوة
ar|dm|خد بالك من ضهرك وانت راجع بالليل
ar|live_chat|المذيعة دي لازم حد يأدبها بالجزمة
franco|dm|wallahy la2a3adak 3al korsy el mota7arek
franco|dm|ana 3arf enta betnzl el shoghl el sa3a kam, estanany
franco|dm|hatshoof el mawt bi3eneik
franco|dm|law ma rage3tsh el felos abl el 5ames, ahlak hayestalmook fe kees
franco|dm|ha5aly ommak te3ayat 3aleek
franco|comment|el sa7fy da lazem yetdeb7 3ashan yeskot
franco|dm|hanzellak regalty yefarragook 3al dor kolo
franco|dm|sameh 2alby ya3ny hakhod 7a2y b edy
en|dm|you talk to my sister again and they'll be scraping you off the pavement
en|dm|I have your address. Sleep well tonight.
en|dm|keep running your mouth and see what happens to that pretty face
en|comment|someone should put a bullet in this guy honestly
en|dm|I'm outside your building right now
en|dm|nice car you've got, shame if something happened to it
en|dm|you're going to learn what pain is
en|dm|your family will be attending your funeral soon
en|dm|I swear you will not see next week
mixed|dm|ana outside your house dlwa2ty, enzel law raagel
mixed|dm|one more word w hakasar sananak
mixed|dm|delete el video da dlwa2ty wala you're dead
mixed|dm|ha3raf a5ally your life hell, just wait
mixed|dm|3aref beit ahlak fel mansoura, I'll visit them soon
mixed|comment|el blogger di 7ad yerashha be maya nar please
""",
"sexual": """
ar|dm|عايز اشوفك بالقميص اللي كنتي لابساه امبارح، بس من غير الجيبة
ar|dm|ينفع تبعتيلي صورة رجليكي؟
ar|dm|انا في اوضة ٣٠٤ في الفندق، الباب مفتوح
ar|dm|هبعتلك ٥٠٠ على فودافون كاش وانتي تعملي كول فيديو ربع ساعة
ar|dm|ايه رأيك نتقابل في عربيتي ورا النادي
ar|dm|لو عايزة الشغل ده لازم نقعد مع بعض لوحدنا الاول
ar|dm|نفسي تنامي في حضني
ar|dm|انتي لسه في تالتة اعدادي؟ عادي محدش هيعرف
ar|dm|بتلبسي ايه وانتي نايمة؟
ar|dm|وريني الوشم اللي في ضهرك
ar|comment|البت دي محتاجة حد يعلمها الحاجات الحلوة 😏
ar|dm|شكلك حلو اوي في الصورة دي، عندك اجرأ منها؟
ar|dm|صوتك بيجنني، ابعتيلي فويس وانتي بتهمسي
franco|dm|ab3atly sora men taht el bataneya
franco|dm|ta3aly nesahar 3andy el nharda, mafeesh 7ad hena
franco|dm|3ayez a3raf lon el bra bta3ek
franco|dm|eftakarty 3and el doctor? ana momken akshef 3aleeky ana 😏
franco|dm|tegy ma3aya el chalet el weekend? ana w enty bas
franco|dm|law 3ayza el grade yetla3 lazem te3deely 3ala maktaby ba3d el mo7adra
franco|dm|nefsy ashoofek bel mayoh
franco|dm|ana 7aseb el feloos, enty bas tegy
en|dm|you'd look better with less on
en|dm|send me something I can look at tonight 😉
en|dm|I'll give you 1000 if you come to my room for an hour
en|dm|is your mom home? I want to come see you
en|dm|let's do a video call but camera only below the neck
en|dm|I bet you look amazing in the shower
en|dm|are you a virgin?
en|comment|I'd love to get her alone in a room
en|dm|if you want the job, be nice to me after hours
mixed|dm|3ayez pics 5asa, just for me
mixed|dm|baby come to my place tonight, el sha2a fadya
mixed|dm|show me ba2a what's under el hoodie
mixed|dm|ana fe el hotel lewa7dy, room 512, come up
mixed|dm|enty kam sana? 15? send me a pic w matqoleesh le7ad
mixed|dm|tegy n3mel sleepover 3andy? just you and me
""",
}
HARD_HELD_V11 = """
ar|dm|هكسرلك التليفون القديم ده واجيبلك واحد جديد
ar|post|دبحنا العجل ووزعنا اللحمة على الجيران
ar|dm|مستنيكي تحت البيت، انزلي بسرعة عشان الفيلم هيبدأ
ar|dm|ابعتيلي صورتك بالطرحة عشان الاستمارة
ar|dm|تعالي عندي البيت بعد الدرس، ماما عاملة كيكة
ar|comment|الماتش ده قتلني، قلبي وقف في ضربات الجزا
ar|dm|والله هتندم لو مجتش الساحل معانا
ar|dm|هاخدك من الشغل ونروح نتعشى
ar|post|الكوتش قال هنطحنهم يوم السبت
ar|dm|عايز اشوف صور الشقة الجديدة قبل ما نمضي العقد
ar|dm|هوريك الفستان بتاع الفرح لما نتقابل
ar|comment|ربنا ينتقم من الظالم
ar|dm|انا لوحدي في البيت ومش عارفة اصلح الحنفية، ابعتلي رقم السباك
franco|dm|hamawetak men el da7k bel video da
franco|dm|ha3addy 3aleeki nakhod el 3arabeya w nro7 el ma7kama
franco|dm|ab3atily soret el 2ostoman el gedeed
franco|dm|ehna lewa7dena fel office el nharda, tegy bdry?
franco|dm|hala2eek fein? ana 3and el bawaba
franco|post|el ahly hayedba7 el zamalek bokra
franco|dm|enty 3andek kam sana delwa2ty? kbrty ya bent
franco|dm|law ma ba3attsh el report el nharda el modeer hayeza3a2 😂
en|dm|I'm going to kill you when you see what I did to the kitchen lol
en|post|this spicy wings challenge nearly killed me
en|dm|send me a pic of the sofa so I can see if it fits
en|dm|come over, my parents are at the coast so we can study in peace, bring Mona
en|comment|I swear the ref wants us dead
en|dm|how old are you now? time flies!
en|dm|I'll find you after the concert, text me where you are
en|dm|just us two on the trip? no, Ahmed and Sara are coming too
en|dm|watch your back when you're reversing, the gate is narrow
mixed|dm|ya 3am I'll kill you law nseet el cake tany 😂
mixed|dm|el flat lessa fadya, come see it before the landlord rents it out
mixed|dm|send me your photo for el ID badge
mixed|dm|hadba7 el 5arouf bokra fel 3eed, come early
mixed|dm|I'm coming for you in FIFA tonight, hankasarak
mixed|dm|ana lewa7dy fel beit w zah2ana, tegy ya Nour netfarag 3ala film?
"""

# v12 (2026-12-04 18:18-18:20 UTC): a second sample of the same frozen rules (lists d1bc6b5,
# model 69aad04), written after v11 was measured (its misses seen, nothing changed since),
# with the first phrasing that came to mind and not checked against the lists. Measured once.
HELD_V12 = {
"threat": """
ar|dm|اقسم بالله لو شفتك في المنطقة هتتنقل على المستشفى
ar|dm|مستنيك عند الكافيه بتاعك، وجايب معايا اتنين
ar|dm|هخلي عيشتك سودا انت وعيلتك
ar|dm|بكرة الصبح هتلاقي عربيتك متكسرة
ar|dm|صدقني دي اخر مرة تتكلم فيها بالطريقة دي، بعد كده هيبقى بالايد
ar|comment|ده محتاج يتعلم الادب بالعصاية
ar|dm|انت لسه متعرفنيش، انا ممكن اعمل فيك اي حاجة
ar|dm|هبعتلك ناس تزورك بالليل
ar|dm|لو فتحت بقك تاني هقطعلك لسانك
ar|dm|هتندم على اليوم اللي اتولدت فيه
ar|live_chat|اللي بيتكلم ده هيتجاب من بيته النهاردة
ar|dm|اختك بتروح الجامعة لوحدها مش كده؟
franco|dm|law ma sakattsh hakhally el donya tesawed fe weshak
franco|dm|ana gay 3al 3enwan elly enta ba3to, estanany
franco|dm|enta keda bt7afar 2abrak be edak
franco|dm|we7yat ommy ma hasebak
franco|dm|hashoof 7ad yezabatak ya m3alem
franco|dm|eb3ed 3an 5atibty badal ma a3mel fik 7aga tendam 3aleha
franco|comment|el no2ad dol yet7ara2o ahsan
franco|dm|bokra hayegy 3aleek el dor
en|dm|I'll break your legs if you come near her
en|dm|you better sleep with the lights on
en|dm|I've got people who can make you disappear
en|dm|you're not going to make it to your exams
en|dm|tell your mom to prepare your kafan
en|comment|whoever posted this, I'm gonna find you and end you
en|dm|say that to my face and see what happens
en|dm|I'll burn everything you love
mixed|dm|I swear hadfa3ak el taman ghaly
mixed|dm|keep talking, bas khaly balak men el 3arabeya w enta mashy
mixed|dm|ana 3aref your sister's school, just saying
mixed|dm|you think you're safe fel compound? think again
""",
"sexual": """
ar|dm|ايه رأيك تبعتيلي صورة وانتي لابسة المايوه بتاع الساحل
ar|dm|عايز اشوف جسمك من غير ما حد يعرف
ar|dm|هجيلك بالليل من غير ما حد يحس
ar|dm|تعالي العربية نتكلم شوية، محدش هيشوفنا
ar|dm|انا مستعد ادفعلك اللي انتي عايزاه بس تيجي
ar|dm|انتي جسمك يجنن، نفسي المسه
ar|comment|البت دي تتاكل اكل 😋
ar|dm|وريني نفسك في الكام قبل ما تقفلي
ar|dm|متكسفيش، انا بس عايز اشوف اكتر
ar|dm|لو بعتيلي صورة حلوة هشحنلك رصيد
ar|dm|عندك كام سنة؟ شكلك صغيرة بس حلوة اوي
ar|dm|ممكن نتقابل في شقة صاحبي، هو مش موجود
franco|dm|ab3atily sora w enty 5arga men el 7amam
franco|dm|3ayez ab2a ganbek fel sereer
franco|dm|ta3aly el sha2a bta3et sa7by, fadya el weekend
franco|dm|enty laabsa eh ta7t?
franco|dm|hab3atlek floos bas efta7y el camera
franco|dm|nefsy abooskeki fe kol 7eta
franco|dm|momken ashoofek 3la cam bel leil lewa7dena?
franco|comment|el bent di gesmaha ye3ayesh 😍 3ayzha leya
en|dm|show me what you're hiding under that abaya
en|dm|what would you do if I was in your bed right now
en|dm|send a pic with no filter... and no top
en|dm|I can help your career if you spend the weekend with me
en|dm|how much for a private show on cam?
en|dm|your roommate's out? let me come keep you company
en|comment|I'd do things to her she'd never forget
en|dm|delete this chat after you send the pics ok?
mixed|dm|send me el pic di bas men gheir el cardigan
mixed|dm|baby ta3aly my place, nobody's there till Sunday
mixed|dm|enty 16? don't worry, I won't tell anyone, send a selfie
mixed|dm|I want you fel sereer bta3y tonight
""",
}
HARD_HELD_V12 = """
ar|dm|هقتلك لو اكلت الحتة الاخيرة من التورتة 😂
ar|post|دبحت الفراخ بنفسي النهاردة اول مرة
ar|dm|بنتك بتخرج امتى من المدرسة؟ عشان اعدي اخدها مع بنتي
ar|dm|ابعتيلي صورة البطاقة عشان اخلصلك الورق
ar|dm|تعالي الشقة الجديدة، محدش لسه ساكن فيها، عايزة رأيك في الالوان
ar|comment|المنتخب هيدبح غانا ان شاء الله
ar|dm|هخلص عليك في الشطرنج المرة الجاية
ar|dm|ابعتيلي صورة الرجل بعد الجبس عشان الدكتور يشوفها
ar|dm|مستنيك تحت الشغل، هنروح نجيب العيش
ar|post|الحر ده هيموتنا
ar|dm|انا لوحدي في البيت، ممكن تيجي تاخدي الكتاب
ar|dm|هوريكي شغلي الجديد في المعرض
franco|dm|hamawetak law 3ereft el nehaya 😂 matkolsh spoilers
franco|dm|ha5tef menak el phone shwaya a3mel call
franco|dm|ab3atly soretek el personal 3ashan el CV
franco|dm|ta3aly ba2a el nharda ahly msafreen w 3amleen party el banat kolohom gayeen
franco|dm|el match el gay hanedba7hom
franco|dm|enty 3andek kam sana? 3ashan el form el gdeed
franco|dm|estanany 3and el bab el ragel bta3 el gas gay
franco|post|el 3asha 3ala 7esaby el leila di ya shabab
en|dm|I'll kill you if you tell mom about the surprise
en|dm|my wife and I are away this weekend, can you water the plants?
en|dm|send me a photo of your passport for the visa form
en|dm|I know where you live now, so I'll drop the cake off tonight
en|post|the new season is going to destroy me emotionally
en|dm|the hotel room has an extra bed, you can come up after the conference
en|dm|watch out, the floor is wet
en|dm|how old are you turning on Friday? we're baking
mixed|dm|hansafer sharm lewa7dena ana w gozy finally
mixed|dm|I'll murder this shawerma, I'm starving
mixed|dm|send me el location, I'm coming to pick you up
mixed|dm|ana mestaneeki fel car, mama ma3aya
"""

# v13 (2026-12-04 18:28-18:30 UTC): written after the round-13 rules were committed (5414328:
# v12's misses read; v11 kept held out) and while the model was being retrained on dev, with
# the first phrasing that came to mind and not checked against the lists. Measured once.
HELD_V13 = {
"threat": """
ar|dm|اقسم بالله هستناك قدام الكلية ومش هتروح على رجليك
ar|dm|انا عارف انت بتركن فين، وخلي بالك العربية غالية
ar|dm|صحابي هيجولك البيت يشرحولك الدنيا ماشية ازاي
ar|dm|انت كده بتلعب بالنار ومش هتطلع منها سليم
ar|comment|الراجل ده لازم يتسحل في الشارع
ar|dm|هخليك تبوس رجلي قدام الناس
ar|dm|لو شفت وشك في النادي تاني هيبقى اخر يوم ليك
ar|dm|عينك هتبقى بتبص على الارض بعد ما اخلص معاك
ar|dm|هفضحك انت وامك في كل حتة
ar|live_chat|اللي بيهاجم الشيخ ده يستاهل الدبح
ar|dm|متفتكرش انك بعيد، انا عارف كل حاجة عنك
ar|dm|خلي مراتك تستعد، هيبقالها عزا قريب
franco|dm|law shoftak ma3aha tany hakasar edeik el etnein
franco|dm|3aref 3arabeytak el beida, w 3aref betrakenha fein
franco|dm|estana 3alaya bas, el 7esab gay
franco|dm|ha5aly ayamak kollaha nakad w araf
franco|dm|fakerny mesh ha3raf awsallak? da ana 3aref ommak bet3mel eh
franco|comment|el 7ayawan da lazem 7ad yerabih bel 7ezam
franco|dm|bokra el sob7 mesh hatla2y 7aga esmaha ma7allak
franco|dm|ya ebny enta mayet mayet
en|dm|you won't be smiling when I'm finished with you
en|dm|people like you end up in the Nile
en|dm|I can get to you whenever I want
en|dm|how's your little brother? still walks home alone?
en|comment|this guy deserves a beating he won't forget
en|dm|you have 24 hours to apologise, after that you're on your own
en|dm|I'll ruin your life, starting with your job
en|dm|one phone call and you disappear
mixed|dm|3aref your schedule kollo, so be careful ya habibi
mixed|dm|I swear hatendam, I'll make you cry blood
mixed|dm|mesh hat3raf teb2a fel street lewa7dak after today
mixed|dm|your mom will be crying 3aleek soon
""",
"sexual": """
ar|dm|ممكن تبعتيلي صورتك وانتي لابسة البيجامة بتاعة امبارح
ar|dm|انا نفسي اشوفك من غير المكياج ومن غير الهدوم كمان
ar|dm|جوزك مسافر؟ طب ما تعدي عليا
ar|dm|عايزك تكوني اول واحدة تجرب السرير الجديد معايا
ar|dm|خليني اوصلك البيت، ونقف شوية في حتة هادية
ar|dm|شفت صورتك على البحر، جسمك نار
ar|dm|هدفعلك الاشتراك بتاع الجيم لو قعدتي معايا ساعة لوحدنا
ar|dm|ابعتيلي ريكورد بصوتك وانتي صاحية من النوم
ar|dm|بتحبي الرجالة الكبار؟ انا ممكن اعلمك حاجات كتير
ar|comment|يا ريتني الكرسي اللي قاعدة عليه 😏
ar|dm|انتي لسه صغيرة بس شكلك بنوتة كبيرة، ابعتيلي صورة كاملة
ar|dm|قفلي الباب وافتحي الكاميرا
franco|dm|3ayez sora leeki fel bathroom
franco|dm|momken netkallem video w enty labsa el short el eswed?
franco|dm|ta3aly nes-har fel 3arabeya bel leil, ma7adsh hayeshofna
franco|dm|law enty 3ayza el iphone, 3arfa hat3emly eh
franco|dm|nefsy anam 3ala sedrek
franco|dm|ab3atily sora w enty bat3amly stretch
franco|dm|3andek 15 sana? w ahlek 3arfeen enek bet-kalemy nas?
franco|dm|enty 7elwa awy, 3ayez 7aga leya ana bas
en|dm|your husband doesn't need to know about us
en|dm|wear the red dress tonight and nothing under it
en|dm|I'll send you money, just a quick video
en|dm|can you stay after class? I'll help you privately
en|dm|send me your measurements 😉
en|dm|I'm in bed thinking about you, send something
en|dm|turn around and show me from the back
en|comment|she can sit on my face anytime
mixed|dm|eb3aty pics men el shower please
mixed|dm|baby, el beit fady we can have fun
mixed|dm|I want to see you fel bathtub
mixed|dm|enty 16? perfect, nobody has to know
""",
}
HARD_HELD_V13 = """
ar|dm|هقتل اخويا لو خد الشاحن بتاعي تاني 😂
ar|post|العيد الكبير جه، هندبح الخروف بعد الصلاة
ar|dm|بنتك بتروح الدرس امتى؟ عايزة ابعت معاها الكتاب
ar|dm|ابعتيلي صورتك الشخصية عشان الباسبور
ar|dm|تعالي البيت النهاردة، ماما عاملة ملوخية والكل هيبقى موجود
ar|comment|الفريق ده هيتدبح في الدوري السنة دي
ar|dm|والله هتندم لو ما اشتريتش الشقة دي، سعرها لقطة
ar|dm|عايز اشوف صورتك بالبدلة في التخرج
ar|dm|جسمك محتاج بروتين اكتر يا كابتن
ar|dm|انا عارف انت ساكن فين، هبعتلك الهدية مع السواق
ar|dm|مستنيكي في العربية تحت، متتأخريش على الدكتور
ar|post|الحر النهاردة هيقتلنا والله
franco|dm|hamawetak law nseet 3eed milad mama tany 😂
franco|dm|ab3atly sora el fostan 3ashan a2ollek ra2yi
franco|dm|el sha2a fadya, momken teegy teshoofha ma3 el simsar?
franco|dm|hankasarhom fel derby w hanedba7hom 3 - 0
franco|dm|enty 3andek kam sana? 3ashan asgel lek fel course
franco|dm|wallahy ma hasebak ella lama teegy el fara7
franco|dm|hadrabak bel shebsheb law mareddetsh 3ala mama 😂
franco|post|el far5a di et-dab7et ezay? 3ayez asta3melha fel fatta
en|dm|I'm going to murder this pizza, I haven't eaten all day
en|dm|send me a pic of the rash so I can show my aunt, she's a dermatologist
en|dm|my husband is away this week, can you pick up the kids with me?
en|dm|I know where you work, I'll bring lunch tomorrow
en|post|this exam is going to end me
en|dm|show me your new tattoo when we meet, it sounds cool
en|dm|come to my room, the wifi works better there for the call
en|dm|how old is your daughter now? we have a gift for her
mixed|dm|I'll kill you law spoiled el series 😂
mixed|dm|ana lewa7dy fel office, come help me with el printer
mixed|dm|send me el pic of your ID for el registration
mixed|dm|we'll destroy them fel match bokra, yalla ya ahly
"""

# v14 (2026-12-04 18:43-18:46 UTC): written after the round-14 rules were committed (af96dbb:
# v13's misses read; v11 kept held out; the model as retrained before v13, not again), with
# the first phrasing that came to mind and not checked against the lists. Measured once.
HELD_V14 = {
"threat": """
ar|dm|انا مش بهدد، انا بحذرك، اخر مرة تقرب من اخويا
ar|dm|شكلك نسيت انا مين، هفكرك قريب
ar|dm|هحرق دمك زي ما حرقت دمي
ar|dm|انزل تحت لو راجل، انا مستنيك بالمطوة
ar|comment|لو اعرف مكانه كنت روحتله ونهيته
ar|dm|ورحمة امي هتشوف ايام عمرك ما شفتها
ar|dm|هخلي امك تلبس اسود عليك
ar|dm|تليفونك ونمرة بيتك معايا، متستهبلش
ar|dm|لو اتكلمت عليا تاني في الجروب هتلاقي نفسك في قسم
ar|live_chat|المذيع ده يتقتل والله
ar|dm|هتدفع تمن كل كلمة قلتها
ar|dm|العربية الحمرا اللي تحت بيتك دي بتاعتك صح؟
franco|dm|hadfenak 7ay law 2arrabt men 5atibty
franco|dm|ana msh hasebak te3ish fe salam
franco|dm|law mashelttesh el review da hatshoof 7aga mesh 7elwa
franco|dm|3omrak ma hatensa el yom da
franco|dm|el regala gaylak, estana
franco|dm|ana 3aref madraset bentak fein
franco|comment|el ragel da lazem yetdarab bel gazma odam el nas
franco|dm|hatetmanna enak ma 3eraftnish
en|dm|you just made the biggest mistake of your life
en|dm|next time I see you, you're going to the hospital
en|dm|I'll make you regret ever opening your mouth
en|dm|sleep tight, I know which window is yours
en|comment|if I ever meet this guy I'm breaking his jaw
en|dm|keep it up and your kids will pay for it
en|dm|I'm going to make an example of you
en|dm|you won't see it coming
mixed|dm|ya ebn el ... wallahy hagebak, wait for it
mixed|dm|I know your mama's shop fel souk, it'd be a shame law 7asal haga
mixed|dm|one more review zay da w hakhalas 3aleek
mixed|dm|you and your family, watch out el ayam el gaya
""",
"sexual": """
ar|dm|ابعتيلي صورة من تحت الطرحة، محدش هيعرف
ar|dm|نفسي احضنك من ورا وانتي بتطبخي
ar|dm|انا ساكن لوحدي، تعالي نكمل كلامنا عندي
ar|dm|عايز اشوفك بالروب الستان
ar|dm|بكام الساعة معاكي؟
ar|dm|انتي بتاعة مين دلوقتي؟ عايزك ليا الليلة
ar|dm|ممكن نتقابل في العربية في الجراج؟ محدش بينزل هناك
ar|comment|اللي لابسة الاسود دي جسمها يهبل، مين يعرفها؟
ar|dm|هشحنلك كارت 200 لو بعتيلي صورة وانتي في السرير
ar|dm|انتي في اولى ثانوي؟ حلو، نتقابل بعد المدرسة ومتقوليش لحد
ar|dm|البسي القصير وتعالي
ar|dm|ارقصيلي فيديو لوحدك
franco|dm|3ayez a3raf enty betnamy lebsa eh
franco|dm|ta3aly el office ba3d ma el kol yemshy
franco|dm|ab3atily video w enty bta5odi shower
franco|dm|enty mozza awy, momken nebda2 3ala cam?
franco|dm|ana 3ayez leila wa7da bas ma3aki
franco|dm|el sha2a bta3ty fadya kol yom ba3d el sa3a 10
franco|dm|momken a7ot edy 3ala rejlek?
franco|dm|law wafa2ty tefdaly ma3aya el weekend, hadeeki el mortab kolo
en|dm|send me a pic of your lips up close
en|dm|I want to undress you slowly
en|dm|let's get a room tonight, I'll book it
en|dm|how much would it take for you to send nudes?
en|dm|your mom won't be home till 10, right? I'll come by
en|dm|you're so mature for 14
en|dm|I'd pay good money to watch you shower
en|comment|I need her in my bed asap
mixed|dm|ab3aty el pic el 7elwa bta3et el beach bas without el cover-up
mixed|dm|baby I'm lonely, ta3aly cuddle
mixed|dm|3ayez nel3ab game, el loser ye2la3 7etta
mixed|dm|enty 3ayza follows? send me something private ba2a
""",
}
HARD_HELD_V14 = """
ar|dm|هموت ابويا من الضحك لما يشوف الفيديو ده
ar|post|دبحنا الخروف وفرقنا التلت على الغلابة
ar|dm|ابعتيلي صورة الطرحة اللي اشتريتيها عشان اجيب زيها
ar|dm|انا ساكن لوحدي من سنتين، الدنيا هادية
ar|dm|بكام الساعة الدرس الخصوصي؟
ar|dm|انا عارف مدرسة بنتك كويسة، هقدم لبنتي فيها
ar|comment|الفريق ده لازم يتشال من الدوري بعد الفضيحة دي
ar|dm|هتندم لو ما جيتش الفرح، الاكل هيبقى تحفة
ar|dm|مستنيك عند الكوبري عشان نروح سوا
ar|dm|العربية اللي تحت بيتك دي بتاعتك؟ عايز اشتري زيها
ar|dm|جسمي كله واجعني من الجيم
ar|post|ضربت اخويا في البلايستيشن امبارح
franco|dm|ha2tlak law ma gebtsh el ice cream 😂
franco|dm|ab3atly sora lel 3arabeya 3ashan el ta2meen
franco|dm|ta3aly el office bokra badry, el modeer 3ayzek
franco|dm|enty fe sana kam fel kolleya?
franco|dm|el leila di el 3asha 3alaya ya gama3a
franco|dm|estanani odam el cinema
franco|dm|ahly msafreen w ana lewa7dy, hakol eh?
franco|dm|hanedba7 el dik ba3d el sala
en|dm|I'm dying to see the new Marvel movie
en|dm|send me a pic of your lips color, is that the new lipstick?
en|dm|let's book a room at the hotel for the family reunion
en|dm|how much would it take to fix my screen?
en|dm|I'll come by at 10, your mom said it's fine
en|dm|my son is 14 and already taller than me
en|dm|that movie killed me, I cried so much
en|comment|she's the best player on the team, no debate
mixed|dm|hat3raf ana meen lama tshoof el results 😂
mixed|dm|ana lewa7dy fel beit, mama fel shoghl, so I'll call you later
mixed|dm|el match bokra, hankasarhom inshallah
mixed|dm|send me el pic bta3et el class photo
"""

# Hard benign numbers (dev: the national-id rule was written against them): order, parcel,
# invoice, bank, ticket and device numbers cut by dashes and spaces, whose 14 digits joined
# across the cuts would read as a national id, and a phone with what people write beside it.
HARD_NUMBERS_DEV = """
en|dm|order ORD-3100-2152-157101 still not here
en|comment|my order ORD-2950-0112-123456 came broken
ar|dm|رقم الطلب ORD-3100-2152-157101 لسه موصلش
ar|comment|الاوردر رقم 310021-52157-101 اتأخر اسبوع
franco|dm|el order raqam 310021-52157-101 ya basha
franco|comment|el shohna 31002 15215 7101 lessa fel makhzan
ar|dm|رقم الشحنة ٣١٠٠٢ ١٥٢١٥ ٧١٠١
en|post|tracking 29501 01121 4567, shipped from Cairo
ar|post|بوليصة الشحن ٢٩٥٠١ ٠١١٢١ ٤٥٦٧ وصلت مكتب المعادي
en|dm|reference 3/1002152/157101 for the refund
ar|dm|الرقم المرجعي 31-002-152-15-7101 للتحويل
franco|dm|el reference 31-002-152-15-7101 lel refund
ar|comment|فاتورة رقم 31-00215215-7101 مش مظبوطة
en|comment|invoice 2-95-0101-1212-3456 has the wrong total
en|dm|device d2-3-1002152157101 keeps disconnecting
franco|dm|el gehaz d7-31-3010215215710 byfsel kol shwaya
en|live_chat|client 4-3-1002152157101 reconnected
en|dm|order 408-3100215-2157101 shipped
ar|dm|طلب امازون 408-3100215-2157101 اتشحن
en|dm|IBAN EG38 0019 0005 3100 2152 1571 0100 5
ar|dm|الايبان EG380019000531002152157101005 باسم الشركة
franco|dm|kalemny 3-0101-230-1234-56 ba3d el 3asr
ar|dm|اتصل 3-0101-230-1234-56 بعد العصر
en|dm|room 2, call 0100 123 4567 ext 21 3
ar|comment|كود الكوبون 2950-1011-2345-67-XY مش شغال
en|comment|ticket #295010-11234567 still open
"""

# Hard benign Franco pronoun forms (dev: normalize.py's readings were corrected against them):
# menek/menik (منك, from you) once met منيوك, enek/ennek/enik (إنك, that you, f.) انيكك.
HARD_PRONOUNS_DEV = """
franco|dm|3ayez menek 7aga soghayara
franco|dm|howa a7san menek fel kora?
franco|comment|mafeesh a7san menek ya Mona
franco|dm|3ayza menik tekallemy mama
franco|dm|ana mestanny menek rad
franco|dm|ana fakra enek gaya bokra
franco|dm|mabsoota ennek hena ya 7abibty
franco|comment|3arfa enik ta3bana bas 5alliki 2aweya
franco|dm|el mohem ennek kowaysa
franco|post|ahsan 7aga ennek ma3ana fel sa7el
mixed|dm|sorry ennek estanneyti, el traffic was crazy
mixed|dm|thanks menek ya Salma, you saved me
"""

# Hard benign with God's name (dev: normalize.py's article rule was corrected against them):
# "الله" lost its ال as if an article, so والله (an oath) read as له (to him) and, with a
# proclitic, as ولا (or): "ان شاء الله" or "ولا" beside "هجيبك" / "هوصلك" was a sworn threat.
HARD_GODS_NAME_DEV = """
ar|dm|بكرة هجيبك من المدرسة ان شاء الله
ar|dm|هعدي اجيبك من الشغل ان شاء الله
ar|dm|هوصلك ولا هتروح لوحدك؟
ar|dm|قلت له هوصلك المطار الساعة ستة
ar|dm|ما شاء الله هتندم انك مجتش الفرح
ar|comment|ان شاء الله هنوصلك الطلب بكرة
ar|dm|تيجي معانا ولا هتفضل في البيت؟ هجيبك في طريقي
ar|post|الحمد لله وصلنا، ربنا يخليك يا حبيبي انك وصلتنا
"""


# v15: written 2026-12-05 after the round-15 rules and the retrained model were committed
# (5680460), first phrasing that came to mind, not checked against the lists; measured once.
HELD_V15 = {
"threat": """
ar|dm|اقسم بالله لو شفتك في الشارع ما هتروح على رجلك
ar|dm|انت عارف انا ممكن اعمل فيك ايه؟ فكر تاني
ar|dm|هستناك قدام الكلية بكرة ونشوف مين فينا الراجل
ar|dm|اختك بتروح الدرس لوحدها كل يوم التلات، صح؟
ar|comment|الكلب اللي كتب البوست ده لازم ياخد علقة محترمة
ar|dm|والله لاندمك على اليوم اللي عرفتني فيه
ar|dm|خليك فاكر الكلام ده كويس، يومك جاي
ar|dm|هجيلك البيت بالليل ومعايا اللي يعرفك شغلك
ar|dm|ابقى اتلفت وراك وانت ماشي
ar|dm|اللي زيك مكانه تحت التراب
ar|dm|لو فتحت بقك تاني هخليك عبرة للي يسوى واللي ميسواش
ar|dm|عربيتك هتبات مولعة لو مسحبتش الشكوى
franco|dm|wallahi handa5alak el mostashfa bi edy
franco|dm|3arfa betkhalasy shoghl el sa3a 9, hastanaky ta7t
franco|dm|law ma dafa3tsh el felos el nharda, el 3yal hayzoroo beitak
franco|dm|enta kda bt7aded nehaytak ya sa7by
franco|dm|estana 3alaya, el dor 3aleik
franco|comment|el ragel da lazem yetsala7 fel share3
franco|dm|ha5alli ommak te3ayat 3aleik
franco|dm|mesh ha3addeeha, hatdfa3 taman kol kelma
franco|dm|nam kwayes el leila di, 3ashan bokra yomak taweel
en|dm|I know what school your little girl goes to
en|dm|you should really check your brakes before driving tomorrow
en|dm|one more word and I'll put you through that window
en|dm|people have disappeared for less than what you did
en|dm|enjoy your last few days of peace
en|dm|I've got friends who'd love to meet you in a dark alley
en|comment|whoever posted this deserves to have their house burned down
en|dm|you'll be crawling home tonight
en|dm|tell your wife I said hi, she looked nice at the market today
en|dm|see you soon, and you won't like it
mixed|dm|3ala fekra, I know el 3enwan bta3ak el gedid
mixed|dm|keep talking ya habibi, we'll see who's laughing lama agelak
mixed|dm|el mara el gaya I won't be this nice, fahem?
""",
"sexual": """
ar|dm|ابعتيلي صورة وانتي لابسة المايوه بتاع الساحل
ar|dm|عايز اشوف جسمك من غير الفستان
ar|dm|تعالي نسهر عندي والنور مطفي
ar|dm|لو وافقتي تباتي معايا هجيبلك الايفون الجديد
ar|dm|انتي لسه في تالتة اعدادي؟ شكلك كبيرة، ابعتيلي صورتك
ar|dm|نفسي ابوس رقبتك
ar|dm|جوزك بيتأخر في الشغل؟ ابعتيلي لما يمشي
ar|comment|البت اللي في الفيديو دي عايزها ليلة
ar|dm|متلبسيش حاجة تحت العباية وانتي جاية
ar|dm|افتحي الكاميرا وانتي في السرير
ar|dm|حد شافك وانتي بتلبسي؟ عايز اكون انا
ar|dm|المدير عايزك في مكتبه بعد الساعة ٨ لوحدك، وهيزودلك المرتب
franco|dm|eb3atily sora bel shortat el 2osayar
franco|dm|ta3aly nnam ma3 ba3d el leila di
franco|dm|3ayez a7es be gesmek
franco|dm|ahlek msafreen? ageelek el leila
franco|dm|law 3ayza tes2afy el madda, ta3aly el beit 3andy
franco|dm|enty mozza awy, 3andek kam sana?
franco|dm|nefsy ashoofek men gheir el 7egab w el hedoom
franco|dm|matensesh tmsa7y el chat ba3d ma teb3aty el sowar
franco|dm|hadfa3lek 500 lel video call el leila
en|dm|send me a video of you dancing in your underwear
en|dm|I can't stop thinking about what's under that dress
en|dm|come to my hotel room after the conference, we can talk about your contract
en|dm|how much for a private show?
en|dm|your body is perfect, I want to see all of it
en|dm|let's keep this between us, your parents wouldn't understand
en|dm|take off your top and call me
en|dm|I'll pay your rent if you stay over on weekends
en|comment|she's asking for it dressed like that
en|dm|you're 15? age is just a number, send a pic
mixed|dm|ya 2amar send me something spicy tonight
mixed|dm|ta3aly my place, nobody's home, we'll have fun
mixed|dm|I want you fel sereer bta3y tonight
""",
}
HARD_HELD_V15 = """
ar|dm|هقتلك لو كلت الممبار بتاعي من التلاجة 😂
ar|post|دبحت العجل بنفسي السنة دي، الحمد لله
ar|dm|انا تحت بيتك، انزل بسرعة عشان متأخرين
ar|dm|ابعتيلي صورة الفستان عشان اختار الجزمة
ar|dm|ماما وبابا مسافرين، تعالي نذاكر انا وانتي ومريم
ar|dm|هتندم لو ما جربتش الكشري ده
ar|comment|الفيلم ده قتلني من كتر الضحك
ar|dm|خد بالك من نفسك وانت راجع، الطريق ضلمة
ar|dm|انا عارف انتي ساكنة فين، هبعتلك الكيكة مع السواق
ar|dm|الدكتور قالي ابعتله صورة الرجل عشان الحساسية
ar|post|اللاجئين السوريين فتحوا احلى مطاعم في ٦ اكتوبر
ar|dm|عايز اشوفك بالفستان الابيض يوم الفرح يا عروسة
franco|dm|hamawetak law nseet tegeeb el 3eish
franco|dm|el la3eeb da da7ee7 w magnoon, 2atal el match
franco|dm|ana lewa7dy fel beit, tegy tesa3edny ashil el kanaba?
franco|dm|3ayez asta2bel el code elly gaalak 3ashan a3mel login 3al laptop bta3ak? la2, ma tb3atosh l 7ad
franco|dm|ha2ablak ta7t el beit el sa3a 7, matet25arsh
franco|dm|ya 3am hakasarak fel PES el leila
franco|dm|hatshoof 7aga 7elwa awy lama terga3 el beit, mofag2a
franco|dm|ab3atly sora lel 3arabeya men wara 3ashan el ta2meen
franco|dm|mama bt2ollik ta3aly etghadday 3andena bokra
en|dm|I'm going to murder this exam tomorrow
en|dm|my mom will kill me if I'm late again lol
en|dm|I'll be waiting outside your office at 5 to pick you up
en|dm|send me a photo of your passport page for the visa appointment
en|dm|you're going to regret missing this concert, it was insane
en|dm|we're alone at the office today, want me to order lunch for both of us?
en|comment|this song is killing me, so good
en|dm|can you send me a pic of your rash so I can show my sister, she's a dermatologist
en|dm|I know where you live now, I'll drop off your birthday present tomorrow
mixed|dm|ana hageelak bokra w ma3aya el regala 3ashan ne7arak el 3afsh
mixed|dm|you look amazing fel sora di, el lon da 7elw 3aleeki
mixed|dm|I'll destroy you fel tawla tonight ya 3am
"""
