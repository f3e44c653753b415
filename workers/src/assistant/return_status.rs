//! Where a shopper's return stands, in plain Russian. WB claims are stored with `status` = the
//! seller's decision and `substatus` = what happens to the item; Ozon returns with `status` =
//! the visible status's `sys_name` and `status_text` = Ozon's own Russian name for it.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Moscow;
use otklik_db::returns::Return;
use otklik_schema::Marketplace;

use super::local::day_month;
use super::order_status::marketplace_name;

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

fn moscow_day(time: DateTime<Utc>) -> String {
    day_month(time.with_timezone(&Moscow).date_naive())
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
pub fn describe(found: &Return, marketplace: Marketplace, order_id: &str) -> String {
    let app = marketplace_name(marketplace);
    let changed = moscow_day(found.changed_at);
    let opened = found.opened_at.map_or_else(|| changed.clone(), moscow_day);
    let product = found
        .product_name
        .as_deref()
        .map(|name| format!(" («{name}»)"))
        .unwrap_or_default();
    let wb_comment = match marketplace {
        Marketplace::Wb => quoted(found.status_text.as_deref()),
        Marketplace::Ozon => None,
    };
    let mut text = match stage(found, marketplace) {
        ReturnStage::Pending => format!(
            "Заявка на возврат по заказу {order_id}{product} оформлена {opened} и пока на рассмотрении. Решение появится в личном кабинете {app}."
        ),
        ReturnStage::Approved => {
            format!("Заявка на возврат по заказу {order_id}{product} одобрена {changed}.")
        }
        ReturnStage::ApprovedKept => format!(
            "Заявка на возврат по заказу {order_id}{product} одобрена {changed}, товар остаётся у вас."
        ),
        ReturnStage::Refunded => {
            let amount = found
                .amount_minor
                .filter(|_| found.currency == "RUB")
                .map(|minor| format!(" — {} ₽", minor / 100))
                .unwrap_or_default();
            format!(
                "По возврату заказа {order_id}{product} {app} отметил возврат денег {changed}{amount}."
            )
        }
        ReturnStage::Rejected => {
            format!("Заявка на возврат по заказу {order_id}{product} отклонена {changed}.")
        }
        ReturnStage::InProgress => match quoted(found.status_text.as_deref()) {
            Some(status) if marketplace == Marketplace::Ozon => {
                format!("Возврат по заказу {order_id}{product}: статус «{status}» с {changed}.")
            }
            _ => format!(
                "Возврат по заказу {order_id}{product} оформлен {opened} и сейчас в обработке."
            ),
        },
    };
    let rest = wb_comment.map(self::wb_comment).unwrap_or_default();
    if !rest.is_empty() {
        text.push(' ');
        text.push_str(&rest);
    }
    if stage(found, marketplace) == ReturnStage::Rejected {
        text.push_str(" Если вы не согласны с решением, напишите — передам обращение специалисту.");
    }
    text
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
            &claim("pending", Some("under_review"), None),
            Marketplace::Wb,
            "123",
        );
        assert!(pending.starts_with("Заявка на возврат по заказу 123 («Кабель 0.5 м») оформлена 23 ноября и пока на рассмотрении"), "{pending}");
        let approved = describe(
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
        let text = describe(&moving, Marketplace::Ozon, "12345678-0012-1");
        assert!(
            text.contains("статус «Едет к продавцу» с 23 ноября"),
            "{text}"
        );
        moving.status = "MoneyReturned".into();
        let refunded = describe(&moving, Marketplace::Ozon, "12345678-0012-1");
        assert!(
            refunded.contains("Ozon отметил возврат денег 23 ноября — 157 ₽"),
            "{refunded}"
        );
        moving.status = "TeleportedBack".into();
        moving.status_text = None;
        let unknown = describe(&moving, Marketplace::Ozon, "12345678-0012-1");
        assert!(unknown.ends_with("сейчас в обработке."), "{unknown}");
    }
}
