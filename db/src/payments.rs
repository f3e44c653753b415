//! Payments we charge ourselves, period by period (ЮKassa), and their refunds. A payment is
//! written before the provider is called, with its amount and receipt fixed, so a retry sends
//! the same request; what the provider says about it is applied here, once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{payments, refunds, users};
use otklik_schema::{PaymentPurpose, PaymentStatus, Role, TenantId};

use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = payments, check_for_backend(diesel::pg::Pg))]
pub struct Payment {
    pub id: i64,
    pub tenant_id: TenantId,
    pub purpose: PaymentPurpose,
    pub plan_code: String,
    pub operation: String,
    pub amount: i64,
    pub currency: String,
    pub receipt: serde_json::Value,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub attempt: i32,
    pub provider_payment: Option<String>,
    pub status: PaymentStatus,
    pub confirmation_url: Option<String>,
    pub decline_reason: Option<String>,
    pub refunded: i64,
    pub applied_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A payment to record before charging.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment<'a> {
    pub purpose: PaymentPurpose,
    pub plan_code: &'a str,
    pub operation: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub receipt: &'a serde_json::Value,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub attempt: i32,
}

/// Records a payment unless one with its operation, the tenant's open first payment or the
/// same renewal attempt exists; returns the one that stands (a double click gets the first).
pub async fn record(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    new: &NewPayment<'_>,
) -> Result<Payment, DbError> {
    let tenant = scope.tenant_id();
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::insert_into(payments::table)
            .values((
                payments::tenant_id.eq(tenant),
                payments::purpose.eq(new.purpose),
                payments::plan_code.eq(new.plan_code),
                payments::operation.eq(new.operation),
                payments::amount.eq(new.amount),
                payments::currency.eq(new.currency),
                payments::receipt.eq(new.receipt),
                payments::period_start.eq(new.period_start),
                payments::period_end.eq(new.period_end),
                payments::attempt.eq(new.attempt),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        let mut query = payments::table
            .filter(payments::tenant_id.eq(tenant))
            .into_boxed();
        query = match new.purpose {
            PaymentPurpose::First => query.filter(
                payments::operation.eq(new.operation).or(payments::purpose
                    .eq(PaymentPurpose::First)
                    .and(payments::status.eq_any([PaymentStatus::New, PaymentStatus::Pending]))),
            ),
            PaymentPurpose::Renewal => query.filter(
                payments::operation.eq(new.operation).or(payments::purpose
                    .eq(PaymentPurpose::Renewal)
                    .and(payments::period_start.eq(new.period_start))
                    .and(payments::attempt.eq(new.attempt))),
            ),
        };
        Ok(query
            .order(payments::id.desc())
            .select(Payment::as_select())
            .first(conn)
            .await?)
    })
    .await
}

/// The provider's answer to creating the payment.
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: i64,
    provider_payment: &str,
    confirmation_url: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(payments::table.find(id))
        .set((
            payments::provider_payment.eq(provider_payment),
            payments::confirmation_url.eq(confirmation_url),
            payments::status.eq(diesel::dsl::sql::<Text>(
                "CASE WHEN status = 'new' THEN 'pending' ELSE status END",
            )),
            payments::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The payment the provider knows by `provider_payment`, whichever tenant's.
pub async fn by_provider_id(
    conn: &mut AsyncPgConnection,
    provider_payment: &str,
) -> Result<Option<Payment>, DbError> {
    Ok(payments::table
        .filter(payments::provider_payment.eq(provider_payment))
        .select(Payment::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
) -> Result<Option<Payment>, DbError> {
    Ok(payments::table
        .filter(payments::tenant_id.eq(scope.tenant_id()))
        .find(id)
        .select(Payment::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The tenant's payments, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    limit: i64,
) -> Result<Vec<Payment>, DbError> {
    Ok(payments::table
        .filter(payments::tenant_id.eq(scope.tenant_id()))
        .order(payments::id.desc())
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

/// What the provider says about a payment now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSnapshot<'a> {
    pub status: PaymentStatus,
    pub decline_reason: Option<&'a str>,
    pub refunded: i64,
    pub saved_method: Option<&'a str>,
}

/// What applying a snapshot changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment succeeded now: the account is paid up to its period's end.
    Paid,
    /// A renewal was declined now: the account is behind on payment.
    Declined,
    /// A first payment was declined or abandoned: the account is as it was.
    Abandoned,
    /// Nothing new (still pending, or applied before).
    Unchanged,
}

/// Stores the provider's current view of the payment and, the first time it is final, what it
/// means for the account. Status only moves forward (`new` → `pending` → final), so a stale
/// read or a replay changes nothing.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    payment: i64,
    snapshot: &ChargeSnapshot<'_>,
) -> Result<Applied, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            tenant_id: i64,
            #[diesel(sql_type = Text)]
            purpose: String,
            #[diesel(sql_type = Text)]
            status: String,
        }
        let newly_final: Option<Row> = diesel::sql_query(
            "UPDATE payments SET
               status = $2, decline_reason = coalesce($3, decline_reason),
               applied_at = now(), updated_at = now()
             WHERE id = $1 AND applied_at IS NULL AND $2 IN ('succeeded', 'canceled')
             RETURNING tenant_id, purpose, status",
        )
        .bind::<BigInt, _>(payment)
        .bind::<Text, _>(snapshot.status.as_str())
        .bind::<Nullable<Text>, _>(snapshot.decline_reason)
        .get_result(conn)
        .await
        .optional()?;
        // Refunds only grow; the CHECK keeps them within the amount.
        diesel::sql_query(
            "UPDATE payments SET refunded = greatest(refunded, least($2, amount)),
                    status = CASE WHEN status = 'new' AND $3 = 'pending' THEN 'pending' ELSE status END,
                    updated_at = now()
              WHERE id = $1",
        )
        .bind::<BigInt, _>(payment)
        .bind::<BigInt, _>(snapshot.refunded)
        .bind::<Text, _>(snapshot.status.as_str())
        .execute(conn)
        .await?;
        let Some(row) = newly_final else {
            return Ok(Applied::Unchanged);
        };
        match (row.status.as_str(), row.purpose.as_str()) {
            ("succeeded", _) => {
                diesel::sql_query(
                    "UPDATE billing_accounts a SET
                       state = 'active', subscription_status = 'active',
                       plan_code = p.plan_code,
                       period_start = p.period_start, period_end = p.period_end,
                       payment_method = coalesce($2, a.payment_method),
                       past_due_since = NULL, updated_at = now()
                      FROM payments p
                     WHERE p.id = $1 AND a.tenant_id = p.tenant_id",
                )
                .bind::<BigInt, _>(payment)
                .bind::<Nullable<Text>, _>(snapshot.saved_method)
                .execute(conn)
                .await?;
                Ok(Applied::Paid)
            }
            (_, "renewal") => {
                diesel::sql_query(
                    "UPDATE billing_accounts SET
                       state = CASE WHEN state = 'suspended' THEN 'suspended' ELSE 'past_due' END,
                       subscription_status = 'past_due',
                       past_due_since = coalesce(past_due_since, now()), updated_at = now()
                     WHERE tenant_id = $1",
                )
                .bind::<BigInt, _>(row.tenant_id)
                .execute(conn)
                .await?;
                Ok(Applied::Declined)
            }
            _ => Ok(Applied::Abandoned),
        }
    })
    .await
}

/// An account in roubles whose paid period has ended, with its latest try for the next one.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct RenewalDue {
    #[diesel(sql_type = BigInt)]
    pub tenant_id: i64,
    #[diesel(sql_type = Text)]
    pub plan_code: String,
    #[diesel(sql_type = Text)]
    pub payment_method: String,
    /// The period to pay for starts where the paid one ended.
    #[diesel(sql_type = Timestamptz)]
    pub period_start: DateTime<Utc>,
    /// When the previous one started: AI replies since then are billed as overage.
    #[diesel(sql_type = Timestamptz)]
    pub previous_start: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub last_attempt: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_tried_at: Option<DateTime<Utc>>,
}

/// Accounts in roubles with a saved method whose period ended by `now`.
pub async fn renewals_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<RenewalDue>, DbError> {
    Ok(diesel::sql_query(
        "SELECT a.tenant_id, a.plan_code, a.payment_method, a.period_end AS period_start,
                a.period_start AS previous_start,
                last.attempt AS last_attempt, last.status AS last_status,
                last.created_at AS last_tried_at
           FROM billing_accounts a
           LEFT JOIN LATERAL (
                SELECT p.attempt, p.status, p.created_at FROM payments p
                 WHERE p.tenant_id = a.tenant_id AND p.purpose = 'renewal'
                   AND p.period_start = a.period_end
                 ORDER BY p.attempt DESC LIMIT 1) last ON true
          WHERE a.currency = 'RUB' AND a.payment_method IS NOT NULL
            AND a.state IN ('active', 'past_due', 'suspended')
            AND a.period_end IS NOT NULL AND a.period_end <= $1
          ORDER BY a.tenant_id",
    )
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await?)
}

/// Payments the provider has not finished: recorded but never sent (a crash between the row
/// and the call), or still pending (a notification we missed).
pub async fn unfinished(conn: &mut AsyncPgConnection) -> Result<Vec<Payment>, DbError> {
    Ok(payments::table
        .filter(payments::status.eq_any([PaymentStatus::New, PaymentStatus::Pending]))
        .order(payments::id)
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

/// Where the tenant's fiscal receipts are e-mailed: its first active admin.
pub async fn receipt_email(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Option<String>, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled_at.is_null())
        .order(users::id)
        .select(users::email)
        .first(conn)
        .await
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refunds, check_for_backend(diesel::pg::Pg))]
pub struct Refund {
    pub id: i64,
    pub tenant_id: TenantId,
    pub payment_id: i64,
    pub operation: String,
    pub amount: i64,
    pub provider_refund: Option<String>,
    pub status: String,
}

/// Records a refund of `amount` unless its operation is known, refusing (`None`) one that
/// would take the payment's refunds, made or in flight, above what was paid. The payment row is
/// locked meanwhile, so two refunds at once cannot both fit.
pub async fn record_refund(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    payment: i64,
    operation: &str,
    amount: i64,
) -> Result<Option<Refund>, DbError> {
    let tenant = scope.tenant_id();
    conn.transaction::<_, DbError, _>(async |conn| {
        let existing = refunds::table
            .filter(refunds::tenant_id.eq(tenant))
            .filter(refunds::operation.eq(operation))
            .select(Refund::as_select())
            .first(conn)
            .await
            .optional()?;
        if let Some(existing) = existing {
            return Ok(Some(existing));
        }
        let paid: Option<(i64, i64)> = payments::table
            .filter(payments::tenant_id.eq(tenant))
            .filter(payments::status.eq(PaymentStatus::Succeeded))
            .find(payment)
            .select((payments::amount, payments::refunded))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((paid, refunded)) = paid else {
            return Ok(None);
        };
        let in_flight: Option<i64> = refunds::table
            .filter(refunds::payment_id.eq(payment))
            .filter(refunds::status.ne("canceled"))
            .select(diesel::dsl::sql::<Nullable<BigInt>>("sum(amount)::int8"))
            .first(conn)
            .await?;
        let taken = in_flight.unwrap_or(0).max(refunded);
        if amount <= 0 || taken.saturating_add(amount) > paid {
            return Ok(None);
        }
        Ok(Some(
            diesel::insert_into(refunds::table)
                .values((
                    refunds::tenant_id.eq(tenant),
                    refunds::payment_id.eq(payment),
                    refunds::operation.eq(operation),
                    refunds::amount.eq(amount),
                ))
                .returning(Refund::as_returning())
                .get_result(conn)
                .await?,
        ))
    })
    .await
}

pub async fn set_refund(
    conn: &mut AsyncPgConnection,
    id: i64,
    provider_refund: &str,
    status: &str,
) -> Result<(), DbError> {
    diesel::update(refunds::table.find(id))
        .set((
            refunds::provider_refund.eq(provider_refund),
            refunds::status.eq(status),
            refunds::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn refund_by_provider_id(
    conn: &mut AsyncPgConnection,
    provider_refund: &str,
) -> Result<Option<Refund>, DbError> {
    Ok(refunds::table
        .filter(refunds::provider_refund.eq(provider_refund))
        .select(Refund::as_select())
        .first(conn)
        .await
        .optional()?)
}
