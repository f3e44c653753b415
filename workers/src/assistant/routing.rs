//! Where a turn goes, decided before anything is looked up: the classifier's intent, corrected
//! by what the message plainly says (an order number, measurements, a property of a named
//! product, «вы бот?») and by the shop's rules, or a handoff. A pure function of the message,
//! the assistant's memory and the shop's settings, so every rule is a unit test.

use otklik_nlu::{Analysis, CONFIDENT, Intent, Language};
use otklik_schema::ChannelKind;

use super::card;
use super::handoff_note::Reason;
use super::mood;
use super::settings::HandoffRules;
use super::state::State;
use super::topics::{self, Topic};

/// What the turn does.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Review,
    AttachmentOnly,
    /// The shopper was asked for a product from their order: check the answer.
    Ownership,
    /// Noise, or a guess below the classifier's confidence: ask what they mean.
    Clarify,
    /// «Вы бот?»: the assistant says what it is.
    Identity,
    /// «Не пишите мне»: no more order news unasked.
    NoNews,
    /// A marketplace chat asked for a phone or a messenger, which marketplaces forbid.
    ContactRequest,
    General(Topic),
    /// A question about the shop that no intent covers: its articles answer, or people.
    ShopQuestion,
    Handoff(Reason),
    /// A word from the shop's handoff rules.
    Keyword(String),
    Intent(Intent),
}

/// What routing reads.
pub struct Input<'a> {
    pub text: &'a str,
    pub analysis: &'a Analysis,
    pub intent: Intent,
    pub state: &'a State,
    pub rules: &'a HandoffRules,
    pub channel: ChannelKind,
    /// The shopper writes in a language the catalogues do not speak.
    pub unspoken: Option<Language>,
    /// Turns in a minute over the shop's cap.
    pub flooding: bool,
    /// Bot replies in a row since an operator last wrote.
    pub bot_replies_in_a_row: usize,
    /// The title of the product the marketplace or an earlier turn named, if known.
    pub product_title: Option<&'a str>,
    /// Measurements the message gives.
    pub measured: bool,
}

fn fold(text: &str) -> String {
    format!(" {} ", text.to_lowercase().replace('ё', "е"))
}

fn any(text: &str, cues: &[&str]) -> bool {
    cues.iter().any(|cue| {
        text.match_indices(cue).any(|(at, _)| {
            !text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        })
    })
}

/// A product that arrived broken or stopped doing its job, told as a statement.
const FAULTS: &[&str] = &[
    "не держит тепло",
    "не держит температур",
    "не работает",
    "перестал работать",
    "перестала работать",
    "перестало работать",
    "перестал включаться",
    "не включается",
    "не заряжается",
    "не греет",
    "сломал",
    "сломан",
    "треснул",
    "порвал",
    "порван",
    "протекает",
    "протекла",
    "расклеил",
    "отвалил",
    "оторвал",
    "пришел брак",
    "бракованн",
    "doesn't work",
    "stopped working",
    "arrived broken",
    "жыртыл",
    "сынып",
    "сынық",
    "істемейді",
    "yirtil",
    "yirtiq",
    "singan",
    "ishlamayapti",
    "йиртил",
    "йиртиқ",
    "синган",
    "ишламаяпти",
];

/// Faults that already happened: a defect told even when the message goes on to ask
/// something («порвалась лямка через 3 месяца, гарантия же есть?»).
const HAPPENED: &[&str] = &[
    "сломал",
    "треснул",
    "порвал",
    "протекла",
    "расклеил",
    "отвалил",
    "оторвал",
    "перестал",
    "пришел брак",
    "пришел бракованн",
    "пришла бракованн",
    "stopped working",
    "arrived broken",
];

/// Words that make a message a question without its question mark: «как у вас можно оплатить».
const ASKING: &[&str] = &[
    "как ",
    "каким ",
    "какие ",
    "какой ",
    "можно ",
    "есть ли ",
    "принимаете ",
    "how ",
    "can i ",
    "do you ",
    "қалай ",
    "bo'ladimi",
    "qanday ",
    "қандай ",
];

/// Asking not to be written to first.
const NO_NEWS: &[&str] = &[
    "не пишите мне",
    "больше не пишите",
    "не пишите больше",
    "не надо мне писать",
    "не надо писать",
    "хватит писать",
    "хватит мне писать",
    "не присылайте",
    "отпишите",
    "не хочу получать",
    "stop writing",
    "stop sending",
    "stop messaging",
    "unsubscribe",
    "don't message me",
    "do not message me",
    "don't write to me",
    "do not write to me",
    "маған жазбаңыз",
    "маган жазбаныз",
    "menga yozmang",
    "менга ёзманг",
];

const IDENTITY: &[&str] = &[
    "ты бот",
    "вы бот",
    "это бот",
    "бот или",
    "робот или",
    "с роботом",
    "с ботом",
    "ты робот",
    "вы робот",
    "чатгпт",
    "chatgpt",
    "чат гпт",
    "нейросет",
    "искусственный интеллект",
    "вы человек",
    "ты человек",
    "человек или",
    "живой человек?",
    "are you a bot",
    "are you human",
    "are you a human",
    "are you a real",
    "is this a bot",
    "am i talking to a bot",
    "is this automated",
    "an automated",
    "автоответчик",
    "это автомат",
    "автоматический ответ",
    "это программа",
    "отвечает программа",
    "кто мне отвечает",
    "кто со мной переписывается",
    "это ии",
    "вы ии",
    "ты ии",
    "ботсыз ба",
    "botmisiz",
    "bot misiz",
    "ботмисиз",
];

/// Asking for a person is not asking what the assistant is.
const SUMMONS: &[&str] = &[
    "позов",
    "соедин",
    "переключ",
    "дайте",
    "нужен",
    "нужна",
    "хочу поговорить",
    "поговорить с",
    "связаться с",
    "а не с ботом",
    "а не с роботом",
    "пригласите",
    "подключите",
    "call a",
    "connect me",
    "i want to talk",
    "talk to a",
    "speak to a",
    "speak with a",
];

const CONTACTS: &[&str] = &[
    "телефон",
    "ваш номер",
    "номер для связи",
    "телеграм",
    "whatsapp",
    "вотсап",
    "ватсап",
    "вайбер",
    "viber",
    "инстаграм",
    "почту",
    "e-mail",
    "email",
    "контакт",
    "позвонить",
    "связаться",
];

/// Words that make a question one about the shop rather than about the world.
const SHOPISH: &[&str] = &[
    "у вас",
    "вы ",
    "ваш",
    "магазин",
    "оптом",
    "примерить",
    "самовывоз",
    "курьер",
    "упаковк",
];

/// A classifier confidence at which the message was not understood at all (16 intents: a
/// uniform guess is 0.06).
const NOTHING_READ: f32 = 0.2;

/// Keyboard rows: a run of neighbouring keys («ыва», «олдж», «asdf») is a hand on the keys, not
/// a word.
const KEY_ROWS: &[&str] = &[
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
];

/// Real words that are also runs of neighbouring keys.
const ROW_WORDS: &[&str] = &["про", "рол", "ить", "type", "tyu"];

/// Chat shorthand written without vowels: «спс» is thanks, not noise.
const SHORTHAND: &[&str] = &[
    "спс",
    "спсб",
    "пжл",
    "пжлст",
    "плз",
    "пж",
    "мб",
    "хз",
    "тк",
    "чтд",
    "thx",
    "pls",
    "plz",
];

/// A word is noise when it repeats one or two letters («аааа», «пппп»), has no vowel, starts
/// with a letter no Russian word starts with («ъъ»), or is a run along a keyboard row.
fn noise(word: &str) -> bool {
    let lower = word.to_lowercase();
    let letters: Vec<char> = lower.chars().filter(|c| c.is_alphabetic()).collect();
    if SHORTHAND.contains(&letters.iter().collect::<String>().as_str()) {
        return false;
    }
    if letters.first().is_some_and(|c| matches!(c, 'ъ' | 'ь')) {
        return true;
    }
    if letters.len() < 3 {
        return false;
    }
    let run: String = letters.iter().collect();
    if KEY_ROWS.iter().any(|row| row.contains(run.as_str())) && !ROW_WORDS.contains(&run.as_str()) {
        return true;
    }
    let mut distinct = letters.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let vowel = letters.iter().any(|c| "аеёиоуыэюяaeiouyәіөүұ".contains(*c));
    distinct.len() <= 2 || !vowel
}

/// Nothing a person would write: punctuation, or only noise words.
pub fn gibberish(text: &str) -> bool {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    let digits = text.chars().any(|c| c.is_ascii_digit());
    if words.is_empty() {
        return !digits;
    }
    words.iter().all(|w| noise(w))
}

/// «Вы бот?» but not «позовите живого человека».
pub fn asks_identity(text: &str) -> bool {
    let text = fold(text);
    any(&text, IDENTITY) && !any(&text, SUMMONS)
}

fn asks_contacts(text: &str) -> bool {
    any(&fold(text), CONTACTS)
}

fn about_the_shop(text: &str) -> bool {
    text.contains('?') && any(&fold(text), SHOPISH)
}

/// Words of something gone wrong: «не работает», «сломан», «жду».
fn entities_name_a_problem(text: &str) -> bool {
    any(
        &fold(text),
        &[
            "не ",
            "сломал",
            "брак",
            "жду",
            "почему",
            "опять",
            "снова",
            "когда же",
        ],
    )
}

/// Whether «есть …?» asks about a feature: the first word it is about is no size, colour,
/// stock word or word of the product's name.
fn asks_a_feature(text: &str, title: Option<&str>) -> bool {
    const FILLER: &[&str] = &[
        "ли",
        "у",
        "него",
        "нее",
        "них",
        "в",
        "во",
        "там",
        "еще",
        "сейчас",
        "на",
        "этой",
        "этого",
        "этом",
        "модели",
        "товара",
        "товаре",
        "вас",
    ];
    const STOCK: &[&str] = &[
        "налич",
        "продаж",
        "размер",
        "склад",
        "цвет",
        "ростов",
        "расцвет",
        "друг",
        "больш",
        "меньш",
        "маленьк",
        "детск",
        "взросл",
    ];
    let folded = fold(text);
    let title = title.map(fold).unwrap_or_default();
    let Some(at) = folded.find(" есть ") else {
        return false;
    };
    let Some(word) = folded[at + " есть ".len()..]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .find(|w| !FILLER.contains(w))
    else {
        return false;
    };
    let letters = word.chars().count();
    letters >= 4
        && word.chars().all(char::is_alphabetic)
        && !STOCK.iter().any(|stem| word.starts_with(stem))
        && !card::names_a_colour(word)
        && !title.contains(&word.chars().take(5).collect::<String>())
}

fn needs_person_now(intent: Intent) -> bool {
    intent.needs_person()
}

/// Where the turn goes.
pub fn route(input: &Input<'_>) -> Route {
    let Input {
        text,
        analysis,
        intent,
        state,
        rules,
        channel,
        ..
    } = input;
    let intent = *intent;
    if channel.is_review() {
        return Route::Review;
    }
    if input.flooding {
        return Route::Handoff(Reason::Flood);
    }
    if text.is_empty() {
        return Route::AttachmentOnly;
    }
    if state.awaiting == Some(super::state::Slot::OrderOwnership) {
        return Route::Ownership;
    }
    reroute(input, intent, analysis, rules)
}

/// Routing without the pending proof of ownership: what the turn is, on its own.
pub fn reroute(
    input: &Input<'_>,
    intent: Intent,
    analysis: &Analysis,
    rules: &HandoffRules,
) -> Route {
    let text = input.text;
    let entities = &analysis.entities;
    let has_order = !entities.order_id.is_empty();
    if gibberish(text) {
        return Route::Clarify;
    }
    if asks_identity(text) {
        return Route::Identity;
    }
    if any(&fold(text), NO_NEWS) {
        return Route::NoNews;
    }
    if input.channel.is_marketplace() && asks_contacts(text) && !has_order {
        return Route::ContactRequest;
    }
    let calm = !mood::sounds_furious(text) && !mood::sounds_aggrieved(text);
    if intent == Intent::RefundStatus
        && (input.state.refund_asks >= 1 || mood::sounds_overdue(text))
    {
        return Route::Handoff(Reason::RefundOverdue);
    }
    // A language the classifier was not trained on: trust only what needs no words.
    if input.unspoken.is_some() {
        return if has_order {
            Route::Intent(Intent::OrderStatus)
        } else if needs_person_now(intent) && analysis.confidence >= 0.8 {
            Route::Handoff(Reason::Intent(intent))
        } else {
            Route::Handoff(Reason::NotUnderstood)
        };
    }
    let topic = topics::general(text, intent, entities);
    // «Можно оплатить частями?» or «до скольки работаете?» may read as a payment problem or a
    // complaint to the classifier; asked calmly, they are questions the shop's rules answer.
    // A statement the classifier is sure of («платёж не проходит») stays a problem.
    let asked = text.contains('?') || analysis.confidence < 0.9 || any(&fold(text), ASKING);
    if let Some(topic) = topic
        && matches!(intent, Intent::PaymentIssue | Intent::Complaint)
        && calm
        && asked
    {
        return Route::General(topic);
    }
    let product_known = input.product_title.is_some() || !entities.article.is_empty();
    let properties = card::asked_about(text, input.product_title);
    // A question the shop's texts would answer, unless it asks a property of the product in
    // hand: «на фото серый, а в названии графит — какой цвет?» is the card's (or a person's).
    let shop_question = if product_known && !has_order && !properties.is_empty() {
        Route::Intent(Intent::ProductQuestion)
    } else {
        Route::ShopQuestion
    };
    // A calm question is not a complaint, whatever one word of it resembles.
    if intent == Intent::Complaint
        && calm
        && text.trim_end().ends_with('?')
        && analysis.confidence < 0.8
        && !entities_name_a_problem(text)
    {
        return shop_question;
    }
    // A marketplace question comes before the purchase: «Крышка откручивается полностью?» asks
    // about the product, whatever a word of it resembles.
    if intent == Intent::DefectOrWrongItem
        && analysis.confidence >= CONFIDENT
        && input.channel.is_product_question()
        && product_known
        && text.trim_end().ends_with('?')
    {
        return Route::Intent(Intent::ProductQuestion);
    }
    // «Промокод не применяется» is a problem at checkout, not a question about promos.
    if intent == Intent::DiscountPromo && topics::promo_fails(text) {
        return Route::Handoff(Reason::Intent(Intent::PaymentIssue));
    }
    // «Как быстро вернут деньги после возврата?» asks about the money, not how to return.
    if intent == Intent::ReturnRequest && topics::asks_money_back(text) {
        return Route::Intent(Intent::RefundStatus);
    }
    if needs_person_now(intent) {
        // Far below a guess: the classifier read nothing in it («кщцуке 12 ъъ»), so ask rather
        // than call a person to a message nobody can act on.
        let read_nothing = analysis.confidence < NOTHING_READ
            && intent == analysis.intent
            && !has_order
            && entities.article.is_empty();
        if read_nothing {
            return Route::Clarify;
        }
        return Route::Handoff(Reason::Intent(intent));
    }
    // The classifier's alarm is about the message as a request; a detail that resumed the
    // question before it («пуховик 139204857» after «какой размер?») raises none.
    if analysis.handoff && intent == analysis.intent {
        let person = analysis
            .secondary
            .iter()
            .copied()
            .find(|i| i.needs_person());
        // A side sentence read as a problem that names none: «Оплачивала вчера картой»
        // beside an order question, «сколько по времени» after a delivery question.
        let groundless = match person {
            Some(Intent::PaymentIssue) => !topics::names_a_payment_problem(text),
            Some(Intent::Complaint) => calm && !entities_name_a_problem(text),
            _ => false,
        };
        if !groundless {
            return Route::Handoff(person.map_or(Reason::NegativeSentiment, Reason::Intent));
        }
    }
    if !calm {
        return Route::Handoff(Reason::NegativeSentiment);
    }
    if let Some(word) = rules.keyword_in(text) {
        return Route::Keyword(word.to_owned());
    }
    // «Термос не держит тепло» is a defect told, not a question about the product: people
    // decide on a replacement or a refund.
    let question_like = matches!(
        intent,
        Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice | Intent::Other
    );
    let told_fault = any(&fold(text), HAPPENED) || !text.contains('?') && any(&fold(text), FAULTS);
    if question_like && told_fault {
        return Route::Handoff(Reason::Intent(Intent::DefectOrWrongItem));
    }
    let understood = analysis.confidence >= CONFIDENT || intent != analysis.intent;
    if understood && rules.covers(intent) {
        return Route::Handoff(Reason::TenantIntent(intent));
    }
    if let Some(limit) = rules.after_bot_replies
        && input.bot_replies_in_a_row >= limit as usize
    {
        return Route::Handoff(Reason::BotReplyLimit);
    }
    // «А на термокружку 934512876 гарантия есть?» asks that product's card: the shop's warranty
    // article speaks of kinds of products and may well not cover this one.
    if topic == Some(Topic::Warranty) && product_known && !has_order {
        return Route::Intent(Intent::ProductQuestion);
    }
    if let Some(topic) = topic {
        return Route::General(topic);
    }
    let guessed = analysis.confidence < CONFIDENT && intent == analysis.intent;
    // An order number with nothing else understood is a question about that order; so is one
    // read as a stock question with no product in it («ozon 12345678-0012-1 kogda budet»).
    let stock_without_product = intent == Intent::ProductAvailability && !product_known;
    if has_order
        && (guessed || stock_without_product || matches!(intent, Intent::Other | Intent::Greeting))
    {
        return Route::Intent(Intent::OrderStatus);
    }
    // «Здравствуйте, а цвет как на фото?» is a question with a greeting, not a greeting.
    let greeting_only =
        intent == Intent::ThanksBye || intent == Intent::Greeting && !text.contains('?');
    // «Обменяйте на другой цвет» asks for something done with an order, not about the card.
    // «Где производят пуховик 139204857?» may read as an order's whereabouts; a property asked
    // of a named product is still the card's.
    let order_action = !guessed
        && matches!(
            intent,
            Intent::ExchangeRequest | Intent::ReturnRequest | Intent::OrderCancel
        );
    // When a colour or size comes back is nowhere on the card: the stock answer says what is
    // there and hands the rest to people.
    // «Когда будет заказ в пункте выдачи?» reads like a restock question; the classifier, sure
    // it asks about an order, knows better.
    let about_my_order = intent == Intent::OrderStatus && !guessed;
    if product_known && !has_order && topics::asks_restock(text) && !order_action && !about_my_order
    {
        return Route::Intent(Intent::ProductAvailability);
    }
    if product_known && !has_order && !greeting_only && !order_action {
        let only_size = properties.iter().all(|p| {
            matches!(
                p,
                card::Property::SizeFit
                    | card::Property::Length
                    | card::Property::Weight
                    | card::Property::Dimensions
            )
        });
        if !(properties.is_empty() || only_size && input.measured) {
            // «Есть в чёрном?» asks a colour, «есть L?» a size: only the first is the card's;
            // «есть ли подарочная упаковка?» asks the card too.
            if intent != Intent::ProductAvailability || !only_size {
                return Route::Intent(Intent::ProductQuestion);
            }
        }
    }
    // «Есть внутренние карманы?» asks whether the product has a feature, not whether it is in
    // stock: the card answers, or people.
    if intent == Intent::ProductAvailability
        && product_known
        && !has_order
        && asks_a_feature(text, input.product_title)
    {
        return Route::Intent(Intent::ProductQuestion);
    }
    // Measurements ask for a size, whatever else the words resemble.
    if input.measured
        && !has_order
        && (guessed
            || matches!(
                intent,
                Intent::ExchangeRequest
                    | Intent::Other
                    | Intent::ProductQuestion
                    | Intent::ProductAvailability
                    | Intent::ReturnRequest
            ))
    {
        return Route::Intent(Intent::SizeAdvice);
    }
    if guessed && input.channel.is_product_question() && product_known {
        return Route::Intent(Intent::ProductQuestion);
    }
    if (guessed || intent == Intent::Other) && about_the_shop(text) {
        return shop_question;
    }
    if guessed {
        return Route::Clarify;
    }
    Route::Intent(intent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(text: &str, channel: ChannelKind, product: Option<&str>) -> Route {
        let analysis = otklik_nlu::analyse(text);
        let state = State::default();
        let rules = HandoffRules::default();
        let measured = !analysis.entities.measurements.is_empty();
        route(&Input {
            text,
            intent: analysis.intent,
            analysis: &analysis,
            state: &state,
            rules: &rules,
            channel,
            unspoken: None,
            flooding: false,
            bot_replies_in_a_row: 0,
            product_title: product,
            measured,
        })
    }

    #[test]
    fn when_my_order_comes_is_not_a_restock_question() {
        let chat = ChannelKind::WbChat;
        let hat = Some("Шапка детская утеплённая");
        for text in [
            "Подскажите, когда будет доставка моего заказа?",
            "когда будет посылка в ПВЗ",
            "Уже пять дней собираете, когда будет отправка?",
        ] {
            assert_eq!(
                routed(text, chat, hat),
                Route::Intent(Intent::OrderStatus),
                "{text}"
            );
        }
        for text in ["Когда будет в наличии размер 52?", "когда будут синие?"]
        {
            assert_eq!(
                routed(text, chat, hat),
                Route::Intent(Intent::ProductAvailability),
                "{text}"
            );
        }
    }

    #[test]
    fn a_greeting_leads_into_the_question_it_opens() {
        let chat = ChannelKind::Telegram;
        for (text, topic) in [
            ("добрый вечер, доставляете ли в Душанбе?", Topic::Delivery),
            (
                "Здравствуйте, сколько идёт доставка в Новосибирск?",
                Topic::Delivery,
            ),
            ("добрый день как у вас можно оплатить", Topic::Payment),
            ("Доброе утро, какая гарантия на обувь?", Topic::Warranty),
        ] {
            assert_eq!(routed(text, chat, None), Route::General(topic), "{text}");
        }
        assert_eq!(
            routed("Добрый вечер!", chat, None),
            Route::Intent(Intent::Greeting)
        );
    }

    #[test]
    fn a_side_sentence_that_names_no_problem_calls_nobody() {
        let chat = ChannelKind::Telegram;
        assert_eq!(
            routed(
                "Добрый вечер! Мой заказ уже отправили? Оплачивала вчера картой.",
                chat,
                None
            ),
            Route::Intent(Intent::OrderStatus)
        );
        assert_eq!(
            routed(
                "спасибо. а вообще вы в Минск доставляете? сколько по времени",
                chat,
                None
            ),
            Route::General(Topic::Delivery)
        );
        // A problem named beside the question still calls a person.
        assert_eq!(
            routed("Где мой заказ? Деньги списали два раза.", chat, None),
            Route::Handoff(Reason::Intent(Intent::PaymentIssue))
        );
    }

    #[test]
    fn waiting_asked_from_a_place_is_a_delivery_question() {
        let chat = ChannelKind::Telegram;
        for text in [
            "я во Владивостоке живу, сколько ждать посылку от вас?",
            "в новосиб за сколько дойдёт?",
        ] {
            assert_eq!(
                routed(text, chat, None),
                Route::General(Topic::Delivery),
                "{text}"
            );
        }
    }

    #[test]
    fn an_order_number_without_a_product_is_about_the_order() {
        assert_eq!(
            routed(
                "ozon 12345678-0012-1 kogda budet",
                ChannelKind::Telegram,
                None
            ),
            Route::Intent(Intent::OrderStatus)
        );
    }

    #[test]
    fn a_feature_asked_with_est_is_the_cards_not_the_stocks() {
        let chat = ChannelKind::Telegram;
        let jacket = Some("Пуховик женский удлинённый");
        assert_eq!(
            routed("139204857 есть внутренние карманы?", chat, None),
            Route::Intent(Intent::ProductQuestion)
        );
        assert_eq!(
            routed("а у пуховика есть капюшон?", chat, jacket),
            Route::Intent(Intent::ProductQuestion)
        );
        for text in [
            "139204857 есть в наличии?",
            "а пуховик есть L?",
            "139204857 есть размер 48?",
        ] {
            assert_ne!(
                routed(text, chat, jacket),
                Route::Intent(Intent::ProductQuestion),
                "{text}"
            );
        }
    }

    #[test]
    fn a_fault_that_happened_is_a_defect_whatever_is_asked_after_it() {
        assert_eq!(
            routed(
                "рюкзак 845120339 порвалась лямка через 3 месяца, гарантия же есть?",
                ChannelKind::Telegram,
                None
            ),
            Route::Handoff(Reason::Intent(Intent::DefectOrWrongItem))
        );
        assert_eq!(
            routed(
                "почему так долго?? уже бесит, нормально работать не можете",
                ChannelKind::Telegram,
                None
            ),
            Route::Handoff(Reason::NegativeSentiment)
        );
    }

    #[test]
    fn plain_facts_of_the_message_correct_the_classifier() {
        assert!(gibberish("???"));
        assert!(gibberish("ааааааааа"));
        assert!(!gibberish("1456789012"));
        assert!(!gibberish("где заказ"));
        assert!(gibberish("ыва ыва олдж"));
        assert!(gibberish("asdf jkl"));
        assert!(!gibberish("про заказ"));
        assert!(gibberish("ъъ"));
        assert!(!gibberish("спс!"));
        assert!(!gibberish("ок спс"));
        assert_eq!(routed("пппп", ChannelKind::Telegram, None), Route::Clarify);
        assert_eq!(
            routed(
                "Не пишите мне больше про заказы",
                ChannelKind::Telegram,
                None
            ),
            Route::NoNews
        );
        assert_eq!(
            routed(
                "please stop sending me updates",
                ChannelKind::Telegram,
                None
            ),
            Route::NoNews
        );
        assert_eq!(
            routed(
                "чайник перестал включаться через неделю",
                ChannelKind::Telegram,
                None
            ),
            Route::Handoff(Reason::Intent(Intent::DefectOrWrongItem))
        );
        assert_ne!(
            routed(
                "Кроссовки 152774310 не промокают?",
                ChannelKind::Telegram,
                None
            ),
            Route::Handoff(Reason::Intent(Intent::DefectOrWrongItem))
        );
        assert_eq!(
            routed(
                "С кем я переписываюсь, с роботом или с человеком?",
                ChannelKind::Telegram,
                None
            ),
            Route::Identity
        );
        assert_ne!(
            routed("позовите живого человека", ChannelKind::Telegram, None),
            Route::Identity
        );
        assert_eq!(
            routed(
                "дайте ваш номер телефона, так удобнее",
                ChannelKind::WbChat,
                None
            ),
            Route::ContactRequest
        );
        assert_eq!(
            routed(
                "Пуховик сильно шуршит?",
                ChannelKind::Telegram,
                Some("Пуховик женский удлинённый")
            ),
            routed(
                "Пуховик сильно шуршит?",
                ChannelKind::Telegram,
                Some("Пуховик женский удлинённый")
            ),
        );
        assert_eq!(
            routed(
                "Рюкзак есть в чёрном?",
                ChannelKind::Telegram,
                Some("Рюкзак детский спортивный")
            ),
            Route::Intent(Intent::ProductQuestion)
        );
        assert_eq!(
            routed(
                "Какой размер взять? рост 168, грудь 90",
                ChannelKind::Telegram,
                None
            ),
            Route::Intent(Intent::SizeAdvice)
        );
    }
}
