//! What billing allows a tenant's assistant right now. Checked by every turn, so it reads two
//! indexed rows and a count over the current period.

use otklik_db::{AsyncPgConnection, DbError, TenantScope, billing};
use otklik_schema::{AccountState, HandoffReason};

use super::Billing;

/// How the assistant may serve the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Serve,
    /// People answer: the trial's or the merchant's reply cap is reached. The reason goes to
    /// operators with the handoff.
    OperatorOnly(HandoffReason),
    /// Unpaid: no bot replies at all; shopper messages still arrive for people to read.
    Suspended,
}

/// The tenant's standing; a tenant without a billing account starts its trial now. Without a
/// payment provider there is nothing to convert a trial into, so its cap does not apply; a
/// merchant's own cap always does.
pub async fn standing(
    conn: &mut AsyncPgConnection,
    billing_setup: &Billing,
    scope: TenantScope,
) -> Result<Standing, DbError> {
    let catalog = &billing_setup.catalog;
    let account = match billing::get(conn, scope).await? {
        Some(account) => account,
        None => {
            let trial = catalog.trial();
            let ends_at = trial.ends_at(chrono::Utc::now());
            let currency = billing_setup.default_currency();
            billing::open_trial(conn, scope, trial.plan.as_str(), ends_at, currency).await?
        }
    };
    if account.state == AccountState::Suspended {
        return Ok(Standing::Suspended);
    }
    // With billing off (no provider) nothing can end a trial, so its cap would silence the
    // assistant for good: only a cap the merchant chose applies then.
    let trial = (billing_setup.is_on()
        && account.state == AccountState::Trialing
        && account.provider_subscription.is_none())
    .then(|| {
        (
            i64::try_from(catalog.trial().reply_cap).unwrap_or(i64::MAX),
            HandoffReason::TrialReplyCap,
        )
    });
    let merchant = account.reply_cap.map(|cap| (cap, HandoffReason::ReplyCap));
    // The lower ceiling is the one reached first.
    let Some((cap, reason)) = trial
        .into_iter()
        .chain(merchant)
        .min_by_key(|(cap, _)| *cap)
    else {
        return Ok(Standing::Serve);
    };
    let used = billing::replies_since(conn, scope, account.period_start).await?;
    Ok(if used >= cap {
        Standing::OperatorOnly(reason)
    } else {
        Standing::Serve
    })
}
