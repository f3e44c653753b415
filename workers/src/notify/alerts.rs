//! Alerts to a shop's people by e-mail, found by a sweep the scheduler enqueues every minute:
//! a shopper waiting for a person longer than the shop allows (in its working hours only), a
//! marketplace account whose syncs have failed for an hour, a WB question within a day of its
//! answer deadline, and the shop's trial ending or a payment failing (admins). Each alert is claimed before it is sent and the claim is given back
//! when the send fails, so a sweep run twice mails once and a failed one is mailed by the next.
//! Every alert carries a signed one-click unsubscribe link.

use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use otklik_db::{DbError, TenantScope, alerts};
use otklik_jobs::{Unsubscribe, UnsubscribeTokens};
use otklik_schema::{AccountState, AlertKind, BillingCurrency, TenantId, UserId};

use super::{NotifyError, moscow_date};
use crate::Context;
use crate::assistant::Settings;

/// One alert e-mail, ready to send.
struct Alert {
    tenant_id: TenantId,
    user_id: UserId,
    kind: AlertKind,
    subject_key: String,
    to: String,
    title: String,
    body: String,
}

/// Mails every alert due as of `at`. A failed send does not stop the others; the last failure
/// is returned so the job is retried (alerts already sent stay claimed).
pub(super) async fn sweep(ctx: &Context, at: DateTime<Utc>) -> Result<(), NotifyError> {
    let Some(mailer) = &ctx.mailer else {
        tracing::debug!("alerts are not swept: OTKLIK_SMTP_URL is not set");
        return Ok(());
    };
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let waiting = alerts::waiting_due(&mut conn, at).await?;
    let failing = alerts::sync_failing_due(&mut conn, at).await?;
    let deadlines = alerts::deadline_due(&mut conn, at).await?;
    let standing = alerts::standing_due(&mut conn, at, &paid_in(&ctx.config)).await?;
    drop(conn);
    let links = Links::new(ctx);
    let due = waiting
        .into_iter()
        .filter(|due| in_working_hours(due, at))
        .map(|due| waiting_alert(&links, &due, at))
        .chain(failing.into_iter().map(|due| sync_alert(&links, &due)))
        .chain(
            deadlines
                .into_iter()
                .map(|due| deadline_alert(&links, &due)),
        )
        .chain(
            standing
                .into_iter()
                .map(|due| standing_alert(&links, &due, ctx.config.billing_grace_days)),
        );
    let mut failure = None;
    let mut sent = 0_usize;
    for alert in due {
        match deliver(ctx, mailer, &links, alert).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(error = %err, "an alert e-mail was not sent; the next sweep tries again");
                failure = Some(err);
            }
        }
    }
    tracing::info!(sent, tick = %at, "alerts swept");
    failure.map_or(Ok(()), Err)
}

/// Claims the alert, sends it, and gives the claim back if the send fails. `false` when it was
/// already claimed.
async fn deliver(
    ctx: &Context,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    links: &Links,
    alert: Alert,
) -> Result<bool, NotifyError> {
    let scope = TenantScope::trusted(alert.tenant_id);
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    if !alerts::claim(
        &mut conn,
        scope,
        alert.user_id,
        alert.kind,
        &alert.subject_key,
    )
    .await?
    {
        return Ok(false);
    }
    drop(conn);
    let unsubscribe = links.unsubscribe(Unsubscribe {
        tenant_id: alert.tenant_id,
        user_id: alert.user_id,
        kind: alert.kind,
    });
    let headers = [
        HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{unsubscribe}>"),
        ),
        // RFC 8058: the mail client may switch the alert off with one POST, no page.
        HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ];
    let body = format!(
        "{}\n—\nЧтобы больше не получать такие письма, откройте ссылку:\n{unsubscribe}\n\
         Выбрать, о чём сообщать, можно в панели Otklik: «Настройки» → «Уведомления на почту».\n",
        alert.body
    );
    let sent = super::send_with(ctx, mailer, &alert.to, &alert.title, body, &headers).await;
    if let Err(err) = sent {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        alerts::release(
            &mut conn,
            scope,
            alert.user_id,
            alert.kind,
            &alert.subject_key,
        )
        .await?;
        return Err(err);
    }
    tracing::info!(tenant.id = %alert.tenant_id, user.id = %alert.user_id, kind = %alert.kind, "alert e-mail sent");
    Ok(true)
}

/// The addresses alert e-mails link to.
struct Links {
    base: String,
    tokens: UnsubscribeTokens,
}

impl Links {
    fn new(ctx: &Context) -> Self {
        Self {
            base: ctx.config.public_url.trim_end_matches('/').to_owned(),
            tokens: UnsubscribeTokens::new(&ctx.config.master_keys()),
        }
    }

    /// The dashboard route of a conversation (`#c<id>`, app.js).
    fn conversation(&self, id: otklik_schema::ConversationId) -> String {
        format!("{}/app/#c{id}", self.base)
    }

    /// The dashboard page where marketplace accounts are connected and checked.
    fn accounts(&self) -> String {
        format!("{}/app/#/channels", self.base)
    }

    /// The dashboard's billing page.
    fn billing(&self) -> String {
        format!("{}/app/#/billing", self.base)
    }

    fn unsubscribe(&self, to: Unsubscribe) -> String {
        format!(
            "{}/alerts/unsubscribe?token={}",
            self.base,
            self.tokens.sign(to)
        )
    }
}

/// Operators are alerted only while they are at work: outside the shop's working hours the
/// shopper has already been told a person answers later. No hours set means always.
fn in_working_hours(due: &alerts::WaitingDue, at: DateTime<Utc>) -> bool {
    Settings::from_document(&due.settings, &due.timezone)
        .working_hours
        .is_none_or(|hours| hours.contains(at))
}

fn waiting_alert(links: &Links, due: &alerts::WaitingDue, at: DateTime<Utc>) -> Alert {
    let waited = minutes((at - due.handoff_at).num_minutes().max(1));
    let who = if due.customer.trim().is_empty() {
        "Покупатель".to_owned()
    } else {
        format!("Покупатель «{}»", due.customer.trim())
    };
    let body = format!(
        "Здравствуйте!\n\n{who} ждёт ответа сотрудника уже {waited} — с {since} \
         (по московскому времени). Канал: «{channel}», магазин «{shop}».\n\n\
         Открыть диалог:\n{link}\n",
        since = moscow_date(due.handoff_at),
        channel = due.channel,
        shop = due.shop,
        link = links.conversation(due.conversation_id),
    );
    Alert {
        tenant_id: due.tenant_id,
        user_id: due.user_id,
        kind: AlertKind::WaitingConversation,
        subject_key: due.subject.clone(),
        to: due.email.clone(),
        title: format!("Покупатель ждёт ответа — магазин «{}»", due.shop),
        body,
    }
}

fn sync_alert(links: &Links, due: &alerts::SyncFailingDue) -> Alert {
    let body = format!(
        "Здравствуйте!\n\nС {since} (по московскому времени) не удаётся загрузить данные из \
         кабинета {marketplace} «{account}» магазина «{shop}». Пока это так, ассистент \
         отвечает покупателям по устаревшим сведениям о заказах и товарах.\n\n\
         Чаще всего причина в ключе API: его отозвали, у него истёк срок или не хватает прав. \
         Проверьте кабинет на странице «Каналы»:\n{link}\n",
        since = moscow_date(due.failing_since),
        marketplace = due.marketplace.name(),
        account = due.account,
        shop = due.shop,
        link = links.accounts(),
    );
    Alert {
        tenant_id: due.tenant_id,
        user_id: due.user_id,
        kind: AlertKind::SyncFailing,
        subject_key: due.subject.clone(),
        to: due.email.clone(),
        title: format!(
            "Не удаётся синхронизировать кабинет {} — магазин «{}»",
            due.marketplace.name(),
            due.shop
        ),
        body,
    }
}

fn deadline_alert(links: &Links, due: &alerts::DeadlineDue) -> Alert {
    let who = if due.customer.trim().is_empty() {
        String::new()
    } else {
        format!(" «{}»", due.customer.trim())
    };
    let body = format!(
        "Здравствуйте!\n\nНа вопрос покупателя{who} на Wildberries в магазине «{shop}» ещё нет \
         ответа, а срок ответа истекает {due} (по московскому времени). Wildberries даёт на \
         ответ 10 дней; вопрос без ответа снижает доверие покупателей к карточке товара.\n\n\
         Открыть вопрос:\n{link}\n",
        shop = due.shop,
        due = moscow_date(due.reply_due_at),
        link = links.conversation(due.conversation_id),
    );
    Alert {
        tenant_id: due.tenant_id,
        user_id: due.user_id,
        kind: AlertKind::WbQuestionDeadline,
        subject_key: due.subject.clone(),
        to: due.email.clone(),
        title: format!(
            "Меньше суток на ответ на вопрос WB — магазин «{}»",
            due.shop
        ),
        body,
    }
}

/// The currencies this installation takes payments in: billing alerts would send a shop
/// paying in another to a page where nothing can be paid.
fn paid_in(config: &otklik_config::Config) -> Vec<BillingCurrency> {
    let mut currencies = Vec::new();
    if config.yookassa_shop_id.is_some() {
        currencies.push(BillingCurrency::Rub);
    }
    if config.stripe_secret_key.is_some() {
        currencies.push(BillingCurrency::Usd);
    }
    currencies
}

fn standing_alert(links: &Links, due: &alerts::StandingDue, grace_days: u32) -> Alert {
    let (title, body) = if due.state == AccountState::Trialing {
        (
            format!("Пробный период магазина «{}» заканчивается", due.shop),
            format!(
                "Здравствуйте!\n\nПробный период магазина «{shop}» в Otklik заканчивается \
                 {until} (по московскому времени). Чтобы ассистент и дальше отвечал покупателям, \
                 выберите тариф и оплатите его:\n{link}\n",
                shop = due.shop,
                until = moscow_date(due.at),
                link = links.billing(),
            ),
        )
    } else {
        let suspends = due.at + chrono::Duration::days(i64::from(grace_days));
        (
            format!("Не прошла оплата — магазин «{}»", due.shop),
            format!(
                "Здравствуйте!\n\nОчередной платёж за Otklik для магазина «{shop}» не прошёл. \
                 Ассистент отвечает покупателям до {until} (по московскому времени); если оплаты \
                 не будет, потом он перестанет отвечать. Сообщения покупателей будут приходить \
                 по-прежнему, и ничего не удалится.\n\nОплатить или сменить карту:\n{link}\n",
                shop = due.shop,
                until = moscow_date(suspends),
                link = links.billing(),
            ),
        )
    };
    Alert {
        tenant_id: due.tenant_id,
        user_id: due.user_id,
        kind: AlertKind::Billing,
        subject_key: due.subject.clone(),
        to: due.email.clone(),
        title,
        body,
    }
}

/// «1 минуту», «3 минуты», «25 минут»; «2 часа» from an hour on (how long someone has waited).
fn minutes(n: i64) -> String {
    if n >= 60 {
        let hours = n / 60;
        return format!("{hours} {}", plural(hours, "час", "часа", "часов"));
    }
    format!("{n} {}", plural(n, "минуту", "минуты", "минут"))
}

fn plural<'a>(n: i64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, rest) if rest != 11 => one,
        (2..=4, rest) if !(12..=14).contains(&rest) => few,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_said_as_russians_say_them() {
        let said: Vec<String> = [1, 3, 11, 21, 22, 25, 60, 130, 300]
            .into_iter()
            .map(minutes)
            .collect();
        assert_eq!(
            said,
            [
                "1 минуту",
                "3 минуты",
                "11 минут",
                "21 минуту",
                "22 минуты",
                "25 минут",
                "1 час",
                "2 часа",
                "5 часов"
            ]
        );
    }
}
