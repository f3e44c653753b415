//! Frequent words of each language as shoppers write them: function words, greetings and the
//! words of orders, returns, payment and sizes. An entry ending in `*` is a stem. Cyrillic
//! entries may be written with their own letters; they are looked up without them.
//!
//! A word belongs here only if it is common in its language and rare in the others; words
//! every language borrows (оператор, промокод, XL) are in `NEUTRAL`.

/// Russian, in Cyrillic. Their transliterations make the Latin list of Russian.
#[rustfmt::skip]
pub const RU: &[&str] = &[
    // function words
    "и", "в", "во", "не", "на", "я", "что", "чё", "че", "с", "со", "а", "как", "это", "эта",
    "этот", "эти", "по", "но", "мне", "меня", "мной", "мой", "моя", "моё", "мое", "мои", "моего",
    "моей", "моим", "моих", "у", "к", "ко", "о", "об", "где", "куда", "когда", "почему", "зачем",
    "сколько", "скока", "какой", "какая", "какое", "какие", "какого", "какую", "каком", "ли", "же",
    "бы", "уже", "ещё", "еще", "или", "если", "то", "так", "вот", "там", "тут", "здесь", "есть",
    "нет", "нету", "да", "все", "всё", "вы", "вам", "вас", "ваш", "ваша", "ваше", "ваши", "вашего",
    "вашей", "он", "она", "оно", "они", "его", "ее", "её", "их", "им", "мы", "нам", "нас", "наш",
    "для", "без", "до", "от", "из", "за", "при", "про", "под", "над", "через", "после", "перед",
    "только", "очень", "можно", "нужно", "нужен", "нужна", "нужны", "надо", "нельзя", "хочу",
    "хотела", "хотел", "хотим", "будет", "было", "был", "была", "были", "буду", "будут", "чтобы",
    "тоже", "также", "даже", "снова", "опять", "сегодня", "завтра", "вчера", "сейчас", "потом",
    "пока", "тогда", "который", "которая", "которые", "себя", "свой", "свою", "своё", "чем", "кто",
    "кого", "кому", "него", "неё", "нее", "ней", "ним", "них", "этого", "этой", "этом", "тот",
    "та", "те", "той", "тем", "того", "том", "сам", "сама", "уж", "ну", "вообще", "просто",
    "почти", "тоже", "всего", "всех", "всем", "ничего", "никто", "никак", "никогда", "где-то",
    "что-то", "как-то", "пожалуйста", "пожалуста", "пжл", "пжлст", "плиз", "спасибо", "спс",
    "благодарю", "здравствуйте", "здрасте", "здрасьте", "привет", "добрый", "доброе", "доброго",
    "день", "дня", "дней", "вечер", "утро", "свидания", "неделю", "недели", "месяц", "уважением",
    // the shop's words
    "заказ*", "заказыва*", "достав*", "возвра*", "верну*", "вернит*", "верни*", "отмен*",
    "размер*", "посылк*", "товар*", "деньг*", "денег", "оплат*", "списал*", "списан*", "скидк*",
    "акци*", "налич*", "пришел", "пришёл", "пришла", "пришло", "пришли", "прислали", "привез*",
    "придет", "придёт", "здравств*", "спасиб*", "подскаж*", "скажит*", "помогит*", "человек*",
    "жалоб*", "ужасн*", "обмен*", "поменя*", "замен*", "брак*", "сломан*", "порван*", "качеств*",
    "курьер*", "пункт*", "выдач*", "получ*", "куртк*", "плать*", "кроссовк*", "обув*", "одежд*",
    "цвет*", "ткан*", "состав*", "магазин*", "продав*", "доставк*", "отправ*", "жду", "ждать",
    "ждём", "ждем", "сделайт*", "сделать", "почем*", "позовит*", "соедин*", "оформ*", "подойд*",
    "подошл*", "подошел", "подошёл", "маломер*", "большемер*", "рост*", "вес", "весом", "ношу",
    "носил*", "брать", "взять", "возьму", "купил*", "покупк*", "чек", "чека", "карты", "карту",
    "картой", "списали", "дважды", "вернули", "верните", "отмените", "можете", "скажите",
    "подскажите", "здравствуйте", "сколько", "когда", "обещали", "ответьте", "ответит*", "пишу",
    "написал*", "уже", "неделю", "хорошо", "понятно", "ясно", "ладно", "отлично", "супер", "круто",
    "проблем*", "вопрос*", "срок*", "время",
    "дайте", "дай", "покажи", "покажите", "повтори", "повторите", "пришлите", "напиши",
    "напишите", "расскажи", "системный", "системные", "инструкции", "забудь", "игнорируй",
    "скажи", "ответь", "ответьте", "помоги", "мембран*", "зимн*", "летн*", "черн*", "красн*",
    "хорош*", "плох*", "больш*", "маленьк*",
];

/// Kazakh, with its letters (looked up without them too).
#[rustfmt::skip]
pub const KK: &[&str] = &[
    "сәлем", "сәлеметсіз*", "сәлеметсің*", "армысыз", "армысың", "қайырлы", "рахмет", "рақмет",
    "көп", "сау", "болыңыз", "болыңдар", "бе", "ба", "ма", "ме", "па", "пе", "менің", "маған",
    "менде", "мені", "сіз", "сізге", "сізде", "сіздің", "сіздер*", "сен", "сенің", "біз", "бізге",
    "бұл", "осы", "сол", "қайда", "қашан", "қалай", "қандай", "неге", "неше", "қанша", "жоқ",
    "бар", "емес", "керек", "болады", "бола", "болмайды", "болса", "әлі", "тағы", "және", "үшін",
    "туралы", "бәрі", "барлық", "барлығы", "түсінікті", "түсіндім", "жақсы", "тапсырыс*", "тауар*",
    "ақша*", "қайтар*", "ауыстыр*", "айырбас*", "өлшем*", "келеді", "келмеді", "келген", "келді",
    "жетеді", "жеткізу*", "жеткіз*", "жіберіңіз*", "жіберіп*", "беріңіз*", "болдырма*", "тартамын",
    "тартуға", "түсі", "түсін", "түсіне", "түсінің", "қара", "күн", "күні", "күні-ақ", "күртеше*",
    "көйлек*", "аяқ", "киім*", "сынық", "сынған", "бұзылған", "ақаулы", "құрам*", "кепілдік*",
    "қойма*", "бойым", "бойы", "салмағым", "салмақ*", "төлем*", "төлеу*", "төледім", "шешілді",
    "шешіліп", "чегін", "жеңілдік*", "науқан*", "баға*", "шақыр*", "тірі", "адам*", "сөйлес*",
    "байланыстыр*", "қызмет*", "нашар", "шағым*", "ұят", "кешіктір*", "ұмыт*", "нұсқау*", "айтшы",
    "айтыңыз", "ертең", "ауа", "райы", "әлде", "үлкен", "кіші", "дұрыс", "алайын", "алған",
    "алсам", "сатып", "уақыт*", "күт*", "қазір", "бүгін", "кеше", "апта*", "ішінде", "ішінен",
    "табаны", "ажырап", "кетті", "өткізбей", "түседі", "жатыр", "жатырмын", "жатырсыздар",
    "жазамын", "рет", "екі", "үшінші", "бірінші", "қайтарғым", "сөйлескім", "келеді", "өзің",
    "өзіңіз",
    "кім", "жауап*", "берді", "бермейді", "береді", "екен", "болса", "бірақ", "енді", "олар",
    "неден", "ешкім", "көмек*", "дүкен*", "ақпарат*", "бұғат*", "түсіп", "келіпті", "алмадым",
    "алдым", "тұр", "деп", "тігілген", "қауіпсіз*", "үтік*", "балалар", "балаға", "сай", "келе",
    "пе", "етіңіз", "жасаңыз", "жеткізілді", "тез", "баяу", "өтінемін", "әзіл", "тапсырма*",
    "иесі", "ретінде", "сатылып", "арзан*", "қымбат*", "кең", "тар", "мақта", "түпнұсқа*",
    "алғыс*", "қалды", "жоқпын", "ғой", "ғана", "келмейді", "істемейді", "сынып",
];

/// Kyrgyz, with its letters (looked up without them too).
#[rustfmt::skip]
pub const KY: &[&str] = &[
    "саламатсызбы", "саламатсыңарбы", "салам", "рахмат", "чоң", "ыраазымын", "баары", "түшүнүктүү",
    "түшүндүм", "түшүнбөй*", "жакшы", "кайда", "качан", "кантип", "кандай", "эмне", "эмнеге",
    "канча", "жок", "жокпу", "бар", "барбы", "болот", "болобу", "болбойт", "келет", "келди",
    "келбеди", "келген", "күтүп", "жатам", "жатат", "жатабыз", "менин", "мага", "мен", "сиз",
    "сизге", "силер", "бул", "ушул", "акча*", "кайтар*", "алмаштыр*", "өлчөм*", "буйрутма*",
    "жеткирүү*", "жеткир*", "бериңиз*", "сүйлөш*", "кызмат*", "абдан", "начар", "арзандатуу*",
    "жеңилдик*", "төлөм*", "өтпөй*", "жасалган", "бир", "жума*", "бери", "үчүн", "жана", "менен",
    "эч", "азыр", "бүгүн", "эртең", "кечээ", "дүкөн*", "туура", "келген", "алсам", "алам",
    "кичине", "көрсөт*", "кайтарсам", "сүйлөшкүм",
];

/// Uzbek in Latin script. The Cyrillic list is derived from it (`qachon` → `қачон`).
#[rustfmt::skip]
pub const UZ: &[&str] = &[
    "salom", "assalomu", "alaykum", "xayrli", "kun", "kuni", "kuniyoq", "rahmat", "raxmat",
    "tashakkur", "xayr", "katta", "hammasi", "tushunarli", "tushundim", "tushunmadim", "yaxshi",
    "yaxshimisiz", "mening", "menga", "menda", "meni", "sizga", "sizda", "sizning", "sizlar",
    "sizlarga", "shu", "qayerda", "qachon", "qachongacha", "qanday", "qancha", "nega", "nima",
    "necha", "qaysi", "yo'q", "bor", "bormi", "emas", "kerak", "bo'ladi", "bo'ladimi", "bo'lmaydi",
    "hali", "yana", "va", "bilan", "uchun", "haqida", "buyurtma*", "mahsulot*", "pul", "puli",
    "pulim", "pulni", "pulimni", "qaytar*", "almashtir*", "o'lcham*", "keladi", "kelmadi", "keldi",
    "yetib", "yetkaz*", "yubor*", "bering", "bekor", "qiling", "qilish", "qildim", "qilmoqchiman",
    "iltimos", "raqam*", "muddat*", "rangi", "rangga", "rangda", "qora", "oq", "ko'ylak*",
    "poyabzal*", "singan", "buzilgan", "nuqson*", "tarkib*", "kafolat*", "ombor*", "bo'yim",
    "bo'yi", "vazn*", "to'lov*", "to'ladim", "yechib", "olindi", "chegirma*", "chaqir*", "jonli",
    "odam", "gaplash*", "bog'lan*", "xizmat*", "juda", "yomon", "shikoyat*", "uyat", "kechiktir*",
    "unut", "unutib", "ko'rsatma*", "ertaga", "ob-havo", "yozing", "yozaman", "olay", "olsam",
    "olish", "kiyim*", "kutyapman", "kutaman", "hafta*", "kecha", "bugun", "hozir", "narx*",
    "sotib", "yetkazib", "berish", "holda", "marta", "ikki", "uchinchi", "birinchi", "boshqa",
    "to'g'ri", "kelmoqda", "o'tmayapti", "o'tkazmaydimi", "tagi", "ko'chib", "ketdi", "yuboribsiz",
    "menejer", "qaytmadi", "qaytarasiz", "tushadi", "suv",
    "kim", "javob", "bermayapti", "beradi", "berasizmi", "ekan", "bo'lsa", "lekin", "ham",
    "endi", "sen", "biz", "ular", "nimadan", "hech", "sharmandalik", "yordam", "yordamchi",
    "do'kon*", "mijoz*", "ma'lumot*", "tushib", "kelibdi", "yuboring", "olmadim", "oldim",
    "turibdi", "deb", "dedi", "kiyim", "tikilgan", "xavfsiz*", "dazmol*", "bolalar", "bolaga",
    "mos", "keladimi", "kerakmi", "yo'qmi", "qilib", "qildi", "topshirish", "yetkazildi", "tez",
    "sekin", "latifa", "vazifa*", "egasi", "sifatida", "barcha", "hamma", "sotilib", "sotuv*",
    "arzon*", "qimmat*", "kichik*", "keng", "tor", "bichilgan", "paxta*", "minnatdor*",
    "salomlar", "assalom", "vaalaykum", "teshik", "yonmayapti", "birov*", "sinib", "tugma*",
    "darrov", "tavsif*", "ishlamayapti", "ishlayapti", "ulang", "dasturchi", "emassan", "kimsan",
    "yaratgan", "retsept*", "palov", "buyuraman", "ko'rsat*", "yechiladimi", "xavfsizmi",
    "nechta", "qoldi", "emasman", "bo'ldi", "dahshat", "bahona*", "charchadim", "jirkanch",
    "uyalmaysizmi", "ketdimi", "yoki", "aytib", "ber",
];

/// Belarusian (looked up without ў and і too).
#[rustfmt::skip]
pub const BE: &[&str] = &[
    "добры", "дзень", "вечар", "раніца", "вітаю", "прывітанне", "дзякуй", "дзякую", "калі",
    "ласка", "усё", "зразумела", "зразумеў", "дзе", "мая", "маё", "замов*", "пасылк*", "прыйдзе",
    "прыйшла", "прыйшоў", "прыйшлі", "хачу", "вярну*", "вяртан*", "тавар*", "падышоў", "падышла",
    "адмян*", "ці", "памяня*", "памер*", "грошы", "грошай", "двойчы", "спісалі", "картк*",
    "злучыце", "аператар*", "чалавек*", "ёсць", "зніжк*", "жудасн*", "абслугоўван*", "зламан*",
    "рэч", "рэчы", "гэта", "гэты", "гэтая", "трэба", "няма", "таксама", "вельмі", "сёння",
    "заўтра", "учора", "тыдзень", "чаму", "колькі", "які", "якая", "якое", "дастаўк*", "заказа",
    "калі ласка", "ўсё", "мяне", "вам", "вось",
];

/// English.
#[rustfmt::skip]
pub const EN: &[&str] = &[
    "i'm", "im", "i've", "i'd", "you", "your", "you're", "my", "me", "we", "our", "us", "it",
    "it's", "its", "is", "are", "was", "were", "be", "been", "the", "an", "and", "or", "but", "to",
    "of", "in", "on", "at", "for", "with", "from", "by", "about", "this", "that", "these", "those",
    "what", "what's", "where", "where's", "when", "why", "how", "which", "who", "can", "can't",
    "could", "would", "will", "won't", "should", "do", "does", "did", "don't", "didn't", "doesn't",
    "hasn't", "haven't", "isn't", "not", "no", "yes", "please", "pls", "thanks", "thank", "thx",
    "hi", "hello", "hey", "good", "morning", "afternoon", "evening", "bye", "goodbye", "order",
    "orders", "ordered", "parcel", "package", "delivery", "deliver", "delivered", "arrive",
    "arrived", "arriving", "shipped", "shipping", "shipment", "tracking", "track", "cancel",
    "cancelled", "canceled", "return", "returned", "refund", "money", "back", "exchange", "swap",
    "size", "sizes", "fit", "fits", "small", "large", "big", "wear", "item", "items", "product",
    "stock", "available", "discount", "promo", "code", "sale", "coupon", "payment", "pay", "paid",
    "charged", "twice", "receipt", "card", "manager", "person", "human", "real", "talk", "speak",
    "call", "service", "worst", "terrible", "awful", "disappointed", "complaint", "report",
    "broken", "damaged", "wrong", "missing", "defective", "sent", "received", "got", "still",
    "yet", "any", "anyone", "have", "has", "had", "need", "want", "like", "just", "also", "there",
    "here", "now", "today", "tomorrow", "week", "weeks", "days", "ago", "made", "material",
    "waterproof", "colour", "color", "black", "white", "blue", "jacket", "coat", "shoes", "boots",
    "dress", "sweater", "zipper", "box", "glass", "height", "weight", "chest", "waist", "hips",
    "foot", "tall", "long", "take", "instead", "same", "send", "policy", "update", "shows",
    "nothing", "stuck", "transit", "ignore", "previous", "instructions", "pretend", "system",
    "prompt", "weather", "tell", "story", "rules", "answer", "without", "much", "many", "some",
    "all", "if", "then", "than", "so", "very", "too", "really", "again", "first", "day", "time",
    "next", "last", "new", "other", "another", "one", "two", "three", "get", "give", "make",
    "know", "see", "look", "come", "came", "go", "going", "let", "help", "check", "buy", "bought",
    "price", "cost", "free", "fast", "late", "since", "already", "because", "they", "he", "she",
    "him", "her", "them", "their", "hers", "his", "am", "may", "might", "must", "ok?", "still",
    "whether", "into", "out", "up", "down", "over", "under", "after", "before", "usually", "run",
    "runs", "issue", "problem", "problems", "question", "grandmother", "bedtime", "rules",
    "operator", "cracked", "broke", "doesn't", "hasn't", "come", "charger",
];

/// Words every language borrows, and size letters: no vote.
#[rustfmt::skip]
pub const NEUTRAL: &[&str] = &[
    "ok", "ок", "okay", "окей", "xs", "xxs", "s", "m", "l", "xl", "xxl", "xxxl", "хл", "wb", "вб",
    "ozon", "озон", "озоне", "wildberries", "вайлдберриз", "вайлдбериз", "sku", "id", "nmid",
    "iphone", "samsung", "android", "оператор*", "operator*", "менеджер*", "menejer*", "manager*",
    "промокод*", "promokod*", "promo", "cm", "kg", "см", "кг", "мм", "mm", "лол", "lol", "ха",
    "хах", "ахах", "haha", "hm", "хм", "ммм", "ааа", "эээ", "www", "http", "https", "ru", "com",
    "kz", "uz",
];
