//! General questions about how the shop works — delivery times and regions, payment methods,
//! warranty, working hours — told apart from questions about the shopper's own order, so
//! «сколько идёт доставка в Екатеринбург?» is answered from the shop's policy and never with
//! «пришлите номер заказа» or the last order's status.

use otklik_nlu::{Entities, Intent};

use super::places;

/// A question about the shop's rules rather than one order or product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Delivery,
    Payment,
    Warranty,
    Hours,
}

impl Topic {
    /// Words that steer the knowledge search toward the topic and that a relevant article
    /// must contain (stems).
    pub fn stems(self) -> &'static [&'static str] {
        match self {
            Topic::Delivery => &["доставк", "доставля", "срок"],
            Topic::Payment => &["оплат", "оплач", "рассрочк", "карт"],
            Topic::Warranty => &["гарант"],
            Topic::Hours => &["работ", "график", "час"],
        }
    }

    pub fn search_words(self) -> &'static str {
        match self {
            Topic::Delivery => "доставка сроки доставки регионы",
            Topic::Payment => "оплата способы оплаты",
            Topic::Warranty => "гарантия гарантийный срок",
            Topic::Hours => "режим работы часы работы",
        }
    }
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

/// Words that make a question about the shopper's own order or parcel.
const PERSONAL: &[&str] = &[
    "my order",
    "my parcel",
    "my package",
    "where is my",
    "менің тапсырыс",
    "тапсырысым",
    "buyurtmam",
    "mening buyurtma",
    "статус",
    "мой заказ",
    "моего заказа",
    "моему заказу",
    "мой заказик",
    "моя посылка",
    "мою посылку",
    "моей посылки",
    "мои заказы",
    "мой товар",
    "заказ мой",
    "посылку мою",
    "я заказал",
    "я заказала",
    "заказала ",
    "заказал ",
    "оформила",
    "оформил ",
    "мне придет",
    "мне доставят",
    "мне привезут",
    "трек",
    "где заказ",
    "где посылка",
    "где мой",
    "где моя",
];

const DELIVERY: &[&str] = &[
    "delivery",
    "deliver",
    "shipping",
    "ship to",
    "how long",
    "жеткізу",
    "жеткізесіз",
    "жеткізіледі",
    "yetkazib",
    "yetkazish",
    "yetkaz",
    "етказиб",
    "етказиш",
    "неча кун",
    "necha kun",
    "қанша күн",
    "доставк",
    "доставля",
    "доставите",
    "доставят ли",
    "сроки",
    "сколько дней",
    "сколько идет",
    "сколько едет",
    "сколько ехать",
    "долго ехать",
    "долго едет",
    "долго идет",
    "сколько везут",
    "долго везут",
    "сколько по времени",
    "как долго",
    "какие города",
    "каких городах",
    "регион",
    "курьер",
    "самовывоз",
    "по россии",
    "в казахстан",
    "в беларус",
    "в узбекистан",
    "в армени",
    "в киргиз",
    // Where parcels leave from: the warehouses are part of the delivery terms.
    "откуда отправля",
    "откуда вы отправ",
    "откуда отправка",
    "откуда идет",
    "откуда едет",
    "с какого склад",
    "какой склад",
    "где склад",
    "где ваш склад",
    "ship from",
];

const PAYMENT: &[&str] = &[
    "payment",
    "pay ",
    "pay by",
    "installment",
    "төлем",
    "төлеу",
    "to'lov",
    "toʻlov",
    "to‘lov",
    "to'lash",
    "toʻlash",
    "оплат",
    "оплачива",
    "способы оплаты",
    "картой",
    "наличн",
    "рассрочк",
    "сплит",
    "сбп",
    "долями",
    "в кредит",
    "наложенн",
    "cash on delivery",
];

/// A payment that went wrong is a problem for people, not a question about payment methods.
const PAYMENT_PROBLEM: &[&str] = &[
    "charged twice",
    "double charge",
    "payment failed",
    "was charged",
    "екі рет",
    "ikki marta",
    "списал",
    "списан",
    "дважды",
    "два раза",
    "не прошл",
    "не проходит",
    "не получается оплат",
    "не могу оплат",
    "ошибк",
    "деньги ушли",
    "вернуть деньги",
    "чек",
    "не пришли деньги",
    "заблокир",
    "неоплач",
    "висит",
    "не отображ",
    "не видно",
    "не засчит",
    "завис",
    "оплатил",
];

const WARRANTY: &[&str] = &["warranty", "guarantee", "кепілдік", "kafolat", "гаранти"];

const HOURS: &[&str] = &[
    "working hours",
    "opening hours",
    "what time",
    "are you open",
    "жұмыс уақыты",
    "нешеге дейін",
    "ish vaqti",
    "soat nechagacha",
    "режим работы",
    "часы работы",
    "график работы",
    "во сколько работаете",
    "когда работаете",
    "вы работаете",
    "рабочее время",
    "в выходные работаете",
    "работаете в выходные",
    "круглосуточно",
    "когда ответит оператор",
    "когда ответит сотрудник",
];

pub fn names_a_payment_problem(text: &str) -> bool {
    any(&fold(text), PAYMENT_PROBLEM)
}

/// Asking where a return stands, not how to make one.
const RETURN_STATUS: &[&str] = &[
    "статус возврат",
    "что с возврат",
    "что с моим возврат",
    "как там возврат",
    "где возврат",
    "по возврату",
    "одобрил",
    "одобрен",
    "приняли возврат",
    "рассмотр",
    // A return already made: «оформлял возврат футболки, когда деньги?».
    "оформил возврат",
    "оформила возврат",
    "оформлял возврат",
    "оформляла возврат",
    "сделал возврат",
    "сделала возврат",
    "сдал возврат",
    "сдала возврат",
    // Asked the other way round: «возврат что там?», «а с возвратом как?».
    "возврат что там",
    "возврат как там",
    "возврат-то что",
    "с возвратом что",
    "с возвратом как",
    "my return",
    "return status",
];

pub fn asks_return_status(text: &str) -> bool {
    any(&fold(text), RETURN_STATUS)
}

/// A promo code or discount that does not work.
const PROMO_FAILS: &[&str] = &[
    "не применя",
    "не работает",
    "не срабатыва",
    "не действует",
    "не принима",
    "не активир",
    "не проходит",
    "не сработал",
    "не списал",
    "не учл",
    "doesn't work",
    "does not work",
    "not working",
    "not applied",
];

pub fn promo_fails(text: &str) -> bool {
    any(&fold(text), PROMO_FAILS)
}

/// Asking when or whether the money for a return comes back.
const MONEY_BACK: &[&str] = &[
    "вернут деньги",
    "деньги вернут",
    "вернутся деньги",
    "деньги вернутся",
    "придут деньги",
    "деньги придут",
    "вернете деньги",
    "деньги вернете",
    "when will i get my money",
    "when do i get my money",
    "refund take",
];

pub fn asks_money_back(text: &str) -> bool {
    any(&fold(text), MONEY_BACK)
}

/// Asking when a product will be back.
const RESTOCK: &[&str] = &[
    "появится",
    "появятся",
    "поступлени",
    "завоз",
    "снова будет",
    "снова появ",
    "ожидается",
    "будет ли в наличии",
    "когда будет",
    "когда будут",
    "restock",
    "back in stock",
];

pub fn asks_restock(text: &str) -> bool {
    any(&fold(text), RESTOCK)
}

/// The general topic a message asks about, if it is one; `None` for questions about the
/// shopper's own order, a product, or anything else.
/// «Вы работаете с юрлицами?», «работаете по договору?»: with whom or how, not when. «с 9»,
/// «с понедельника», «с утра» still ask when.
fn asks_with_whom(text: &str) -> bool {
    const WHEN: &[&str] = &[
        "утр",
        "обед",
        "вечер",
        "понедельн",
        "вторн",
        "сред",
        "четверг",
        "пятниц",
        "суббот",
        "воскрес",
        "выходн",
        "праздн",
    ];
    if text.contains("work with") || text.contains("работаете напрямую") {
        return true;
    }
    [
        "работаете с ",
        "работаете со ",
        "работаете по ",
        "работаете ли вы с ",
    ]
    .iter()
    .filter_map(|cue| text.find(cue).map(|at| &text[at + cue.len()..]))
    .filter_map(|rest| rest.split_whitespace().next())
    .any(|word| {
        word.chars().next().is_some_and(char::is_alphabetic)
            && !WHEN.iter().any(|stem| word.starts_with(stem))
    })
}

/// «До скольки работаете?» asks the hours; «до скольки градусов тепло?» and «до скольки он там
/// лежит?» do not.
fn until_when_open(text: &str) -> bool {
    let Some(at) = text.find("до скольки") else {
        return false;
    };
    let rest = text[at + "до скольки".len()..].trim_start_matches(|c: char| !c.is_alphanumeric());
    rest.is_empty()
        || [
            "работ",
            "вы ",
            "отвеч",
            "открыт",
            "на связи",
            "онлайн",
            "сегодня",
        ]
        .iter()
        .any(|cue| rest.starts_with(cue))
}

pub fn general(text: &str, intent: Intent, entities: &Entities) -> Option<Topic> {
    let text = fold(text);
    if (any(&text, HOURS) || until_when_open(&text)) && !asks_with_whom(&text) {
        return Some(Topic::Hours);
    }
    let personal = !entities.order_id.is_empty() || any(&text, PERSONAL);
    if any(&text, WARRANTY) && !matches!(intent, Intent::DefectOrWrongItem) {
        return Some(Topic::Warranty);
    }
    if any(&text, PAYMENT) && !any(&text, PAYMENT_PROBLEM) && !personal {
        return Some(Topic::Payment);
    }
    // A greeting may carry the question: «Добрый вечер! Доставляете в Алматы?».
    let about_delivery = matches!(
        intent,
        Intent::OrderStatus
            | Intent::Other
            | Intent::Greeting
            | Intent::ProductQuestion
            | Intent::ProductAvailability
    );
    // «Я во Владивостоке, сколько ждать посылку?»: waiting, asked from a place, is a question
    // about delivery there.
    let from_a_place = any(&text, WAITING) && places::names_a_place(&text);
    if about_delivery && (any(&text, DELIVERY) || from_a_place) && !personal {
        return Some(Topic::Delivery);
    }
    None
}

/// Asking what something costs.
const COST: &[&str] = &[
    "сколько стоит",
    "стоимость",
    "платная",
    "платно",
    "бесплатн",
    "цена доставки",
    "how much",
    "cost",
];

/// What a text that states a cost holds.
const PRICED: &[&str] = &[
    "₽",
    "руб",
    "бесплатн",
    "стоимост",
    "платн",
    "free",
    "цена",
    "сум",
    "тенге",
];

/// A question about a cost that the shop's text does not state: «сколько стоит доставка?»
/// answered with delivery times would not answer it.
pub fn cost_unanswered(question: &str, rules: &str) -> bool {
    let rules = fold(rules);
    any(&fold(question), COST) && !PRICED.iter().any(|word| rules.contains(word))
}

/// Words of waiting for a parcel.
const WAITING: &[&str] = &[
    "ждать",
    "дойдет",
    "дойдут",
    "доедет",
    "доедут",
    "придет",
    "придут",
    "идти",
    "ехать",
    "везти",
    "arrive",
    "take",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(text: &str, intent: Intent) -> Option<Topic> {
        let entities = otklik_nlu::analyse(text).entities;
        general(text, intent, &entities)
    }

    #[test]
    fn where_parcels_leave_from_is_a_delivery_question() {
        for text in [
            "откуда вы отправляете посылки?",
            "а склад у вас где, с какого склада едет",
        ] {
            assert_eq!(topic(text, Intent::Other), Some(Topic::Delivery), "{text}");
        }
    }

    #[test]
    fn until_what_time_asks_the_hours_only_of_the_shop() {
        for text in [
            "До скольки работаете?",
            "а вы до скольки?",
            "до скольки сегодня на связи",
        ] {
            assert_eq!(topic(text, Intent::Other), Some(Topic::Hours), "{text}");
        }
        for text in [
            "до скольки градусов в нем тепло? у нас бывает -30",
            "а куда идти забирать и до скольки он там лежит",
        ] {
            assert_ne!(topic(text, Intent::Other), Some(Topic::Hours), "{text}");
        }
    }

    #[test]
    fn general_questions_are_told_from_the_shoppers_own_order() {
        for text in [
            "Сколько идёт доставка в Екатеринбург?",
            "А доставляете в Казахстан?",
            "какие сроки доставки до Новосибирска",
            "Как долго ехать посылке во Владивосток?",
        ] {
            assert_eq!(
                topic(text, Intent::OrderStatus),
                Some(Topic::Delivery),
                "{text}"
            );
        }
        for text in [
            "Когда доставят мой заказ?",
            "где мой заказ 1456789012",
            "когда привезут?",
        ] {
            assert_eq!(topic(text, Intent::OrderStatus), None, "{text}");
        }
        assert_eq!(
            topic("Можно оплатить при получении?", Intent::Other),
            Some(Topic::Payment)
        );
        assert_eq!(
            topic(
                "Списали деньги дважды, оплата прошла два раза",
                Intent::PaymentIssue
            ),
            None
        );
        assert_eq!(
            topic("А рассрочка у вас есть?", Intent::PaymentIssue),
            Some(Topic::Payment),
            "a question about payment methods is not a payment problem"
        );
        assert_eq!(
            topic("Какая гарантия на кроссовки?", Intent::ProductQuestion),
            Some(Topic::Warranty)
        );
        assert_eq!(
            topic("До скольки вы работаете?", Intent::Other),
            Some(Topic::Hours)
        );
        assert_eq!(
            topic("Вы работаете с юрлицами? Нужен счёт", Intent::Complaint),
            None,
            "with whom the shop works is not when"
        );
        assert!(asks_return_status(
            "Заказ 123, оформлял возврат футболки. Когда деньги вернут?"
        ));
        assert!(!asks_return_status("Как оформить возврат?"));
        assert!(asks_return_status("я сдавала платье, а с возвратом что?"));
        assert!(asks_return_status("возврат как там, одобрили уже?"));
        assert!(asks_money_back("Как быстро вернут деньги после возврата?"));
        assert!(!asks_money_back("Как вернуть товар?"));
        assert!(promo_fails("Промокод не применяется при оформлении"));
        assert!(!promo_fails("Какие есть промокоды?"));
        for text in [
            "Вы работаете с 9 утра?",
            "вы работаете с понедельника по пятницу?",
        ] {
            assert_eq!(topic(text, Intent::Other), Some(Topic::Hours), "{text}");
        }
    }
}
