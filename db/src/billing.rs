//! Tenants' billing records: plan and standing, the payment provider's events, usage reported as
//! meter events, and billing runs. The provider is called by the billing worker; these queries
//! keep what it learned and what it still owes the provider.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{billing_accounts, billing_events, billing_runs, meter_reports};
use otklik_schema::{AccountState, BillingCurrency, TenantId};

use crate::statement::PlanOnce;
use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = billing_accounts, check_for_backend(diesel::pg::Pg))]
pub struct BillingAccount {
    pub tenant_id: TenantId,
    pub plan_code: String,
    pub state: AccountState,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub reply_cap: Option<i64>,
    pub provider_customer: Option<String>,
    pub provider_subscription: Option<String>,
    pub subscription_status: Option<String>,
    pub period_start: DateTime<Utc>,
    pub period_end: Option<DateTime<Utc>>,
    pub past_due_since: Option<DateTime<Utc>>,
    pub currency: BillingCurrency,
    /// The saved payment method autopayments charge (ЮKassa).
    pub payment_method: Option<String>,
}

/// Opens the tenant's billing account on a trial in `currency`, unless it has one; returns the
/// account.
pub async fn open_trial(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    plan_code: &str,
    trial_ends_at: DateTime<Utc>,
    currency: BillingCurrency,
) -> Result<BillingAccount, DbError> {
    diesel::insert_into(billing_accounts::table)
        .values((
            billing_accounts::tenant_id.eq(scope.tenant_id()),
            billing_accounts::currency.eq(currency),
            billing_accounts::plan_code.eq(plan_code),
            billing_accounts::state.eq(AccountState::Trialing),
            billing_accounts::trial_ends_at.eq(trial_ends_at),
            billing_accounts::period_end.eq(trial_ends_at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(get(conn, scope)
        .await?
        .ok_or(diesel::result::Error::NotFound)?)
}

pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Option<BillingAccount>, DbError> {
    Ok(billing_accounts::table
        .find(scope.tenant_id())
        .select(BillingAccount::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The tenant a provider customer belongs to.
pub async fn tenant_of_customer(
    conn: &mut AsyncPgConnection,
    customer: &str,
) -> Result<Option<TenantId>, DbError> {
    Ok(billing_accounts::table
        .filter(billing_accounts::provider_customer.eq(customer))
        .select(billing_accounts::tenant_id)
        .first(conn)
        .await
        .optional()?)
}

pub async fn set_customer(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    customer: &str,
) -> Result<(), DbError> {
    diesel::update(billing_accounts::table.find(scope.tenant_id()))
        .set((
            billing_accounts::provider_customer.eq(customer),
            billing_accounts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The subscription as the provider reports it now, and the standing it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionSnapshot<'a> {
    pub subscription: &'a str,
    pub status: &'a str,
    pub state: AccountState,
    pub plan_code: Option<&'a str>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
}

/// Records the provider's current view of the subscription. `past_due_since` starts when the
/// account first falls behind and clears once it is paid up.
pub async fn apply_subscription(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    snapshot: &SubscriptionSnapshot<'_>,
) -> Result<BillingAccount, DbError> {
    diesel::sql_query(
        "UPDATE billing_accounts SET
           provider_subscription = $2,
           subscription_status = $3,
           state = CASE WHEN state = 'suspended' AND $4 = 'past_due' THEN 'suspended' ELSE $4 END,
           plan_code = coalesce($5, plan_code),
           period_start = coalesce($6, period_start),
           period_end = coalesce($7, period_end),
           past_due_since = CASE WHEN $4 IN ('past_due', 'suspended')
                                 THEN coalesce(past_due_since, now()) END,
           updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(snapshot.subscription)
    .bind::<Text, _>(snapshot.status)
    .bind::<Text, _>(snapshot.state.as_str())
    .bind::<diesel::sql_types::Nullable<Text>, _>(snapshot.plan_code)
    .bind::<diesel::sql_types::Nullable<Timestamptz>, _>(snapshot.period_start)
    .bind::<diesel::sql_types::Nullable<Timestamptz>, _>(snapshot.period_end)
    .execute(conn)
    .await?;
    Ok(get(conn, scope)
        .await?
        .ok_or(diesel::result::Error::NotFound)?)
}

/// The merchant's ceiling on AI replies per period; `None` lifts it.
pub async fn set_reply_cap(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    cap: Option<i64>,
) -> Result<(), DbError> {
    diesel::update(billing_accounts::table.find(scope.tenant_id()))
        .set((
            billing_accounts::reply_cap.eq(cap),
            billing_accounts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// AI replies the tenant has had since `since`.
pub async fn replies_since(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    since: DateTime<Utc>,
) -> Result<i64, DbError> {
    replies_in(conn, scope, since, None).await
}

/// AI replies the tenant had in `[from, until)`: a closed period's usage, the same however late
/// it is counted.
pub async fn replies_between(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<i64, DbError> {
    replies_in(conn, scope, from, Some(until)).await
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// Replies in `[from, until)` (no end: up to now): the hourly counters for the whole hours
/// inside, the events themselves only for the partial hours at the edges, so the cost stays
/// the same however many replies the shop has had.
async fn replies_in(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<i64, DbError> {
    let row: Total = diesel::sql_query(
        "WITH edges AS (
             SELECT f, u,
                    CASE WHEN date_trunc('hour', f, 'UTC') = f THEN f
                         ELSE date_trunc('hour', f, 'UTC') + interval '1 hour' END AS lo,
                    date_trunc('hour', u, 'UTC') AS hi
             FROM (SELECT $2::timestamptz AS f,
                          coalesce($3::timestamptz, 'infinity'::timestamptz) AS u) AS bounds)
         SELECT (SELECT coalesce(sum(c.quantity), 0)
                 FROM usage_counters c, edges e
                 WHERE c.tenant_id = $1 AND c.kind = 'ai_reply'
                   AND c.hour >= e.lo AND c.hour < e.hi)::int8
              + (SELECT coalesce(sum(v.quantity), 0)
                 FROM usage_events v, edges e
                 WHERE v.tenant_id = $1 AND v.kind = 'ai_reply'
                   AND v.occurred_at >= e.f AND v.occurred_at < e.u
                   AND (e.lo >= e.hi OR v.occurred_at < e.lo OR v.occurred_at >= e.hi))::int8
             AS total",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Timestamptz, _>(from)
    .bind::<diesel::sql_types::Nullable<Timestamptz>, _>(until)
    .prepared()
    .get_result(conn)
    .await?;
    Ok(row.total)
}

/// Channels the merchant connected (messengers, web chat) that are switched on, or held off
/// until the owner confirms their address (they switch on then): what the plan's channel limit
/// counts. Marketplace accounts' own channels are not counted.
pub async fn channels_connected(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<i64, DbError> {
    use otklik_schema::schema::channels;
    Ok(channels::table
        .filter(channels::tenant_id.eq(scope.tenant_id()))
        .filter(channels::enabled.or(channels::awaiting_verification))
        .filter(channels::account_id.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// Admins and operators, active or invited: what the plan's operator seats count.
pub async fn seats_taken(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<i64, DbError> {
    use otklik_schema::Role;
    use otklik_schema::schema::{invitations, users};
    let seated = [Role::Admin, Role::Operator];
    let people: i64 = users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::disabled_at.is_null())
        .filter(users::role.eq_any(seated))
        .count()
        .get_result(conn)
        .await?;
    let invited: i64 = invitations::table
        .filter(invitations::tenant_id.eq(scope.tenant_id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(diesel::dsl::now))
        .filter(invitations::role.eq_any(seated))
        .count()
        .get_result(conn)
        .await?;
    Ok(people + invited)
}

/// `sum(column)` as `int8`: PostgreSQL sums `int8` into `numeric`.
fn sum_as_bigint(
    column: &str,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<BigInt>> {
    diesel::dsl::sql(&format!("sum({column})::int8"))
}

/// Stores a provider event unless it is known; `true` when it is new.
pub async fn record_event(
    conn: &mut AsyncPgConnection,
    id: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(billing_events::table)
        .values((
            billing_events::id.eq(id),
            billing_events::kind.eq(kind),
            billing_events::payload.eq(payload),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Whether the event was applied already (a redelivery).
pub async fn event_applied(conn: &mut AsyncPgConnection, id: &str) -> Result<bool, DbError> {
    Ok(billing_events::table
        .find(id)
        .select(billing_events::applied_at.is_not_null())
        .first(conn)
        .await
        .optional()?
        .unwrap_or(false))
}

pub async fn mark_event_applied(
    conn: &mut AsyncPgConnection,
    id: &str,
    tenant: Option<TenantId>,
    outcome: &str,
) -> Result<(), DbError> {
    diesel::update(billing_events::table.find(id))
        .set((
            billing_events::tenant_id.eq(tenant),
            billing_events::applied_at.eq(diesel::dsl::now),
            billing_events::outcome.eq(outcome),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Usage owed to the provider as one meter event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName)]
pub struct MeterReport {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub tenant_id: i64,
    #[diesel(sql_type = Text)]
    pub identifier: String,
    #[diesel(sql_type = BigInt)]
    pub quantity: i64,
    #[diesel(sql_type = Text)]
    pub customer: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// Gathers every tenant's unreported AI replies into meter reports (one per tenant, named by
/// the usage it covers), then returns every report not yet sent — new ones and any a crashed
/// run left behind. Tenants without a provider customer wait until they have one.
pub async fn prepare_meter_reports(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<MeterReport>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::sql_query(
            "WITH owed AS (
               SELECT u.tenant_id, min(u.id) AS first_usage, max(u.id) AS last_usage,
                      sum(u.quantity) AS quantity
                 FROM usage_events u
                 JOIN billing_accounts a ON a.tenant_id = u.tenant_id
                WHERE u.kind = 'ai_reply' AND u.meter_report_id IS NULL
                  AND a.provider_customer IS NOT NULL
                GROUP BY u.tenant_id
               HAVING sum(u.quantity) > 0
             ), reports AS (
               INSERT INTO meter_reports (tenant_id, identifier, quantity, first_usage, last_usage)
               SELECT tenant_id, 'otklik-replies-' || tenant_id || '-' || first_usage || '-' || last_usage,
                      quantity, first_usage, last_usage
                 FROM owed
               RETURNING id, tenant_id, first_usage, last_usage
             )
             UPDATE usage_events u SET meter_report_id = r.id
               FROM reports r
              WHERE u.tenant_id = r.tenant_id AND u.kind = 'ai_reply'
                AND u.meter_report_id IS NULL AND u.id BETWEEN r.first_usage AND r.last_usage",
        )
        .execute(conn)
        .await?;
        Ok(diesel::sql_query(
            "SELECT r.id, r.tenant_id, r.identifier, r.quantity, a.provider_customer AS customer,
                    r.created_at
               FROM meter_reports r JOIN billing_accounts a ON a.tenant_id = r.tenant_id
              WHERE r.sent_at IS NULL
              ORDER BY r.id",
        )
        .load(conn)
        .await?)
    })
    .await
}

pub async fn mark_report_sent(conn: &mut AsyncPgConnection, id: i64) -> Result<(), DbError> {
    diesel::update(meter_reports::table.find(id))
        .set(meter_reports::sent_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replies reported to the provider for the tenant since `since`: what reconciliation compares.
pub async fn reported_since(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    since: DateTime<Utc>,
) -> Result<i64, DbError> {
    let total: Option<i64> = meter_reports::table
        .filter(meter_reports::tenant_id.eq(scope.tenant_id()))
        .filter(meter_reports::sent_at.is_not_null())
        .filter(meter_reports::created_at.ge(since))
        .select(sum_as_bigint("quantity"))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}

/// Suspends accounts behind on payment since before `cutoff`, and trials that ended without a
/// subscription. Returns the tenants suspended now.
pub async fn suspend_lapsed(
    conn: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
) -> Result<Vec<TenantId>, DbError> {
    Ok(diesel::update(billing_accounts::table)
        .filter(
            billing_accounts::state
                .eq(AccountState::PastDue)
                .and(billing_accounts::past_due_since.lt(cutoff))
                .or(billing_accounts::state
                    .eq(AccountState::Trialing)
                    .and(billing_accounts::provider_subscription.is_null())
                    .and(billing_accounts::trial_ends_at.lt(diesel::dsl::now))),
        )
        .set((
            billing_accounts::state.eq(AccountState::Suspended),
            billing_accounts::past_due_since.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<Timestamptz>,
            >("coalesce(past_due_since, now())")),
            billing_accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(billing_accounts::tenant_id)
        .get_results(conn)
        .await?)
}

/// Every account: what reconciliation walks.
pub async fn accounts(conn: &mut AsyncPgConnection) -> Result<Vec<BillingAccount>, DbError> {
    Ok(billing_accounts::table
        .order(billing_accounts::tenant_id)
        .select(BillingAccount::as_select())
        .load(conn)
        .await?)
}

/// Starts the run of `tick`; `None` when that tick's run already finished.
pub async fn start_run(conn: &mut AsyncPgConnection, tick: &str) -> Result<Option<i64>, DbError> {
    diesel::insert_into(billing_runs::table)
        .values(billing_runs::tick.eq(tick))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(billing_runs::table
        .filter(billing_runs::tick.eq(tick))
        .filter(billing_runs::finished_at.is_null())
        .select(billing_runs::id)
        .first(conn)
        .await
        .optional()?)
}

pub async fn finish_run(
    conn: &mut AsyncPgConnection,
    run: i64,
    reports: i32,
    replies: i64,
    details: &serde_json::Value,
    error: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(billing_runs::table.find(run))
        .set((
            billing_runs::finished_at.eq(diesel::dsl::now),
            billing_runs::reports.eq(reports),
            billing_runs::replies.eq(replies),
            billing_runs::details.eq(details),
            billing_runs::error.eq(error),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
