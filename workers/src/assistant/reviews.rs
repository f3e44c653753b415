//! Replies to product reviews. The stars decide the mood first and the words second: a 5★
//! review is thanked, never treated as a complaint; a mild remark in a 4★ review is
//! acknowledged; 1–3★ reviews get an apology for the stated problem and what to do about it.
//! What the shopper liked and what went wrong are read clause by clause, so «без брака» and
//! «не пожалела» are not problems.

use super::catalogue::{Arg, Speech};
use super::state::State;

/// What a shopper praised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liked {
    Quality,
    Fit,
    Colour,
    Material,
    Warmth,
    Comfort,
    Price,
    Delivery,
    Packaging,
    Looks,
}

impl Liked {
    fn key(self) -> &'static str {
        match self {
            Liked::Quality => "quality",
            Liked::Fit => "fit",
            Liked::Colour => "colour",
            Liked::Material => "material",
            Liked::Warmth => "warmth",
            Liked::Comfort => "comfort",
            Liked::Price => "price",
            Liked::Delivery => "delivery",
            Liked::Packaging => "packaging",
            Liked::Looks => "looks",
        }
    }
}

/// What went wrong, as the shopper said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    SizeSmall,
    SizeLarge,
    /// The size did not fit, without saying which way.
    SizeOff,
    Defect,
    WrongItem,
    ColourMismatch,
    NotAsPictured,
    Smell,
    ThinMaterial,
    DeliveryDamage,
    Late,
    PoorQuality,
    /// Something missing from the order or the set.
    Incomplete,
    /// Rubs, scratches or presses when worn.
    Uncomfortable,
    /// A shortcoming in the cons field that none of the above names.
    Other,
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::SizeSmall => "size_small",
            Problem::SizeLarge => "size_large",
            Problem::SizeOff => "size_off",
            Problem::Defect => "defect",
            Problem::WrongItem => "wrong_item",
            Problem::ColourMismatch => "colour_mismatch",
            Problem::NotAsPictured => "not_as_pictured",
            Problem::Smell => "smell",
            Problem::ThinMaterial => "thin_material",
            Problem::DeliveryDamage => "delivery_damage",
            Problem::Late => "late",
            Problem::PoorQuality => "poor_quality",
            Problem::Incomplete => "incomplete",
            Problem::Uncomfortable => "uncomfortable",
            Problem::Other => "other",
        }
    }

    fn is_size(self) -> bool {
        matches!(
            self,
            Problem::SizeSmall | Problem::SizeLarge | Problem::SizeOff
        )
    }

    /// Problems a return or an exchange solves.
    fn returnable(self) -> bool {
        self.faulty() || self.is_size() || self == Problem::Uncomfortable
    }

    /// Problems the rules for faulty goods answer, not those for goods that did not suit.
    pub fn faulty(self) -> bool {
        matches!(
            self,
            Problem::Defect
                | Problem::WrongItem
                | Problem::DeliveryDamage
                | Problem::PoorQuality
                | Problem::Incomplete
        )
    }
}

/// How the reply should feel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    /// Thank, name what was liked.
    Pleased,
    /// Thank, and acknowledge the remark.
    PleasedWithRemark,
    /// Apologise, address the problem, say what happens next.
    Disappointed,
}

/// A review as read: its mood, what was liked and what went wrong, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub mood: Mood,
    pub stars: Option<u8>,
    pub liked: Vec<Liked>,
    pub problems: Vec<Problem>,
}

/// Problem cues, most specific first: a wrong colour is not a general "not as pictured".
const PROBLEMS: &[(Problem, &[&str])] = &[
    (
        Problem::WrongItem,
        &[
            "вместо",
            "не тот товар",
            "не тот цвет",
            "не тот размер",
            "не та модель",
            "не то что заказ",
            "не то, что заказ",
            "прислали не",
            "пришел не тот",
            "пришла не та",
            "пришло не то",
            "прислали другой",
            "прислали другую",
            "пришел другой",
            "пришла другая",
            "перепутали",
            "вместо заказанн",
        ],
    ),
    (
        Problem::DeliveryDamage,
        &[
            "повредили при доставке",
            "поврежден при доставке",
            "пострадал при доставке",
            "коробка порвана",
            "коробка помята",
            "коробка была помята",
            "упаковка порвана",
            "упаковка была порвана",
            "упаковка повреждена",
            "пришел поврежденн",
            "пришла поврежденн",
            "пришло поврежденн",
            "пришел разбит",
            "пришла разбит",
            "помятой коробке",
            "порванном пакете",
            "рваном пакете",
        ],
    ),
    (
        Problem::Incomplete,
        &[
            "не хватает",
            "не хватило",
            "не оказалось",
            "нет в комплекте",
            "в комплекте нет",
            "в комплекте не было",
            "не положили",
            "не доложили",
            "недоложили",
            "недокомплект",
            "не довезли",
        ],
    ),
    (
        Problem::Defect,
        &[
            "отклеи",
            "туговат",
            "заеда",
            "неровн",
            "подтека",
            "протека",
            "течет",
            "потек",
            "отклеива",
            "порвал",
            "порвалась",
            "порвался",
            "скрип",
            "лезет",
            "вылезает",
            "б/у",
            "бу ",
            "ношен",
            "грязн",
            "поношен",
            "пятн",
            "брак",
            "бракован",
            "дефект",
            "дырк",
            "дыра",
            "дырой",
            "разошел",
            "разошлась",
            "разошелся",
            "разошлись",
            "распоролся",
            "распоролась",
            "торчат нитки",
            "торчащие нитки",
            "нитки торчат",
            "пятно",
            "пятна",
            "затяжк",
            "сломал",
            "сломан",
            "не работает",
            "отвалил",
            "отклеил",
            "треснул",
            "оторвал",
            "кривые швы",
            "кривой шов",
            "молния сломал",
        ],
    ),
    (
        Problem::ColourMismatch,
        &[
            "цвет не соответств",
            "цвет отличает",
            "цвет другой",
            "цвет совсем другой",
            "цвет не такой",
            "цвет не как на",
            "цвет не совпада",
            "отличается от фото",
            "отличается от картинки",
            "отличается от фотограф",
            "оттенок другой",
            "оттенок отличает",
            "темнее чем на фото",
            "светлее чем на фото",
            "темнее, чем на фото",
            "светлее, чем на фото",
        ],
    ),
    (
        Problem::SizeSmall,
        &[
            "маломер",
            "маловат",
            "мал ",
            "мала ",
            "мало в",
            "коротковат",
            "впритык",
            "не налазит",
            "узк",
            "тесн",
            "жмет",
            "жмут",
            "давит",
            "давят",
            "не налез",
            "не застегива",
            "не сходится",
            "не сходятся",
            "на размер меньше заявлен",
            "берите на размер больше",
            "брать на размер больше",
            "бери на размер больше",
            "заказывайте на размер больше",
            "на размер больше, чем",
            "на два размера больше",
        ],
    ),
    (
        Problem::SizeLarge,
        &[
            "большемер",
            "слишком длинн",
            "немного длинн",
            "чуть длинн",
            "великоват",
            "велик ",
            "велика ",
            "велико ",
            "огромн",
            "болтается",
            "болтаются",
            "длинноват",
            "широковат",
            "висят",
            "висит мешком",
            "висит как",
            "берите на размер меньше",
            "брать на размер меньше",
            "заказывайте на размер меньше",
            "на два размера меньше",
        ],
    ),
    (
        Problem::SizeOff,
        &[
            "не соответствует таблиц",
            "не соответствует размерной",
            "размеры не соответств",
            "сидит как",
            "не подошел по размеру",
            "не подошла по размеру",
            "не подошло по размеру",
            "не подошли по размеру",
            "размер не подошел",
            "размер не подошла",
            "размер не соответствует",
            "не соответствует размеру",
            "не соответствует размерам",
            "не по размеру",
            "не мой размер",
            "размерная сетка не",
        ],
    ),
    (
        Problem::NotAsPictured,
        &[
            "не соответствует описанию",
            "не соответствует фото",
            "не соответствует картинке",
            "не как на фото",
            "не как на картинке",
            "не совпадает с описанием",
            "не совпадает с фото",
            "на фото выглядит",
            "на фото совсем",
            "ожидание и реальность",
            "ожидание реальность",
            "не то что на фото",
        ],
    ),
    (
        Problem::Smell,
        &["запах", "пахн", "пахл", "пах ", "воня", "вонь", "химией"],
    ),
    (
        Problem::ThinMaterial,
        &[
            "тонкая ткань",
            "ткань тонкая",
            "ткань очень тонкая",
            "тонкий материал",
            "материал тонкий",
            "тонковат",
            "просвечива",
            "как марля",
            "тонкая, как",
        ],
    ),
    (
        Problem::Late,
        &[
            "долго шел",
            "долго шла",
            "долго шло",
            "долго ехал",
            "долго ехала",
            "долго везли",
            "долгая доставка",
            "доставка долгая",
            "доставка очень долгая",
            "доставили с опозданием",
            "задержали доставку",
            "ждала две недели",
            "ждал две недели",
            "ждали две недели",
            "ждала месяц",
            "ждал месяц",
            "позже",
            "задержал",
            "опоздал",
            "опоздани",
            "с опозданием",
            "не успел",
            "дольше, чем обещ",
            "больше времени, чем",
        ],
    ),
    (
        Problem::Uncomfortable,
        &[
            "натира",
            "натерл",
            "натер ",
            "натерли",
            "колет",
            "колючая",
            "колючий",
            "колючее",
            "колется",
            "неудобн",
        ],
    ),
    (
        Problem::PoorQuality,
        &[
            "села на",
            "сел на",
            "села после",
            "немного села",
            "сели после",
            "качество ужас",
            "качество плох",
            "качество не очень",
            "качество так себе",
            "качество отвратит",
            "качество никакое",
            "ужасное качество",
            "плохое качество",
            "отвратительное качество",
            "некачествен",
            "катышк",
            "полинял",
            "линяет",
            "села после стирки",
            "сел после стирки",
            "растянул",
            "дешево выглядит",
            "выглядит дешево",
            "дешевка",
            "одноразов",
            "развалил",
            "не стоит своих денег",
            "деньги на ветер",
            "не рекомендую",
            "не советую",
            "разочарован",
        ],
    ),
];

/// Problems named by two words of a clause together: what («коробка», «нитки») and what is
/// wrong with it («помята», «торчат»).
const PAIRS: &[(Problem, &[&str], &[&str])] = &[
    (
        Problem::DeliveryDamage,
        &["коробк", "упаковк", "посылк", "пакет"],
        &[
            "мят",
            "помят",
            "смят",
            "порван",
            "разорван",
            "рван",
            "надорван",
            "поврежд",
            "мокр",
            "вскрыт",
        ],
    ),
    (
        Problem::SizeSmall,
        &[
            "голов",
            "ног",
            "нога",
            "плеч",
            "груд",
            "бедр",
            "талии",
            "живот",
            "пятк",
        ],
        &["не лезет", "не влез", "не налез"],
    ),
    (
        Problem::ColourMismatch,
        &["цвет", "оттен"],
        &[
            "темнее",
            "светлее",
            "бледнее",
            "отличает",
            "не такой",
            "не тот",
        ],
    ),
    (
        Problem::Defect,
        &["нитк", "ниточ"],
        &["торч", "подрез", "обрез", "вылез", "висел", "висят", "гнил"],
    ),
    (
        Problem::Defect,
        &["пуговиц", "кнопк", "застежк", "молни"],
        &["держал", "оторвал", "отвал", "болтал", "отлетел", "пришил"],
    ),
];

/// A review's own words for "this is why not five": in a 4★ review they mark a remark even
/// when it names nothing the cues know.
const REMARKS: &[&str] = &[
    "единственное",
    "единственный минус",
    "из минусов",
    "минус звезд",
    "минус одна звезд",
    "звезду снял",
    "звезду сняла",
    "звезду снимаю",
    "звездочку снял",
    "звездочку сняла",
    "поэтому четыре",
    "поэтому 4",
    "отсюда четыре",
    "за это четыре",
    "на пять не дотягивает",
    "а так пять",
    "а так бы пять",
    "есть нюанс",
];

/// Praise cues; a clause that also names a problem or negates the cue does not count.
const LIKED: &[(Liked, &[&str])] = &[
    (
        Liked::Fit,
        &[
            "размер подошел",
            "размер подошла",
            "подошел по размеру",
            "подошла по размеру",
            "подошло по размеру",
            "подошли по размеру",
            "размер в размер",
            "в размер",
            "размер соответствует",
            "соответствует размеру",
            "село идеально",
            "села идеально",
            "сел идеально",
            "сидит идеально",
            "сидит отлично",
            "села отлично",
            "сидит хорошо",
            "по фигуре",
            "размер идеальн",
        ],
    ),
    (
        Liked::Quality,
        &[
            "качеств",
            "добротн",
            "хорошо сшит",
            "аккуратно сшит",
            "швы ровные",
            "ровные швы",
            "пошив отличн",
            "пошив хорош",
        ],
    ),
    (Liked::Colour, &["цвет"]),
    (
        Liked::Material,
        &[
            "ткань",
            "материал",
            "приятн к телу",
            "приятная к телу",
            "приятный к телу",
            "мягк",
            "плотн",
            "натуральн",
        ],
    ),
    (
        Liked::Warmth,
        &["тепл", "греет", "не мерзн", "не замерз", "в мороз"],
    ),
    (
        Liked::Comfort,
        &["удобн", "комфортн", "легкий", "легкая", "легкие"],
    ),
    (
        Liked::Price,
        &[
            "цена",
            "цену",
            "цене",
            "за такие деньги",
            "своих денег",
            "недорог",
            "бюджетн",
            "выгодн",
        ],
    ),
    (
        Liked::Delivery,
        &[
            "быстро пришел",
            "быстро пришла",
            "быстро пришло",
            "быстро доставили",
            "быстрая доставка",
            "доставка быстрая",
            "доставка быстро",
            "пришел быстро",
            "пришла быстро",
            "пришло быстро",
            "привезли быстро",
            "раньше срока",
            "доставили быстро",
        ],
    ),
    (Liked::Packaging, &["упаков", "в коробке", "коробочк"]),
    (
        Liked::Looks,
        &[
            "красив",
            "стильн",
            "смотрится",
            "выглядит дорого",
            "нарядн",
            "модн",
            "шикарн",
            "эффектн",
        ],
    ),
];

/// Answers in the cons field that mean "none".
const NOTHING: &[&str] = &[
    "нет",
    "нету",
    "-",
    "—",
    "не обнаружено",
    "не нашла",
    "не нашел",
    "не выявлено",
    "отсутствуют",
    "не заметила",
    "не заметил",
    "пока нет",
    "нет недостатков",
    "всё отлично",
    "все отлично",
];

/// How "none found" starts in the cons field: «не обнаружила», «пока не нашёл».
const NOTHING_FOUND: &[&str] = &[
    "не нашл",
    "не нашел",
    "не обнаруж",
    "не выявл",
    "не замет",
    "пока не",
    "не найден",
    "отсутству",
    "никаких",
];

/// Lower case, «ё» as «е», one space between words, so cues match the way people type.
fn normalise(text: &str) -> String {
    let lowered = text.to_lowercase().replace('ё', "е");
    let mut out = String::with_capacity(lowered.len() + 1);
    for word in lowered.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    // A trailing space lets cues such as «мал » match at the end of a clause.
    out.push(' ');
    out
}

/// Clauses: sentences, split again at «но» and «а вот», where reviews turn.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sentence in text.split(['.', '!', '?', ';', '\n', '(', ')']) {
        let sentence = normalise(sentence);
        let mut rest = sentence.as_str();
        while let Some(at) = [" но ", ", но ", " а вот ", " однако "]
            .iter()
            .filter_map(|turn| rest.find(turn))
            .min()
        {
            out.push(rest[..at].to_owned() + " ");
            rest = &rest[at + 1..];
        }
        if !rest.trim().is_empty() {
            out.push(rest.to_owned());
        }
    }
    out
}

/// Where `cue` occurs in `clause` at the start of a word.
fn find(clause: &str, cue: &str) -> Option<usize> {
    clause.match_indices(cue).map(|(at, _)| at).find(|&at| {
        !clause[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    })
}

/// «не», «нет», «без», «ни» just before the cue, or «нет» just after it: «без брака»,
/// «не маломерит», «запаха нет».
fn negated(clause: &str, at: usize, cue: &str) -> bool {
    if cue.starts_with("не ") {
        return false;
    }
    let before: Vec<&str> = clause[..at].split_whitespace().rev().take(2).collect();
    let after: Vec<&str> = clause[at + cue.len()..]
        .split_whitespace()
        .take(3)
        .collect();
    before
        .first()
        .is_some_and(|w| ["не", "нет", "без", "ни", "никакого", "никаких"].contains(w))
        || before.get(1).is_some_and(|w| ["без", "ни"].contains(w))
        || after
            .iter()
            .any(|w| w.trim_matches(|c: char| !c.is_alphabetic()) == "нет")
}

/// Whether a word of the clause starts with `cue`, not negated.
fn says(clause: &str, cue: &str) -> bool {
    find(clause, cue).is_some_and(|at| !negated(clause, at, cue) && !thanking(clause, at))
}

/// «Огромное спасибо»: the word at `at` is a thank-you's, not a problem's.
fn thanking(clause: &str, at: usize) -> bool {
    clause[at..]
        .split_whitespace()
        .nth(1)
        .is_some_and(|next| next.starts_with("спасиб") || next.starts_with("благодар"))
}

/// «Вместо обещанных трёх дней» is a late order, not another item sent instead.
fn instead_of_a_promise(clause: &str, cue: &str) -> bool {
    cue == "вместо"
        && ["обещан", "заявлен", "срок", "дней", "дня", "недел", "месяц"]
            .iter()
            .any(|w| clause.contains(w))
}

/// «Заказ шёл 18 дней», «посылку везли две недели»: on the way for a week or longer.
fn long_on_the_way(clause: &str) -> bool {
    let travelled = [
        "ждал",
        "ждала",
        "ждали",
        "шел",
        "шла",
        "шло",
        "ехал",
        "ехала",
        "ехало",
        "везли",
        "доставка заняла",
        "доставка шла",
    ]
    .iter()
    .any(|verb| find(clause, verb).is_some());
    let words: Vec<&str> = clause.split_whitespace().collect();
    let long = words.iter().enumerate().any(|(i, word)| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        word.starts_with("недел")
            || word.starts_with("месяц")
            || (word.starts_with("дн") || word.starts_with("дней"))
                && i > 0
                && words[i - 1].parse::<u32>().is_ok_and(|days| days >= 7)
    });
    travelled && long
}

fn problems_in(clause: &str) -> Vec<Problem> {
    let mut found: Vec<Problem> = Vec::new();
    for (problem, cues) in PROBLEMS {
        if cues
            .iter()
            .any(|cue| says(clause, cue) && !instead_of_a_promise(clause, cue))
        {
            push_unique(&mut found, vec![*problem]);
        }
        if *problem == Problem::Late && long_on_the_way(clause) {
            push_unique(&mut found, vec![Problem::Late]);
        }
        for (paired, what, wrong) in PAIRS {
            if paired == problem
                && what.iter().any(|w| find(clause, w).is_some())
                && wrong.iter().any(|w| says(clause, w))
            {
                push_unique(&mut found, vec![*problem]);
            }
        }
    }
    found
}

fn liked_in(clause: &str) -> Vec<Liked> {
    LIKED
        .iter()
        .filter(|(_, cues)| {
            cues.iter()
                .any(|cue| find(clause, cue).is_some_and(|at| !negated(clause, at, cue)))
        })
        .map(|(liked, _)| *liked)
        .collect()
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, items: Vec<T>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// The question a review asks beside its verdict («…в размер. А гарантия на них какая?»): its
/// last sentence that ends with a question mark.
pub fn question_in(body: &str) -> Option<&str> {
    body.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .rfind(|sentence| sentence.ends_with('?') && sentence.chars().count() > 3)
}

/// Reads a review: the body as recorded (the text, then «Достоинства: …» and «Недостатки: …»
/// lines) and its stars.
pub fn read(body: &str, stars: Option<u8>) -> Reading {
    let mut text = Vec::new();
    let mut pros = Vec::new();
    let mut cons = Vec::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("Достоинства:") {
            pros.push(rest.trim());
        } else if let Some(rest) = line.strip_prefix("Недостатки:") {
            let rest = rest.trim();
            let said = normalise(rest);
            let said = said.trim().trim_end_matches(['.', '!']);
            let none = NOTHING.contains(&said) || NOTHING_FOUND.iter().any(|n| said.starts_with(n));
            if !none {
                cons.push(rest);
            }
        } else {
            text.push(line);
        }
    }
    let mut liked = Vec::new();
    let mut problems = Vec::new();
    for clause in clauses(&text.join("\n")) {
        let mut found = problems_in(&clause);
        // Five stars say nothing went wrong: a problem word counts only in a turn of the
        // review («но…», «единственное…»), not in «все другие модели натирали, а эти нет».
        let turned = [
            "но ",
            "а вот ",
            "однако ",
            "только ",
            "единственн",
            "правда",
            "минус",
        ]
        .iter()
        .any(|turn| clause.trim_start().starts_with(turn));
        if stars == Some(5) && !turned {
            found.clear();
        }
        if found.is_empty() {
            push_unique(&mut liked, liked_in(&clause));
        } else {
            push_unique(&mut problems, found);
        }
    }
    for clause in clauses(&pros.join("\n")) {
        push_unique(&mut liked, liked_in(&clause));
    }
    // «Минус звезда за…», «поэтому четыре»: a 4★ review says it has a remark.
    let remarked = clauses(&text.join("\n"))
        .iter()
        .any(|clause| REMARKS.iter().any(|cue| find(clause, cue).is_some()));
    if stars == Some(4) && remarked && problems.is_empty() {
        problems.push(Problem::Other);
    }
    for clause in clauses(&cons.join("\n")) {
        let found = problems_in(&clause);
        if found.is_empty() && !clause.trim().is_empty() {
            // A stated shortcoming without a known cue is still a remark.
            push_unique(&mut problems, vec![Problem::Other]);
        }
        push_unique(&mut problems, found);
    }
    // A more specific size problem makes the vague one redundant.
    if problems
        .iter()
        .any(|p| matches!(p, Problem::SizeSmall | Problem::SizeLarge))
    {
        problems.retain(|p| *p != Problem::SizeOff);
    }
    if problems.len() > 1 {
        problems.retain(|p| *p != Problem::Other);
    }
    if problems.contains(&Problem::ColourMismatch) || problems.contains(&Problem::WrongItem) {
        problems.retain(|p| *p != Problem::NotAsPictured);
    }
    // Praise of a quality the shopper also faults is not praise.
    if problems.contains(&Problem::PoorQuality) {
        liked.retain(|l| *l != Liked::Quality);
    }
    if problems.iter().any(|p| p.is_size()) {
        liked.retain(|l| *l != Liked::Fit);
    }
    if problems.contains(&Problem::ColourMismatch) {
        liked.retain(|l| *l != Liked::Colour);
    }
    if problems.contains(&Problem::DeliveryDamage) {
        liked.retain(|l| *l != Liked::Packaging);
    }
    let mood = match stars {
        Some(4 | 5) if problems.is_empty() => Mood::Pleased,
        Some(4 | 5) => Mood::PleasedWithRemark,
        Some(_) => Mood::Disappointed,
        None if !problems.is_empty() => Mood::Disappointed,
        None => Mood::Pleased,
    };
    Reading {
        mood,
        stars,
        liked,
        problems,
    }
}

/// A shopper's name fit to address them by: WB shows a first name, or a placeholder.
fn addressable(name: &str) -> Option<&str> {
    let name = name.trim();
    let placeholder = [
        "покупатель",
        "пользователь",
        "user",
        "аноним",
        "покупательница",
    ]
    .iter()
    .any(|p| name.to_lowercase().starts_with(p));
    let plausible = (2..=20).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphabetic() || c == '-')
        && name.chars().next().is_some_and(char::is_uppercase);
    (plausible && !placeholder).then_some(name)
}

/// What a reply may say about returns: the shop's own words, found by the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct Remedies<'a> {
    /// How a return works, quoted when a returnable problem is stated.
    pub returns: Option<&'a str>,
    /// The product has a size chart in its card.
    pub size_chart: bool,
}

/// The reply to a review, and the keys of the wordings used.
pub fn reply(
    speech: Speech,
    state: &State,
    reading: &Reading,
    author: &str,
    remedies: Remedies<'_>,
) -> (String, Vec<String>) {
    let mut sentences = Vec::new();
    let mut said = Vec::new();
    let mut say = |(text, key): (String, String)| {
        sentences.push(text);
        said.push(key);
    };
    let name = addressable(author);
    match reading.mood {
        Mood::Pleased | Mood::PleasedWithRemark => {
            let family = match (name, reading.stars) {
                (Some(_), _) => "review-thanks-named",
                (None, Some(5)) => "review-thanks-top",
                (None, _) => "review-thanks",
            };
            say(speech.vary(state, family, &[("name", Arg::Text(name.unwrap_or("")))]));
            if reading.liked.is_empty() {
                say(speech.vary(state, "review-pleased", &[]));
            } else {
                let liked: Vec<String> = reading
                    .liked
                    .iter()
                    .take(3)
                    .map(|l| speech.text(&format!("liked-{}", l.key()), &[]))
                    .collect();
                let list = join(speech, &liked);
                say(speech.vary(state, "review-liked", &[("liked", Arg::Owned(list))]));
            }
            if let (Mood::PleasedWithRemark, Some(problem)) =
                (reading.mood, reading.problems.first())
            {
                let about = speech.text(&format!("about-{}", problem.key()), &[]);
                say(speech.vary(state, "review-remark", &[("about", Arg::Owned(about))]));
                if problem.is_size() && remedies.size_chart {
                    say(speech.vary(state, "review-size-chart-later", &[]));
                }
            }
            say(speech.vary(state, "review-closing", &[]));
        }
        Mood::Disappointed => {
            match reading.problems.first() {
                Some(problem) => say((
                    speech.text(&format!("review-sorry-{}", problem.key()), &[]),
                    format!("review-sorry:{}", problem.key()),
                )),
                None => say(speech.vary(state, "review-sorry-general", &[])),
            }
            let problem = reading.problems.first().copied();
            if problem.is_some_and(Problem::is_size) && remedies.size_chart {
                say(speech.vary(state, "review-size-chart", &[]));
            }
            match (problem.filter(|p| p.returnable()), remedies.returns) {
                (Some(_), Some(policy)) => say((
                    speech.text(
                        "review-returns",
                        &[("policy", Arg::Owned(lower_first(policy)))],
                    ),
                    "review-returns".to_owned(),
                )),
                (Some(_), None) => say(speech.vary(state, "review-returns-chat", &[])),
                (None, _) => {}
            }
            match problem {
                None => say(speech.vary(state, "review-tell-more", &[])),
                // A size that did not fit is answered by the chart and the return terms.
                Some(p) if p.is_size() && (remedies.size_chart || remedies.returns.is_some()) => {}
                Some(_) => say(speech.vary(state, "review-next", &[])),
            }
        }
    }
    (sentences.join(" "), said)
}

/// A quoted sentence continuing the reply's own: «…: вернуть товар можно…».
fn lower_first(text: &str) -> String {
    let mut chars = text.trim().chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// «a, b и c» in the reply's language.
fn join(speech: Speech, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => speech.text(
            "list-and",
            &[
                ("first", Arg::Owned(rest.join(", "))),
                ("last", Arg::Text(last)),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_beside_the_verdict_is_found() {
        assert_eq!(
            question_in("Сумка супер, вместительная! А ремень можно отстегнуть?"),
            Some("А ремень можно отстегнуть?")
        );
        assert_eq!(question_in("Всё пришло вовремя, спасибо."), None);
    }

    #[test]
    fn stars_decide_before_words() {
        let five = read(
            "Отличное качество, размер подошёл идеально. Спасибо!",
            Some(5),
        );
        assert_eq!(five.mood, Mood::Pleased);
        assert!(five.liked.contains(&Liked::Quality), "{five:?}");
        assert!(five.liked.contains(&Liked::Fit), "{five:?}");
        assert!(five.problems.is_empty());

        let no_regrets = read("Не пожалела ни разу, всё супер", Some(5));
        assert_eq!(no_regrets.mood, Mood::Pleased, "{no_regrets:?}");

        let remark = read(
            "Куртка тёплая, но немного маломерит, брала на размер больше.",
            Some(4),
        );
        assert_eq!(remark.mood, Mood::PleasedWithRemark);
        assert_eq!(remark.problems, vec![Problem::SizeSmall]);
        assert!(remark.liked.contains(&Liked::Warmth));

        let small = read("Маломерит на два размера", Some(2));
        assert_eq!(small.mood, Mood::Disappointed);
        assert_eq!(small.problems, vec![Problem::SizeSmall]);

        let negations = read(
            "Без брака, запаха нет, не маломерит.\nДостоинства: цвет\nНедостатки: нет",
            Some(5),
        );
        assert!(negations.problems.is_empty(), "{negations:?}");
        assert!(negations.liked.contains(&Liked::Colour));

        let defect = read("Пришла с дыркой на рукаве, шов разошёлся", Some(1));
        assert_eq!(defect.problems.first(), Some(&Problem::Defect));

        let wrong = read("Прислали не тот цвет, заказывала чёрный", Some(2));
        assert_eq!(wrong.problems.first(), Some(&Problem::WrongItem));
        let late = read(
            "Ждала заказ две недели вместо обещанных трёх дней.",
            Some(1),
        );
        assert_eq!(late.problems, vec![Problem::Late], "{late:?}");
        let slow = read("Посылка ехала 16 дней, товар нормальный", Some(2));
        assert_eq!(slow.problems.first(), Some(&Problem::Late), "{slow:?}");
    }

    #[test]
    fn a_four_star_remark_is_heard_and_five_stars_are_not_second_guessed() {
        for (text, problem) in [
            ("Всё отлично, но привезли на неделю позже.", Problem::Late),
            (
                "Хороший рюкзак. Коробка пришла мятая, сам целый.",
                Problem::DeliveryDamage,
            ),
            (
                "Удобно. В наборе не оказалось второго ремешка.",
                Problem::Incomplete,
            ),
            (
                "Тёплые, но первые дни натирали мизинец.",
                Problem::Uncomfortable,
            ),
            ("Отличная куртка, молния поначалу заедала.", Problem::Defect),
        ] {
            let reading = read(text, Some(4));
            assert_eq!(reading.mood, Mood::PleasedWithRemark, "{text}: {reading:?}");
            assert_eq!(
                reading.problems.first(),
                Some(&problem),
                "{text}: {reading:?}"
            );
        }
        let said_why = read("Хорошо сидит. Звезду сняла за мелочи.", Some(4));
        assert_eq!(said_why.problems, vec![Problem::Other], "{said_why:?}");
        for text in [
            "Прошлые модели все натирали, эти как родные. Продавцу огромное спасибо!",
            "Держит форму после стирки, пух не лезет.",
            "Сидит отлично.\nНедостатки: Не обнаружила",
        ] {
            let reading = read(text, Some(5));
            assert_eq!(reading.mood, Mood::Pleased, "{text}: {reading:?}");
        }
    }

    #[test]
    fn replies_fit_the_mood_and_never_dump_the_card() {
        let state = State::default();
        let speech = Speech::RUSSIAN;
        let (thanks, _) = reply(
            speech,
            &state,
            &read(
                "Отличное качество, размер подошёл идеально. Спасибо!",
                Some(5),
            ),
            "Анна",
            Remedies::default(),
        );
        assert!(thanks.starts_with("Анна, спасибо"), "{thanks}");
        assert!(thanks.contains("качество"), "{thanks}");
        assert!(!thanks.contains("Жаль"), "{thanks}");

        let (sorry, _) = reply(
            speech,
            &state,
            &read("Маломерит на два размера", Some(2)),
            "Покупатель",
            Remedies {
                returns: Some("Вернуть товар можно в течение 21 дня после получения."),
                size_chart: true,
            },
        );
        assert!(
            sorry.starts_with("Жаль, что вещь оказалась меньше"),
            "{sorry}"
        );
        assert!(sorry.contains("таблиц"), "{sorry}");
        assert!(sorry.contains("21 дня"), "{sorry}");
        assert!(!sorry.contains("Покупатель"), "{sorry}");
    }
}
