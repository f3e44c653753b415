//! The notify pool: e-mails to merchants' people. A password reset makes its single-use token
//! here, stores its hash, and mails the link; a job run twice mails two working links, never
//! none. The link that confirms a new owner's address is made and mailed the same way. An invitation mail likewise carries a token made here (the invitation's second one,
//! besides the link answered to the admin), but claims the invitation's e-mail before sending,
//! so a retried job sends once; a failed send gives the claim back for the retry. Alerts to a
//! shop's people are found and mailed by a periodic sweep ([`alerts`]).

mod alerts;

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Europe::Moscow;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otklik_db::{DbError, TenantScope, email_verifications, invitations, users};
use otklik_jobs::Notify;
use otklik_schema::Role;
use secrecy::ExposeSecret;

use crate::Context;
use crate::assistant::Speech;

const RESET_TTL: Duration = Duration::hours(1);
/// How long a link confirming an address works: long enough for a weekend away from the inbox.
const VERIFICATION_TTL: Duration = Duration::hours(48);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("the e-mail could not be built: {0}")]
    Message(String),
    #[error("the SMTP server did not take the e-mail: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// The SMTP transport `OTKLIK_SMTP_URL` names, if any.
pub fn mailer(
    config: &otklik_config::Config,
) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, lettre::transport::smtp::Error> {
    config
        .smtp_url
        .as_ref()
        .map(|url| {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                .map(|builder| builder.timeout(Some(config.send_timeout())).build())
        })
        .transpose()
}

pub async fn handle(job: Notify, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    match job {
        Notify::PasswordReset { tenant_id, user_id } => {
            password_reset(&ctx, TenantScope::trusted(tenant_id), user_id).await?
        }
        Notify::EmailVerification { tenant_id, user_id } => {
            email_verification(&ctx, TenantScope::trusted(tenant_id), user_id).await?
        }
        Notify::Invitation {
            tenant_id,
            invitation_id,
        } => invitation(&ctx, TenantScope::trusted(tenant_id), invitation_id).await?,
        Notify::AlertSweep { at } => {
            let at = DateTime::from_timestamp(at, 0).unwrap_or_else(Utc::now);
            alerts::sweep(&ctx, at).await?
        }
    }
    Ok(())
}

async fn password_reset(
    ctx: &Context,
    scope: TenantScope,
    user: otklik_schema::UserId,
) -> Result<(), NotifyError> {
    let Some(mailer) = &ctx.mailer else {
        tracing::warn!(user.id = %user, "a password reset was asked for, but OTKLIK_SMTP_URL is not set");
        return Ok(());
    };
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let Some(person) = users::active(&mut conn, scope, user).await? else {
        return Ok(());
    };
    let (token, hash) = otklik_jobs::new_token();
    users::store_reset(&mut conn, scope, user, &hash, Utc::now() + RESET_TTL).await?;
    drop(conn);
    let link = format!(
        "{}/app/#/reset/{token}",
        ctx.config.public_url.trim_end_matches('/')
    );
    let body = format!(
        "Здравствуйте!\n\nКто-то (надеемся, вы) попросил сменить пароль в Otklik для {email}.\n\
         Чтобы задать новый пароль, откройте ссылку в течение часа:\n\n{link}\n\n\
         Если вы не просили сменить пароль, просто не отвечайте на это письмо — пароль останется прежним.\n",
        email = person.email,
    );
    send(ctx, mailer, &person.email, "Смена пароля в Otklik", body).await?;
    tracing::info!(user.id = %user, "password reset e-mail sent");
    Ok(())
}

/// Mails a link that confirms the person's address, unless it is confirmed already.
async fn email_verification(
    ctx: &Context,
    scope: TenantScope,
    user: otklik_schema::UserId,
) -> Result<(), NotifyError> {
    let Some(mailer) = &ctx.mailer else {
        tracing::warn!(user.id = %user, "an address is to be confirmed, but OTKLIK_SMTP_URL is not set");
        return Ok(());
    };
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let Some(person) = email_verifications::unverified(&mut conn, scope, user).await? else {
        tracing::info!(user.id = %user, "the address is confirmed already, or the account is disabled");
        return Ok(());
    };
    let shop = otklik_db::tenants::get(&mut conn, scope).await?.name;
    let (token, hash) = otklik_jobs::new_token();
    let expires_at = Utc::now() + VERIFICATION_TTL;
    email_verifications::store(&mut conn, scope, user, &hash, expires_at).await?;
    drop(conn);
    let link = format!(
        "{}/verify-email?token={token}",
        ctx.config.public_url.trim_end_matches('/')
    );
    let body = format!(
        "Здравствуйте!\n\nВы зарегистрировали магазин «{shop}» в Otklik. \
         Чтобы подтвердить, что адрес {email} принадлежит вам, откройте ссылку:\n\n{link}\n\n\
         Пока адрес не подтверждён, магазин можно настраивать, но каналы не отвечают покупателям: \
         они включатся сами, как только вы подтвердите адрес.\n\n\
         Ссылка действует до {until} (по московскому времени) и сработает один раз.\n\n\
         Если вы не регистрировались в Otklik, просто не обращайте внимания на это письмо.\n",
        email = person.email,
        until = moscow_date(expires_at),
    );
    send(
        ctx,
        mailer,
        &person.email,
        "Подтвердите адрес почты в Otklik",
        body,
    )
    .await?;
    tracing::info!(user.id = %user, "address confirmation e-mail sent");
    Ok(())
}

async fn invitation(ctx: &Context, scope: TenantScope, id: i64) -> Result<(), NotifyError> {
    let Some(mailer) = &ctx.mailer else {
        tracing::warn!(
            invitation.id = id,
            "an invitation was made, but OTKLIK_SMTP_URL is not set"
        );
        return Ok(());
    };
    let (token, hash) = otklik_jobs::new_token();
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let Some(mail) = invitations::claim_mail(&mut conn, scope, id, &hash).await? else {
        tracing::info!(
            invitation.id = id,
            "the invitation was already e-mailed, or is no longer pending"
        );
        return Ok(());
    };
    drop(conn);
    let link = format!(
        "{}/app/#/invitation/{token}",
        ctx.config.public_url.trim_end_matches('/')
    );
    let inviter = if mail.invited_by.is_empty() {
        "Администратор магазина".to_owned()
    } else {
        format!("{} (администратор)", mail.invited_by)
    };
    let body = format!(
        "Здравствуйте!\n\n{inviter} приглашает вас в команду магазина «{shop}» в Otklik \
         с ролью «{role}».\n\n\
         Чтобы принять приглашение, откройте ссылку, придумайте пароль — и можно начинать:\n\n\
         {link}\n\n\
         Ссылка действует до {until} (по московскому времени) и сработает один раз.\n\n\
         Если вы не ждали этого письма, просто не обращайте на него внимания.\n",
        shop = mail.shop,
        role = role_name(mail.role),
        until = moscow_date(mail.expires_at),
    );
    let subject = format!("Приглашение в команду магазина «{}» в Otklik", mail.shop);
    if let Err(err) = send(ctx, mailer, &mail.email, &subject, body).await {
        // Give the claim back so the retry sends; this mail's token never went out.
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        invitations::release_mail(&mut conn, scope, id).await?;
        return Err(err);
    }
    tracing::info!(invitation.id = id, "invitation e-mail sent");
    Ok(())
}

/// The role as the invited person reads it.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "администратор",
        Role::Operator => "оператор",
        Role::Viewer => "наблюдатель",
    }
}

/// `1 декабря 2026 г., 14:05` in Moscow time, how people in Russia read a date.
fn moscow_date(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Moscow);
    format!(
        "{} {} г., {}",
        Speech::RUSSIAN.day_month(local.date_naive()),
        local.year(),
        local.format("%H:%M")
    )
}

async fn send(
    ctx: &Context,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), NotifyError> {
    send_with(ctx, mailer, to, subject, body, &[]).await
}

/// [`send`] with more headers (an alert's `List-Unsubscribe`).
async fn send_with(
    ctx: &Context,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    to: &str,
    subject: &str,
    body: String,
    headers: &[lettre::message::header::HeaderValue],
) -> Result<(), NotifyError> {
    let mut message = Message::builder()
        .from(
            ctx.config
                .mail_from
                .parse()
                .map_err(|err| NotifyError::Message(format!("OTKLIK_MAIL_FROM: {err}")))?,
        )
        .to(to
            .parse()
            .map_err(|err| NotifyError::Message(format!("the recipient's e-mail: {err}")))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for header in headers {
        message = message.raw_header(header.clone());
    }
    let message = message
        .body(body)
        .map_err(|err| NotifyError::Message(err.to_string()))?;
    mailer.send(message).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_written_in_moscow_time_in_russian() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 21, 30, 0).single();
        assert_eq!(
            at.map(moscow_date).as_deref(),
            Some("1 января 2027 г., 00:30")
        );
    }
}
