//! Idempotency keys, derived from the operation and its inputs, never random: the queue may
//! run a billing job twice (at-least-once, possibly in two processes at once) and both runs
//! must send the same key so Stripe executes the POST once and replays its answer.
//!
//! Stripe keeps keys at least 24 hours, replays the first result (errors included) and
//! rejects a reused key whose parameters differ (`ProviderError::IdempotencyConflict`).
//! Parts are validated newtypes, so every key stays far below Stripe's 255 characters.

use crate::provider::{OperationId, PlanChange, TenantId, UsageId};

/// One customer per tenant, ever.
pub(crate) fn customer(tenant: TenantId) -> String {
    format!("otklik:customer:{tenant}")
}

pub(crate) fn subscription(tenant: TenantId, operation: &OperationId) -> String {
    format!("otklik:subscription:{tenant}:{operation}")
}

/// Doubles as the meter event's `identifier` (≤ 100 characters), Stripe's second, key-
/// independent dedupe of usage.
pub(crate) fn meter(tenant: TenantId, usage: &UsageId) -> String {
    format!("otklik:meter:{tenant}:{usage}")
}

pub(crate) fn plan_change(change: &PlanChange) -> String {
    format!(
        "otklik:plan:{}:{}:{}:{}",
        change.tenant, change.subscription, change.plan, change.operation
    )
}

pub(crate) fn checkout(tenant: TenantId, operation: &OperationId) -> String {
    format!("otklik:checkout:{tenant}:{operation}")
}

pub(crate) fn portal(tenant: TenantId, operation: &OperationId) -> String {
    format!("otklik:portal:{tenant}:{operation}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanCode;
    use crate::provider::SubscriptionId;

    #[test]
    fn keys_depend_only_on_their_inputs_and_fit_stripes_limits() {
        let tenant = TenantId(i64::MIN);
        let longest = "x".repeat(64);
        let usage = UsageId::parse(&longest).expect("64 chars");
        let operation = OperationId::parse(&longest).expect("64 chars");

        assert_eq!(meter(tenant, &usage), meter(tenant, &usage));
        assert_ne!(
            meter(tenant, &usage),
            meter(TenantId(1), &usage),
            "tenants never share keys"
        );
        assert!(meter(tenant, &usage).len() <= 100, "meter identifier limit");

        let change = PlanChange {
            tenant,
            subscription: SubscriptionId(format!("sub_{}", "a".repeat(60))),
            plan: PlanCode::parse(&"p".repeat(32)).expect("32 chars"),
            operation: operation.clone(),
        };
        for key in [
            customer(tenant),
            subscription(tenant, &operation),
            plan_change(&change),
            checkout(tenant, &operation),
            portal(tenant, &operation),
        ] {
            assert!(key.len() <= 255, "{key}");
        }
        assert_eq!(customer(TenantId(42)), "otklik:customer:42");
    }

    #[test]
    fn key_parts_reject_what_could_break_a_key() {
        for bad in ["", "a b", "a:b", "ключ", &"x".repeat(65)] {
            assert!(UsageId::parse(bad).is_err(), "{bad:?}");
            assert!(OperationId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(UsageId::parse("reply-1.2_3").is_ok());
    }
}
