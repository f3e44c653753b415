//! Where a shopper's return stands, in plain Russian. WB claims are stored with `status` = the
//! seller's decision and `substatus` = what happens to the item; Ozon returns with `status` =
//! the visible status's `sys_name` and `status_text` = Ozon's own Russian name for it.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Moscow;
use otklik_db::returns::Return;
use otklik_schema::Marketplace;

use super::catalogue::{Arg, Speech};

/// What the shopper can expect next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnStage {
    /// Nobody has decided yet.
    Pending,
    /// Approved; the item is on its way back or waits to be handed in.
    Approved,
    /// Approved and the item stays with the shopper.
    ApprovedKept,
    /// The money is on its way or already paid.
    Refunded,
    Rejected,
    /// Moving through the marketplace's logistics; Ozon's wording says where.
    InProgress,
}

pub fn stage(found: &Return, marketplace: Marketplace) -> ReturnStage {
    use ReturnStage::*;
    match marketplace {
        Marketplace::Wb => match (found.status.as_str(), found.substatus.as_deref()) {
            ("pending", _) => Pending,
            ("rejected", _) => Rejected,
            ("approved", Some("kept_approved")) => ApprovedKept,
            ("approved", _) => Approved,
            _ => InProgress,
        },
        Marketplace::Ozon => match found.status.as_str() {
            "OnSellerApproval" | "DisputeOpened" | "OnOzonApproval" => Pending,
            "Rejected" | "CrmRejected" | "RejectedByOzon" => Rejected,
            "ReturnMoneyApproved"
            | "MoneyReturned"
            | "PartialCompensationReturned"
            | "MoneyReturnedBySystem"
            | "CompensationReturned" => Refunded,
            _ => InProgress,
        },
    }
}

fn moscow_day(speech: Speech, time: DateTime<Utc>) -> String {
    speech.day_month(time.with_timezone(&Moscow).date_naive())
}

/// WB's and Ozon's own words are quoted only when they read as a sentence for the shopper.
fn quoted(text: Option<&str>) -> Option<&str> {
    text.map(str::trim)
        .filter(|text| (10..=400).contains(&text.chars().count()))
}

/// WB's comment without its opening «Продавец одобрил/отклонил вашу заявку», which the reply
/// has already said; a reason after a colon is kept.
fn wb_comment(comment: &str) -> String {
    let mut kept = Vec::new();
    for sentence in comment.split_inclusive(". ").map(str::trim) {
        let restates = ["Продавец одобрил", "Продавец отклонил"]
            .iter()
            .any(|opening| sentence.starts_with(opening));
        match (restates, sentence.split_once(':')) {
            (false, _) => kept.push(sentence.to_owned()),
            (true, Some((_, reason))) => {
                let reason = reason.trim();
                let mut chars = reason.chars();
                if let Some(first) = chars.next() {
                    kept.push(first.to_uppercase().chain(chars).collect());
                }
            }
            (true, None) => {}
        }
    }
    let mut text = kept.join(" ");
    if !text.is_empty() && !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// One or two sentences on the return of order `order_id`.
pub fn describe(
    speech: Speech,
    found: &Return,
    marketplace: Marketplace,
    order_id: &str,
) -> String {
    let app = marketplace.name();
    let changed = moscow_day(speech, found.changed_at);
    let opened = found
        .opened_at
        .map_or_else(|| changed.clone(), |at| moscow_day(speech, at));
    let product = found
        .product_name
        .as_deref()
        .map(|name| format!(" («{name}»)"))
        .unwrap_or_default();
    // WB's and Ozon's own comments are Russian: quoted only to a shopper who reads Russian.
    let russian = speech.language() == otklik_nlu::Language::Ru;
    let wb_comment = match marketplace {
        Marketplace::Wb if russian => quoted(found.status_text.as_deref()),
        _ => None,
    };
    let args = |extra: &[(&'static str, Arg<'_>)]| -> Vec<(&'static str, Arg<'static>)> {
        let mut all: Vec<(&'static str, Arg<'static>)> = vec![
            ("id", Arg::Owned(order_id.to_owned())),
            ("product", Arg::Owned(product.clone())),
            ("app", Arg::Owned(app.to_owned())),
            ("opened", Arg::Owned(opened.clone())),
            ("changed", Arg::Owned(changed.clone())),
        ];
        all.extend(extra.iter().map(|(name, value)| (*name, owned(value))));
        all
    };
    let stage = stage(found, marketplace);
    let mut text = match stage {
        ReturnStage::Pending => speech.text("return-pending", &args(&[])),
        ReturnStage::Approved => speech.text("return-approved", &args(&[])),
        ReturnStage::ApprovedKept => speech.text("return-approved-kept", &args(&[])),
        ReturnStage::Refunded => {
            let amount = found
                .amount_minor
                .filter(|_| found.currency == "RUB")
                .map(|minor| format!(" — {} ₽", minor / 100))
                .unwrap_or_default();
            speech.text("return-refunded", &args(&[("amount", Arg::Owned(amount))]))
        }
        ReturnStage::Rejected => speech.text("return-rejected", &args(&[])),
        ReturnStage::InProgress => match quoted(found.status_text.as_deref()) {
            Some(status) if marketplace == Marketplace::Ozon && russian => speech.text(
                "return-in-progress-status",
                &args(&[("status", Arg::Text(status))]),
            ),
            _ => speech.text("return-in-progress", &args(&[])),
        },
    };
    let rest = wb_comment.map(self::wb_comment).unwrap_or_default();
    if !rest.is_empty() {
        text.push(' ');
        text.push_str(&rest);
    }
    if stage == ReturnStage::Rejected {
        text.push(' ');
        text.push_str(&speech.text("return-disagree", &[]));
    }
    text
}

fn owned(value: &Arg<'_>) -> Arg<'static> {
    match value {
        Arg::Text(text) => Arg::Owned((*text).to_owned()),
        Arg::Owned(text) => Arg::Owned(text.clone()),
        Arg::Count(n) => Arg::Count(*n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(status: &str, substatus: Option<&str>, comment: Option<&str>) -> Return {
        let at = DateTime::from_timestamp(1_763_900_000, 0).unwrap_or_default();
        Return {
            external_id: "fe3e9337".into(),
            order_ref: "abc".into(),
            product_name: Some("Кабель 0.5 м".into()),
            status: status.into(),
            substatus: substatus.map(Into::into),
            status_text: comment.map(Into::into),
            reason: Some("Длина не та".into()),
            amount_minor: Some(15_700),
            currency: "RUB".into(),
            opened_at: Some(at),
            changed_at: at,
        }
    }

    #[test]
    fn wb_decisions_read_as_russian_sentences() {
        let pending = describe(
            Speech::RUSSIAN,
            &claim("pending", Some("under_review"), None),
            Marketplace::Wb,
            "123",
        );
        assert!(pending.starts_with("Заявка на возврат по заказу 123 («Кабель 0.5 м») оформлена 23 ноября и пока на рассмотрении"), "{pending}");
        let approved = describe(
            Speech::RUSSIAN,
            &claim(
                "approved",
                Some("returning_to_seller"),
                Some("Для возврата средств необходимо вернуть товар продавцу"),
            ),
            Marketplace::Wb,
            "123",
        );
        assert!(
            approved.ends_with(
                "одобрена 23 ноября. Для возврата средств необходимо вернуть товар продавцу."
            ),
            "{approved}"
        );
        assert_eq!(
            stage(
                &claim("approved", Some("kept_approved"), None),
                Marketplace::Wb
            ),
            ReturnStage::ApprovedKept
        );
        assert_eq!(
            stage(&claim("7", None, None), Marketplace::Wb),
            ReturnStage::InProgress
        );
    }

    #[test]
    fn ozon_statuses_use_ozon_wording_and_unknown_ones_stay_neutral() {
        let mut moving = claim(
            "MovingToSeller",
            Some("ClientReturn"),
            Some("Едет к продавцу"),
        );
        let text = describe(
            Speech::RUSSIAN,
            &moving,
            Marketplace::Ozon,
            "12345678-0012-1",
        );
        assert!(
            text.contains("статус «Едет к продавцу» с 23 ноября"),
            "{text}"
        );
        moving.status = "MoneyReturned".into();
        let refunded = describe(
            Speech::RUSSIAN,
            &moving,
            Marketplace::Ozon,
            "12345678-0012-1",
        );
        assert!(
            refunded.contains("Ozon отметил возврат денег 23 ноября — 157 ₽"),
            "{refunded}"
        );
        moving.status = "TeleportedBack".into();
        moving.status_text = None;
        let unknown = describe(
            Speech::RUSSIAN,
            &moving,
            Marketplace::Ozon,
            "12345678-0012-1",
        );
        assert!(unknown.ends_with("сейчас в обработке."), "{unknown}");
    }
}
