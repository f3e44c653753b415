//! The handoff: why people take over, what the shopper is told, and the one-paragraph summary
//! operators read first.

use chrono::{DateTime, Utc};
use otklik_db::messages::Line;
use otklik_nlu::{Analysis, Intent};
use otklik_schema::{Author, HandoffReason};

use super::catalogue::{Arg, Speech};
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
    /// The product card has nothing on what was asked.
    NotInCard,
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
    /// The stored code: what operators filter by, analytics count and the dashboard labels.
    pub fn code(self) -> HandoffReason {
        match self {
            Reason::Intent(intent) => intent_reason(intent),
            Reason::NotUnderstood => HandoffReason::NotUnderstood,
            Reason::NegativeSentiment => HandoffReason::NegativeSentiment,
            Reason::RefundOverdue => HandoffReason::RefundOverdue,
            Reason::NoKnowledge => HandoffReason::NoKnowledge,
            Reason::NotInCard => HandoffReason::NotInCard,
            Reason::Flood => HandoffReason::Flood,
            Reason::ModelTransfer => HandoffReason::ModelTransfer,
            Reason::TenantIntent(_) => HandoffReason::TenantIntent,
            Reason::TenantKeyword => HandoffReason::TenantKeyword,
            Reason::BotReplyLimit => HandoffReason::BotReplyLimit,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.code().as_str()
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
            Reason::NotInCard => "в карточке товара нет ответа на вопрос",
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

/// When a person will answer, said concretely: soon within the shop's working hours (or
/// always, when it set none), else when they start.
pub fn when(speech: Speech, hours: Option<&WorkingHours>, now: DateTime<Utc>) -> String {
    match hours {
        Some(hours) if !hours.contains(now) => speech.text(
            "handoff-when-later",
            &[("hours", Arg::Owned(hours.describe(speech)))],
        ),
        _ => speech.text("handoff-when-soon", &[]),
    }
}

/// What the shopper reads when people take over. Honest: a person will answer, and when; it
/// asserts nothing the turn did not read (a refund is "late" only in the shopper's words).
pub fn message(
    speech: Speech,
    reason: Reason,
    hours: Option<&WorkingHours>,
    now: DateTime<Utc>,
) -> String {
    let lead = match reason {
        Reason::Intent(Intent::DefectOrWrongItem) => "handoff-defect",
        Reason::Intent(Intent::PaymentIssue) => "handoff-payment",
        Reason::Intent(Intent::Complaint) | Reason::NegativeSentiment => "handoff-complaint",
        Reason::Intent(Intent::HumanRequest) => "handoff-human",
        Reason::RefundOverdue => "handoff-refund",
        Reason::NoKnowledge | Reason::NotInCard => "handoff-no-knowledge",
        Reason::NotUnderstood
        | Reason::Flood
        | Reason::ModelTransfer
        | Reason::Intent(_)
        | Reason::TenantIntent(_)
        | Reason::TenantKeyword
        | Reason::BotReplyLimit => "handoff-other",
    };
    format!("{} {}", speech.text(lead, &[]), when(speech, hours, now))
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
    let ru = Speech::RUSSIAN;
    let mut asks = vec![ru.text(&format!("intent-{}", analysis.intent.as_str()), &[])];
    asks.extend(
        analysis
            .secondary
            .iter()
            .map(|i| ru.text(&format!("intent-{}", i.as_str()), &[])),
    );
    parts.push(format!("Покупатель спрашивает: {}.", asks.join(", ")));
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

/// An intent people handle, as the reason it hands a conversation over.
fn intent_reason(intent: Intent) -> HandoffReason {
    match intent {
        Intent::Greeting => HandoffReason::Greeting,
        Intent::ThanksBye => HandoffReason::ThanksBye,
        Intent::OrderStatus => HandoffReason::OrderStatus,
        Intent::OrderCancel => HandoffReason::OrderCancel,
        Intent::ReturnRequest => HandoffReason::ReturnRequest,
        Intent::ExchangeRequest => HandoffReason::ExchangeRequest,
        Intent::RefundStatus => HandoffReason::RefundStatus,
        Intent::DefectOrWrongItem => HandoffReason::DefectOrWrongItem,
        Intent::ProductQuestion => HandoffReason::ProductQuestion,
        Intent::ProductAvailability => HandoffReason::ProductAvailability,
        Intent::SizeAdvice => HandoffReason::SizeAdvice,
        Intent::PaymentIssue => HandoffReason::PaymentIssue,
        Intent::DiscountPromo => HandoffReason::DiscountPromo,
        Intent::HumanRequest => HandoffReason::HumanRequest,
        Intent::Complaint => HandoffReason::Complaint,
        Intent::Other => HandoffReason::Other,
    }
}
