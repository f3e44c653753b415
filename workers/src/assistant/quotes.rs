//! Quoting the shop's own texts — knowledge articles and settings policies — as answers: which
//! found article actually speaks to the question, and the part of it that answers.

use std::sync::LazyLock;

use otklik_db::knowledge::Hit;
use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

use super::places;

static WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}]{4,}").unwrap_or_else(|e| panic!("word pattern: {e}")));

/// Word stems of a text: the first five letters of each longer word, enough to match
/// «возврата» with «возврат» and «размеры» with «размер».
pub fn stems(text: &str) -> Vec<String> {
    WORDS
        .find_iter(&text.to_lowercase().replace('ё', "е"))
        .map(|m| m.as_str().chars().take(5).collect())
        .collect()
}

/// Stems every shopper question has and no article is about: politeness, question words,
/// «товар», «заказ».
const CHATTER: &[&str] = &[
    "подск",
    "пожал",
    "здрав",
    "добры",
    "можно",
    "нужно",
    "хочу",
    "хотел",
    "какой",
    "какая",
    "какие",
    "каков",
    "когда",
    "сколь",
    "почем",
    "вопро",
    "товар",
    "заказ",
    "магаз",
    "есть",
    "будет",
    "если",
    "очень",
    "спаси",
    "приве",
    "скажи",
    "интер",
    "узнат",
    "этот",
    "такой",
    "такая",
    "вообщ",
    "сейча",
    "ваших",
    "вашем",
    "вашег",
    "вашей",
    "вашим",
    "вообщ",
    "также",
    "тоже",
    "меня",
    "мене",
    "себе",
    "знать",
    "уточн",
    "подск",
    "пишу",
    "прошу",
    "помог",
    "добрый",
    "утра",
    "вечер",
    "день",
    "дела",
    "ребят",
    "девуш",
    "здесь",
    "можете",
    "сможе",
    "какой-",
    "котор",
    "нибуд",
    "чтобы",
    "только",
    "потом",
    "после",
    "дней",
];

/// Whether a stem is one of [`CHATTER`]'s.
fn chatter(stem: &str) -> bool {
    // Stems are five letters at most, as every entry is: equal is the same word.
    CHATTER.iter().any(|c| c.chars().take(5).eq(stem.chars()))
}

/// The question's own content stems: what an answer must be about.
pub fn key_stems(question: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for stem in stems(question) {
        if !chatter(&stem) && !out.contains(&stem) {
            out.push(stem);
        }
    }
    out
}

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));

/// A word as [`relevant`] compares it: its [`stems`] prefix and its Snowball stem.
struct Word {
    prefix: String,
    stem: String,
}

fn words(text: &str) -> Vec<Word> {
    WORDS
        .find_iter(&text.to_lowercase().replace('ё', "е"))
        .map(|m| Word {
            prefix: m.as_str().chars().take(5).collect(),
            stem: RUSSIAN.stem(m.as_str()).into_owned(),
        })
        .collect()
}

impl Word {
    /// Whether two words are one: the same first five letters, unless both Snowball stems are
    /// long enough to trust and part after them («промока» of «промокают», «промокод»). The
    /// stemmer alone is not enough: it cuts «обмен» to «обм» and «обменять» to «обменя».
    fn same_as(&self, other: &Word) -> bool {
        const TRUSTED: usize = 6;
        let (short, long) = if self.stem.len() <= other.stem.len() {
            (&self.stem, &other.stem)
        } else {
            (&other.stem, &self.stem)
        };
        let parted = short.chars().count() >= TRUSTED && !long.starts_with(short.as_str());
        self.prefix == other.prefix && !parted
    }
}

/// Whether an article speaks to the question: it shares a content word with the question and,
/// when the question belongs to a topic, with the topic. Full-text search finds articles that
/// share only «товар» or a topic word the search itself added; those are not answers.
pub fn relevant(hit: &Hit, question: &str, topic: &[&str]) -> bool {
    let text = format!("{} {}", hit.title, hit.body);
    if !covers_conditions(&text, question) {
        return false;
    }
    let article = words(&text);
    let question = in_policy_words(question);
    let on_question = words(&question)
        .iter()
        .filter(|word| !chatter(&word.prefix))
        .any(|word| article.iter().any(|a| a.same_as(word)));
    let on_topic = topic.is_empty()
        || topic.iter().any(|t| {
            article
                .iter()
                .any(|a| a.prefix.starts_with(t) || t.starts_with(a.prefix.as_str()))
        });
    on_question && on_topic
}

/// Everyday words for what policies name formally: «сдать обратно» is «вернуть», «поменять»
/// is «обмен». Each entry: the shopper's stems, the policy's words.
const EVERYDAY: &[(&[&str], &str)] = &[
    (
        &[
            "сдать",
            "сдам ",
            "сдаю",
            "сдала",
            "сдали",
            "отдать обратно",
            "отнести обратно",
        ],
        "вернуть возврат",
    ),
    (&["поменя", "замени", "замену"], "обмен"),
    (&["наложенн", "cash on delivery"], "оплатить при получении"),
];

/// The question with the policy's words added for the everyday ones it uses and for the
/// places it names (a city's region, a country as Russian rules write it).
fn in_policy_words(question: &str) -> String {
    let folded = question.to_lowercase().replace('ё', "е");
    let mut out = question.to_owned();
    let everyday = EVERYDAY
        .iter()
        .filter(|(everyday, _)| everyday.iter().any(|word| folded.contains(word)))
        .map(|(_, formal)| *formal);
    for formal in everyday.chain(places::as_rules_name_them(question)) {
        out.push(' ');
        out.push_str(formal);
    }
    out
}

/// Conditions that change a policy's answer: a return without the receipt, after washing, a
/// courier to the door. An article that never mentions the one asked about does not answer.
const CONDITIONS: &[&str] = &[
    "чек",
    "бирк",
    "ярлык",
    "этикет",
    "стирк",
    "стиран",
    "постира",
    "носил",
    "ношен",
    "надева",
    "уценк",
    "распрод",
    "сертифик",
    "курьер",
    "двер",
    "самовывоз",
    "бесплатн",
    "стоимост",
    "оптом",
    "опт",
    "юрлиц",
    "счет",
];

fn covers_conditions(article: &str, question: &str) -> bool {
    let article = article.to_lowercase().replace('ё', "е");
    let asked: Vec<&str> = question
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    CONDITIONS.iter().all(|condition| {
        let named = asked
            .iter()
            .any(|w| w.to_lowercase().replace('ё', "е").starts_with(condition));
        !named || article.contains(condition)
    })
}

/// Kinds of product policies name, by the stems of product titles that belong to them:
/// «на обувь 60 дней» covers «Кеды детские».
const KINDS: &[(&str, &[&str])] = &[
    (
        "обувь",
        &[
            "кеды",
            "кросс",
            "ботин",
            "туфл",
            "сапог",
            "сандал",
            "тапоч",
            "шлеп",
            "лофер",
            "мокас",
            "балет",
            "слип",
            "угги",
            "вален",
        ],
    ),
    (
        "одежда",
        &[
            "футбо",
            "пухов",
            "куртк",
            "плать",
            "брюк",
            "джинс",
            "рубаш",
            "свите",
            "худи",
            "толст",
            "юбка",
            "пальт",
            "жилет",
            "костю",
            "шорт",
            "кофт",
            "блуз",
            "парк",
        ],
    ),
    (
        "сумки",
        &["рюкза", "сумк", "портф", "клатч", "чемод", "кошел"],
    ),
    (
        "посуда",
        &[
            "кружк",
            "термо",
            "чашк",
            "тарел",
            "кастр",
            "сковор",
            "бутыл",
        ],
    ),
];

/// Whether an article names the product — a word of its title, or its kind — as warranties
/// per kind of product do («на обувь … на рюкзаки …»).
pub fn mentions_product(hit: &Hit, title: &str) -> bool {
    names_product(&format!("{} {}", hit.title, hit.body), &stems(title))
}

/// Whether a question names kinds of product («а на пуховик гарантия?») that none of the
/// rules' words or kinds covers: terms for shoes and bags say nothing about a jacket.
pub fn other_products(question: &str, rules: &str) -> bool {
    let products: Vec<String> = stems(question)
        .into_iter()
        .filter(|stem| {
            KINDS
                .iter()
                .any(|(_, members)| members.iter().any(|m| stem.starts_with(m)))
        })
        .collect();
    !products.is_empty() && !names_product(rules, &products)
}

/// Whether `text` names a product by one of its stems or by the kind they belong to.
fn names_product(text: &str, named: &[String]) -> bool {
    let article = stems(text);
    let kinds = KINDS.iter().filter_map(|(kind, members)| {
        let belongs = named
            .iter()
            .any(|stem| members.iter().any(|m| stem.starts_with(m)));
        belongs.then(|| kind.chars().take(5).collect::<String>())
    });
    named
        .iter()
        .cloned()
        .chain(kinds)
        .any(|stem| article.contains(&stem))
}

/// The part of an article that answers the question: the paragraphs sharing the most stems
/// with it, in their original order, within a length a chat message can carry.
pub fn excerpt(body: &str, question: &str) -> String {
    const MAX: usize = 700;
    let asked = stems(question);
    let paragraphs: Vec<&str> = body
        .split("\n\n")
        .flat_map(|p| p.split('\n'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if body.chars().count() <= MAX {
        return paragraphs.join("\n");
    }
    let mut scored: Vec<(usize, usize)> = paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| (i, stems(p).iter().filter(|s| asked.contains(s)).count()))
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = Vec::new();
    let mut length = 0;
    for (i, _) in scored {
        let len = paragraphs[i].chars().count();
        if length + len > MAX && !chosen.is_empty() {
            continue;
        }
        chosen.push(i);
        length += len;
    }
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|&i| paragraphs[i])
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sentences of a text, each with its end mark; a line break ends one too.
fn sentences_of(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut start = 0;
        let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
        for (i, (at, c)) in chars.iter().enumerate() {
            let last = i + 1 == chars.len();
            let before_space = chars
                .get(i + 1)
                .is_some_and(|(_, next)| next.is_whitespace());
            if matches!(c, '.' | '!' | '?') && (last || before_space) {
                let end = at + c.len_utf8();
                let sentence = paragraph[start..end].trim();
                if !sentence.is_empty() {
                    out.push(sentence);
                }
                start = end;
            }
        }
        let rest = paragraph[start..].trim();
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// The answer to a question about one item of a list an article gives — «сколько идёт
/// доставка в Екатеринбург?» against «Сроки: Москва — 1–2 дня, …, Екатеринбург и Урал — 3–5
/// дней, …» — as the list's lead and that item, with the article's general notes (sentences
/// without figures) around it. `None` when the question names nothing, beyond what the
/// article's title says it is about, that only one sentence holds.
pub fn focused(title: &str, body: &str, question: &str) -> Option<String> {
    let sentences = sentences_of(body);
    let stemmed: Vec<Vec<String>> = sentences.iter().map(|s| stems(s)).collect();
    let about = stems(title);
    let keys: Vec<String> = key_stems(&in_policy_words(question))
        .into_iter()
        .filter(|key| !about.contains(key))
        .collect();
    let holders = |key: &String| -> Vec<usize> {
        (0..sentences.len())
            .filter(|i| stemmed[*i].contains(key))
            .collect()
    };
    // A word of the question that singles out one item of a sentence's list narrows the answer
    // to that item («в Москву» → «Москва и область — 1–2 дня», though another sentence names
    // Moscow's warehouses); else a word that only one sentence has singles that sentence out.
    let listed: Vec<(usize, &String)> = keys
        .iter()
        .flat_map(|key| holders(key).into_iter().map(move |index| (index, key)))
        .collect();
    let singled: Vec<(usize, &String)> = keys
        .iter()
        .filter_map(|key| match holders(key)[..] {
            [only] => Some((only, key)),
            _ => None,
        })
        .collect();
    let narrow = |index: usize, key: &String| -> Option<String> {
        let (lead, list) = sentences[index].split_once(':')?;
        let items: Vec<&str> = list.split([',', ';']).map(str::trim).collect();
        // A list of facts — «Москва — 1–2 дня, Урал — 3–5 дней» — not a sentence with commas.
        let factual = items
            .iter()
            .filter(|item| item.contains('—') || item.chars().any(|c| c.is_ascii_digit()))
            .count();
        let holding: Vec<&&str> = items
            .iter()
            .filter(|item| stems(item).contains(key))
            .collect();
        (items.len() > 2 && factual * 3 >= items.len() * 2 && holding.len() == 1).then(|| {
            format!(
                "{}: {}.",
                lead.trim(),
                holding[0].trim_end_matches(['.', '!'])
            )
        })
    };
    let (index, focus) = listed
        .iter()
        .find_map(|(index, key)| narrow(*index, key).map(|focus| (*index, focus)))
        .or_else(|| {
            singled
                .first()
                .map(|(index, _)| (*index, sentences[*index].to_owned()))
        })?;
    let has_figures = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    let text: Vec<String> = sentences
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            if i == index {
                Some(focus.clone())
            } else if !has_figures(s) && s.chars().count() <= 160 {
                Some((*s).to_owned())
            } else {
                None
            }
        })
        .collect();
    Some(text.join(" "))
}

/// The sentences of a policy that mention any of `stems` (a defect's return rules inside a
/// returns policy), or `None` when none does.
pub fn sentences_about(text: &str, wanted: &[&str]) -> Option<String> {
    let found: Vec<&str> = text
        .split_inclusive(['.', '!', '\n'])
        .map(str::trim)
        .filter(|sentence| {
            let folded = sentence.to_lowercase().replace('ё', "е");
            wanted.iter().any(|w| folded.contains(w))
        })
        .collect();
    (!found.is_empty()).then(|| found.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(title: &str, body: &str) -> Hit {
        Hit {
            article_id: 1,
            version: 1,
            title: title.into(),
            category: String::new(),
            body: body.into(),
            score: 0.5,
        }
    }

    #[test]
    fn an_article_answers_only_what_it_is_about() {
        let returns = hit(
            "Возврат товара",
            "Вернуть товар надлежащего качества можно в течение 21 дня после получения.",
        );
        assert!(relevant(&returns, "Как вернуть пуховик?", &[]));
        assert!(!relevant(&returns, "Как ухаживать за изделием?", &[]));
        assert!(!relevant(
            &returns,
            "Подскажите, пожалуйста, про товар",
            &[]
        ));
        let delivery = hit(
            "Сроки доставки",
            "Екатеринбург и Урал — 3–5 дней. Москва — 1–3 дня.",
        );
        assert!(relevant(
            &delivery,
            "Сколько идёт доставка в Екатеринбург?",
            &["доставк", "срок"]
        ));
        assert!(!relevant(
            &returns,
            "Сколько идёт доставка в Екатеринбург?",
            &["доставк"]
        ));
        let promo = hit(
            "Баллы и промокоды",
            "Промокод действует на первый заказ. Баллы начисляются за отзывы.",
        );
        assert!(relevant(&promo, "Где взять промокод?", &[]));
        let exchange = hit("Обмен на другой размер", "Прямого обмена нет.");
        assert!(relevant(&exchange, "Хочу обменять футболку", &[]));
        assert!(
            !relevant(&promo, "А они не промокают под дождём?", &[]),
            "getting wet is not a promo code"
        );
    }

    #[test]
    fn a_policy_per_kind_of_product_covers_its_members_only() {
        let warranty = hit(
            "Гарантия",
            "На обувь действует гарантия 60 дней, на рюкзаки и сумки — 6 месяцев.",
        );
        assert!(mentions_product(&warranty, "Кеды детские на липучках"));
        assert!(mentions_product(&warranty, "Рюкзак детский спортивный"));
        assert!(!mentions_product(&warranty, "Термокружка 450 мл"));
        assert!(!mentions_product(&warranty, "Пуховик женский удлинённый"));
        let terms = format!("{} {}", warranty.title, warranty.body);
        assert!(other_products("а на пуховик гарантия сколько?", &terms));
        assert!(!other_products("на кеды какая гарантия?", &terms));
        assert!(!other_products("какая у вас гарантия?", &terms));
    }

    #[test]
    fn everyday_words_reach_the_policy_that_names_them_formally() {
        let returns = hit(
            "Возврат товара",
            "Вернуть товар надлежащего качества можно в течение 21 дня после получения.",
        );
        assert!(relevant(
            &returns,
            "Как сдать обратно вещь, если не подошла?",
            &[]
        ));
        let exchange = hit("Обмен на другой размер", "Прямого обмена нет.");
        assert!(relevant(
            &exchange,
            "Можно поменять куртку на другой цвет?",
            &[]
        ));
        assert!(!relevant(&returns, "Когда сдаётся новый склад?", &[]));
        let delivery = hit("Сроки доставки", "Дальний Восток — 7–12 дней.");
        assert!(relevant(&delivery, "А во Владивосток сколько ехать?", &[]));
        assert!(!relevant(&delivery, "А в Краснодар сколько ехать?", &[]));
    }

    #[test]
    fn a_question_about_one_item_of_a_list_gets_that_item() {
        const TITLE: &str = "Сроки доставки";
        let body = "Мы отправляем заказы из Москвы. Сроки доставки: Москва — 1–2 дня, Екатеринбург и Урал — 3–5 дней, Сибирь — 5–7 дней. Точную дату покажет маркетплейс.\nВ Казахстан — 7–14 дней.";
        assert_eq!(
            focused(TITLE, body, "Сколько идёт доставка в Екатеринбург?").as_deref(),
            Some(
                "Мы отправляем заказы из Москвы. Сроки доставки: Екатеринбург и Урал — 3–5 дней. Точную дату покажет маркетплейс."
            )
        );
        assert_eq!(
            focused(TITLE, body, "А в Казахстан доставляете?").as_deref(),
            Some(
                "Мы отправляем заказы из Москвы. Точную дату покажет маркетплейс. В Казахстан — 7–14 дней."
            )
        );
        assert_eq!(
            focused(TITLE, body, "Какие сроки доставки?"),
            None,
            "the whole article answers its own title"
        );
    }
}
