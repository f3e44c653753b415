//! The plan's limits on channels and operator seats, checked before one is added. Enforced
//! only while billing is on: without a provider no one could upgrade past a limit.

use otklik_db::{AsyncPgConnection, TenantScope, billing as accounts};
use otklik_schema::AccountState;

use super::{Billing, BillingError, standing};
use crate::Plan;

/// What a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Channels the merchant connects (messengers, web chat), switched on.
    Channels,
    /// Admins and operators, with invitations still open.
    OperatorSeats,
}

/// The limit is reached: what to tell the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitReached {
    pub limit: Limit,
    pub allowed: u32,
    pub plan: String,
    /// The next plan that allows more, if any.
    pub upgrade: Option<String>,
}

impl LimitReached {
    /// For the merchant, in Russian.
    pub fn message(&self) -> String {
        let what = match self.limit {
            Limit::Channels => format!(
                "подключить не больше {} {}",
                self.allowed,
                genitive(self.allowed, "канала", "каналов")
            ),
            Limit::OperatorSeats => format!(
                "добавить не больше {} {}",
                self.allowed,
                genitive(self.allowed, "сотрудника", "сотрудников")
            ),
        };
        match &self.upgrade {
            Some(upgrade) => format!(
                "На тарифе «{}» можно {what}. Чтобы добавить ещё, перейдите на тариф «{upgrade}» в разделе «Оплата».",
                self.plan
            ),
            None => format!(
                "На тарифе «{}» можно {what}. Это самый большой тариф: напишите нам, и мы подберём условия.",
                self.plan
            ),
        }
    }
}

/// The genitive after "не больше N": singular after 1, 21, 31… (не больше 21 канала), plural
/// otherwise (не больше 2 каналов, 5 каналов, 11 каналов).
fn genitive(n: u32, singular: &'static str, plural: &'static str) -> &'static str {
    if n % 10 == 1 && n % 100 != 11 {
        singular
    } else {
        plural
    }
}

/// `Ok(None)` when one more fits; `Ok(Some(..))` when the plan's limit is reached.
pub async fn check(
    conn: &mut AsyncPgConnection,
    billing: &Billing,
    scope: TenantScope,
    limit: Limit,
) -> Result<Option<LimitReached>, BillingError> {
    if !billing.is_on() {
        return Ok(None);
    }
    standing(conn, billing, scope).await?;
    let Some(account) = accounts::get(conn, scope).await? else {
        return Ok(None);
    };
    let plan_code =
        if account.state == AccountState::Trialing && account.provider_subscription.is_none() {
            billing.catalog.trial().plan.as_str().to_owned()
        } else {
            account.plan_code
        };
    let Ok(plan) = billing.catalog.plan(&plan_code) else {
        return Ok(None);
    };
    let allowed = limit_of(plan, limit);
    let used = match limit {
        Limit::Channels => accounts::channels_connected(conn, scope).await?,
        Limit::OperatorSeats => accounts::seats_taken(conn, scope).await?,
    };
    if used < i64::from(allowed) {
        return Ok(None);
    }
    let upgrade = billing
        .catalog
        .plans()
        .iter()
        .filter(|other| limit_of(other, limit) > allowed)
        .min_by_key(|other| limit_of(other, limit))
        .map(|other| other.name.clone());
    Ok(Some(LimitReached {
        limit,
        allowed,
        plan: plan.name.clone(),
        upgrade,
    }))
}

fn limit_of(plan: &Plan, limit: Limit) -> u32 {
    match limit {
        Limit::Channels => plan.channels,
        Limit::OperatorSeats => plan.operator_seats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_russian_and_offer_the_upgrade() {
        let reached = LimitReached {
            limit: Limit::Channels,
            allowed: 5,
            plan: "Business".into(),
            upgrade: Some("Pro".into()),
        };
        assert_eq!(
            reached.message(),
            "На тарифе «Business» можно подключить не больше 5 каналов. Чтобы добавить ещё, перейдите на тариф «Pro» в разделе «Оплата»."
        );
        let seats = LimitReached {
            limit: Limit::OperatorSeats,
            allowed: 2,
            plan: "Start".into(),
            upgrade: None,
        };
        assert!(
            seats.message().contains("не больше 2 сотрудников"),
            "{}",
            seats.message()
        );
        assert!(seats.message().contains("самый большой тариф"));
    }
}
