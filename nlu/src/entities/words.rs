//! The words around a number that say what it is. Lower case; an entry ending in `*` is a
//! stem. Russian first, then transliteration, English, Kazakh, Uzbek (both scripts), Kyrgyz,
//! Belarusian and Armenian where shoppers use them.

/// Whether `word` is in `list` (exactly, or by a stem).
pub fn is_in(word: &str, list: &[&str]) -> bool {
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(stem) => word.starts_with(stem),
        None => word == *entry,
    })
}

/// Name the number that follows as an article (WB nmID, Ozon SKU).
#[rustfmt::skip]
pub const ARTICLE_MARKS: &[&str] = &[
    "артикул*", "арт", "артик*", "art", "artikul*", "articul*", "article*", "sku", "ску", "nmid",
    "nm", "нм", "нмид", "карточк*", "kartochk*", "товар*", "tovar*", "item*", "product*", "модел*",
    "model*", "лот", "lot", "позици*", "pozici*", "ссылк*", "ssylk*", "link", "mahsulot*",
    "маҳсулот*", "махсулот*", "тауар*", "vendor", "тавар*",
];

/// Name the number that follows as an order (WB order, Ozon posting, a tracking number).
#[rustfmt::skip]
pub const ORDER_MARKS: &[&str] = &[
    "заказ", "заказа", "заказу", "заказом", "заказе", "заказы", "заказов", "заказам", "заказах",
    "заказик*", "zakaz", "zakaza", "zakazu", "zakazom", "zakaze", "zakazy", "zakazi", "zakazov",
    "отправлени*", "отправк*", "otpravlen*", "посылк*", "посылочк*", "posylk*", "posilk*",
    "посилка*", "трек*", "трэк*", "trek*", "track*", "order", "orders", "order's", "shipment*",
    "parcel*", "package*", "posting*", "накладн*", "buyurtma*", "буюртма*", "тапсырыс*",
    "буйрутма*", "замов*", "пасылк*", "поставк*",
];

/// A verb of ordering right before a number («заказывала 1234567890»): an order, if nothing
/// nearer says otherwise.
#[rustfmt::skip]
pub const ORDER_VERBS: &[&str] = &[
    "заказал*", "заказыв*", "оформил*", "оформлял*", "zakazal*", "zakazyval*", "ordered",
];

/// Goods shoppers name. A number right after one is its article; a size-like one its size.
#[rustfmt::skip]
pub const PRODUCTS: &[&str] = &[
    // clothing and shoes: these also take sizes
    "куртк*", "курточк*", "плать*", "платьиц*", "кроссовк*", "кросовк*", "кроссы", "ботин*",
    "сапог*", "сапож*", "туфл*", "туфе*", "кед*", "кеды", "тапк*", "тапоч*", "сандал*", "босонож*",
    "шлепк*", "сланц*", "мокасин*", "лофер*", "кросс", "пальто", "пуховик*", "ветровк*", "парк*",
    "плащ*", "шуб*", "жилет*", "пиджак*", "жакет*", "блейзер*", "брюк*", "штан*", "джинс*",
    "леггинс*", "лосин*", "шорт*", "юбк*", "костюм*", "комбинезон*", "футболк*", "майк*", "топ",
    "топик*", "рубашк*", "сорочк*", "блуз*", "свитер*", "кофт*", "кардиган*", "джемпер*",
    "водолазк*", "худи", "толстовк*", "свитшот*", "лонгслив*", "пижам*", "халат*", "купальник*",
    "плавк*", "бюстгальтер*", "лифчик*", "трус*", "бель*", "носк*", "носоч*", "колготк*", "шапк*",
    "шапоч*", "кепк*", "бейсболк*", "панам*", "шарф*", "перчатк*", "варежк*", "ремень", "ремн*",
    "обувь", "обуви", "одежд*", "kurtk*", "plat*", "krossovk*", "botink*", "sapog*", "dzhins*",
    "bryuk*", "bruk*", "futbolk*", "sviter*", "kofta*", "kofty", "palto", "puhovik*",
    "shapk*", "jacket*", "coat*", "dress*", "shoe*", "sneaker*", "trainer*", "boot*", "jeans",
    "trousers", "pants", "shirt*", "t-shirt*", "tshirt*", "hoodie*", "sweater*", "skirt*",
    "shorts", "hat", "cap", "күртеше*", "көйлек*", "аяқкиім*", "kurtka*", "ko'ylak*", "poyabzal*",
    "shim*", "кўйлак*", "пойабзал*", "пойафзал*",
    // other goods
    "сумк*", "сумочк*", "рюкзак*", "кошел*", "чемодан*", "очк*", "часы", "час", "чехол", "чехл*",
    "наушник*", "зарядк*", "кабел*", "блендер*", "пылесос*", "чайник*", "сковород*", "кастрюл*",
    "утюг*", "фен", "фена", "игрушк*", "конструктор*", "крем*", "шампун*", "духи", "парфюм*",
    "помад*", "кроват*", "матрас*", "подушк*", "одеял*", "плед*", "полотенц*", "штор*", "ковр*",
    "ковер", "ковёр", "ламп*", "книг*", "вещ*", "набор*", "комплект*", "телевизор*", "ноутбук*",
    "планшет*", "смартфон*", "коляск*", "самокат*", "велосипед*", "посуд*", "тарелк*", "кружк*",
    "bag*", "backpack*", "charger*", "headphone*", "earbuds", "sumk*", "ryukzak*",
];

/// Name the number that follows or precedes as a size.
#[rustfmt::skip]
pub const SIZE_WORDS: &[&str] = &[
    "размер*", "разм", "размерчик*", "razmer*", "size*", "o'lcham*", "olcham*", "ўлчам*", "улчам*",
    "өлшем*", "олшем*", "өлчөм*", "олчом*", "памер*", "չափս*", "ростовк*", "eu", "ru", "рф", "рос",
    "нога", "ноги", "ногу", "ножка", "ножки", "noga", "nogi",
];

/// «р-р 48», «р. 48»: «размер» cut short, only right before the number (after one, «р» is
/// roubles).
pub const SIZE_ABBREVIATIONS: &[&str] = &["р", "разм", "рр"];

/// Verbs after which a size-like number is the size worn, chosen or received.
#[rustfmt::skip]
pub const WEAR_VERBS: &[&str] = &[
    "ношу", "носил*", "нош*", "носим", "беру", "брала", "брал", "брали", "взяла", "взял", "взяли",
    "возьму", "заказала", "заказал", "заказывал*", "купила", "купил", "купили", "пришел", "пришёл",
    "пришла", "пришли", "пришло", "прислали", "привезли", "положили", "выбрала", "выбрал",
    "выбираю", "подошел", "подошёл", "подошла", "подошли", "wear", "wore", "took", "nosh*",
    "nosil*", "beru", "brala", "vzyala", "vzyal", "kiyaman", "киемін", "киеміз", "киям", "кияман",
];

/// Words after a number that judge the fit: the number is a size.
#[rustfmt::skip]
pub const FIT_WORDS: &[&str] = &[
    "маломер*", "большемер*", "мал", "мала", "мало", "малы", "маловат*", "маленьк*", "велик",
    "велика", "велико", "велики", "великоват*", "большой", "большая", "большие", "жмет", "жмёт",
    "жмут", "давит", "давят", "тесн*", "широк*", "узк*", "короток", "коротк*", "длинн*", "сел",
    "села", "сели", "село", "сидит", "сидят", "подошел", "подошёл", "подошла", "подошли",
    "подходит", "подходят", "подойдет", "подойдёт", "подойдут", "идет", "идёт", "malomer*",
    "bolshemer*", "maly", "mal", "velik*", "zhmut", "zhmet", "runs", "fits", "fit", "kichik",
    "katta", "кичкентай", "кіші", "үлкен",
];

/// Words of exchange: «поменять 46 на 44», «swap M for L».
#[rustfmt::skip]
pub const EXCHANGE_WORDS: &[&str] = &[
    "поменя*", "обменя*", "обмен*", "замен*", "смен*", "pomen*", "obmen*", "zamen*", "exchange*",
    "swap*", "change", "ауыстыр*", "айырбаст*", "almashtir*", "алмаштир*", "алмаштыр*", "памяня*",
    "вместо", "vmesto", "instead",
];

/// Join sizes into a list or a range.
#[rustfmt::skip]
pub const CONNECTORS: &[&str] = &[
    "или", "и", "либо", "до", "на", "ili", "i", "do", "na", "or", "and", "to", "for", "yoki", "va",
    "ga", "немесе", "не", "же", "яки", "ёки", "ва", "га", "вместо", "vmesto", "instead", "of",
    "по", "ці", "або",
];

/// Units after a number: then it is a count, a price, a length or a time, not a size.
#[rustfmt::skip]
pub const UNITS: &[&str] = &[
    "см", "cm", "sm", "мм", "mm", "м", "m", "метр*", "кг", "kg", "г", "гр", "грамм*", "килограм*",
    "лет", "год", "года", "годик*", "мес*", "месяц*", "руб*", "р", "₽", "тыс*", "rub*", "тг",
    "тенге", "тең*", "сум", "so'm", "som", "сўм", "сом", "драм*", "шт", "штук*", "штуч*", "раз",
    "раза", "дн*", "день", "дня", "недел*", "час*", "ч", "мин*", "сек*", "числа", "число", "числу",
    "градус*", "литр*", "л", "мл", "вт", "w", "ватт*", "дюйм*", "inch*", "mah", "мач", "гб", "gb",
    "тб", "tb", "мб", "mb", "пар*", "человек*", "чел", "персон*", "этаж*", "кв", "квартир*",
    "подъезд*", "дом", "км", "km", "%", "процент*", "years", "year", "yrs", "months", "month",
    "days", "day", "hours", "hour", "minutes", "pcs", "pieces", "piece", "pairs", "rubles", "usd",
    "dollars", "euro", "eur", "kzt", "uzs", "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря", "янв", "фев", "мар", "апр",
    "июн", "июл", "авг", "сен", "сент", "окт", "ноя", "нояб", "дек", "yosh", "жас", "жаста",
    "жастағы", "ёш", "кун", "kun", "ай", "oy", "lbs", "lb", "фунт*", "ft", "feet", "fut*", "серии",
    "серия", "сезон*", "копе*", "коп", "баллов", "балл*", "бонус*", "звезд*",
];

/// Words right before a number that make it something else: an address, an age, a price, a
/// model, a code or a temperature.
#[rustfmt::skip]
pub const NOT_SIZE_BEFORE: &[&str] = &[
    "№", "#", "дом", "д", "кв", "ул", "улица", "улице", "этаж", "подъезд", "корпус", "стр",
    "строение", "iphone", "айфон", "samsung", "galaxy", "redmi", "xiaomi", "honor", "pro", "ps",
    "windows", "версия", "версии", "серия", "серии", "ошибк*", "error", "код", "кода", "скидк*",
    "скидочк*", "цена", "цене", "цену", "стоит", "стоимость", "стоимостью", "каждые", "через",
    "возраст*", "сыну", "дочке", "дочери", "дочь", "сын", "ребенку", "ребёнку", "внуку", "внучке",
    "мужу", "жене", "маме", "папе", "age", "aged", "старше", "младше", "сумм*", "оплатил*",
    "заплатил*", "списали", "списал*", "вернули", "доплат*", "баллов", "бонус*", "класс*",
    "группа", "группы", "вариант", "пункт", "п", "номер", "номером", "минус", "плюс",
    "температур*", "диагональ*", "объем*", "объём*", "мощност*", "емкост*", "ёмкост*", "модел*",
    "model*", "артикул*", "арт", "art", "sku", "чек*", "тариф*", "гарант*", "комнат*", "квартир*",
];
