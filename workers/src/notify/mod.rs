//! The notify pool: e-mails to merchants' people. A password reset makes its single-use token
//! here, stores its hash, and mails the link; a job run twice mails two working links, never
//! none.

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use chrono::{Duration, Utc};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otklik_db::{DbError, TenantScope, users};
use otklik_jobs::Notify;
use secrecy::ExposeSecret;

use crate::Context;

const RESET_TTL: Duration = Duration::hours(1);

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
    let message = Message::builder()
        .from(
            ctx.config
                .mail_from
                .parse()
                .map_err(|err| NotifyError::Message(format!("OTKLIK_MAIL_FROM: {err}")))?,
        )
        .to(person
            .email
            .parse()
            .map_err(|err| NotifyError::Message(format!("the user's e-mail: {err}")))?)
        .subject("Смена пароля в Otklik")
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|err| NotifyError::Message(err.to_string()))?;
    mailer.send(message).await?;
    tracing::info!(user.id = %user, "password reset e-mail sent");
    Ok(())
}
