//! The handoff: why people take over, what the shopper is told, and the one-paragraph summary
//! operators read first.

use chrono::{DateTime, Utc};
use otklik_db::messages::Line;
use otklik_nlu::{Analysis, Intent};
use otklik_schema::Author;

use super::settings::WorkingHours;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The intent is one people handle: defect, payment, complaint, an explicit ask.
    Intent(Intent),
    NotUnderstood,
    NegativeSentiment,
    RefundOverdue,
    /// The knowledge base has nothing on the question; guessing a policy is worse than waiting.
    NoKnowledge,
    Flood,
    /// The model responder decided people should answer.
    ModelTransfer,
    /// The shop's settings send this intent to people.
    TenantIntent(Intent),
    /// The message contains a word the shop's settings hand off on («юрист», «суд»).
    TenantKeyword,
    /// The assistant replied as many times in a row as the shop allows.
    BotReplyLimit,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Intent(intent) => intent.as_str(),
            Reason::NotUnderstood => "not_understood",
            Reason::NegativeSentiment => "negative_sentiment",
            Reason::RefundOverdue => "refund_overdue",
            Reason::NoKnowledge => "no_knowledge",
            Reason::Flood => "flood",
            Reason::ModelTransfer => "model_transfer",
            Reason::TenantIntent(_) => "tenant_intent",
            Reason::TenantKeyword => "tenant_keyword",
            Reason::BotReplyLimit => "bot_reply_limit",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Reason::Intent(Intent::DefectOrWrongItem) => "брак, повреждение или не тот товар",
            Reason::Intent(Intent::PaymentIssue) => "проблема с оплатой",
            Reason::Intent(Intent::HumanRequest) => "покупатель просит сотрудника",
            Reason::Intent(Intent::Complaint) => "жалоба",
            Reason::Intent(_) => "вопрос для сотрудника",
            Reason::NotUnderstood => "ассистент дважды не понял вопрос",
            Reason::NegativeSentiment => "покупатель раздражён",
            Reason::RefundOverdue => "деньги за возврат задерживаются",
            Reason::NoKnowledge => "в базе знаний нет ответа",
            Reason::Flood => "слишком много сообщений подряд",
            Reason::ModelTransfer => "ассистент решил, что нужен сотрудник",
            Reason::TenantIntent(_) => "по правилам магазина такие вопросы решает сотрудник",
            Reason::TenantKeyword => "в сообщении слово из правил передачи магазина",
            Reason::BotReplyLimit => {
                "ассистент ответил столько раз подряд, сколько разрешил магазин"
            }
        }
    }
}

/// When a person will answer, said concretely.
fn when(hours: &WorkingHours, now: DateTime<Utc>) -> String {
    if hours.contains(now) {
        "Сотрудник ответит здесь же в ближайшее время.".to_owned()
    } else {
        format!(
            "Сотрудник ответит здесь же в рабочее время, {}.",
            hours.describe()
        )
    }
}

/// What the shopper reads when people take over. Honest: a person will answer, and when.
pub fn message(reason: Reason, hours: &WorkingHours, now: DateTime<Utc>) -> String {
    let lead = match reason {
        Reason::Intent(Intent::DefectOrWrongItem) => {
            "Очень жаль, что так вышло. Пришлите, пожалуйста, фото товара и упаковки — передаю ваш вопрос сотруднику, он предложит замену или возврат."
        }
        Reason::Intent(Intent::PaymentIssue) => {
            "Вопросы оплаты лучше проверит сотрудник — передаю ему ваше сообщение вместе с историей переписки."
        }
        Reason::Intent(Intent::Complaint) | Reason::NegativeSentiment => {
            "Понимаю, что ситуация неприятная. Передаю ваше обращение сотруднику, он разберётся лично."
        }
        Reason::Intent(Intent::HumanRequest) => "Хорошо, подключаю сотрудника магазина.",
        Reason::RefundOverdue => {
            "Похоже, срок возврата денег уже прошёл — передаю вопрос сотруднику, он проверит платёж."
        }
        Reason::NoKnowledge => {
            "Чтобы не ошибиться с ответом, передаю ваш вопрос сотруднику магазина."
        }
        Reason::NotUnderstood
        | Reason::Flood
        | Reason::ModelTransfer
        | Reason::Intent(_)
        | Reason::TenantIntent(_)
        | Reason::TenantKeyword
        | Reason::BotReplyLimit => {
            "Передаю ваш вопрос сотруднику магазина, чтобы вам ответили точно."
        }
    };
    format!("{lead} {}", when(hours, now))
}

fn quote(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// One paragraph for the operator: why, what the shopper wants, what is known, the last words.
pub fn summary(
    reason: Reason,
    analysis: &Analysis,
    order: Option<&str>,
    article: Option<&str>,
    history: &[Line],
    latest: &str,
) -> String {
    let mut parts = vec![format!("Причина передачи: {}.", reason.describe())];
    let mut asks = vec![analysis.intent.as_str()];
    asks.extend(analysis.secondary.iter().map(|i| i.as_str()));
    parts.push(format!(
        "Намерение: {} (уверенность {:.0}%).",
        asks.join(", "),
        analysis.confidence * 100.0
    ));
    if let Some(order) = order {
        parts.push(format!("Заказ: {order}."));
    }
    if let Some(article) = article {
        parts.push(format!("Артикул: {article}."));
    }
    let earlier: Vec<String> = history
        .iter()
        .filter(|line| line.author == Author::Shopper)
        .rev()
        .skip(1)
        .take(2)
        .map(|line| format!("«{}»", quote(&line.body, 120)))
        .collect();
    if !earlier.is_empty() {
        parts.push(format!("Ранее покупатель писал: {}.", earlier.join("; ")));
    }
    parts.push(format!("Последнее сообщение: «{}».", quote(latest, 300)));
    parts.join(" ")
}
