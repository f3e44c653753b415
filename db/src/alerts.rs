//! E-mail alerts to a shop's people: who is due one, who switched which kind off, and the
//! record of alerts mailed. An alert is claimed (user, kind, subject) before it is sent and
//! released when the send fails, so a sweep run twice, or retried, mails it once.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{
    AccountState, AlertKind, BillingCurrency, ConversationId, Marketplace, TenantId, UserId,
};

use crate::{DbError, TenantScope};

/// How long a shopper may wait for a person before the shop's people are alerted, when the
/// shop has not said (`assistant.waiting_alert_minutes`).
pub const DEFAULT_WAITING_MINUTES: i32 = 10;

/// A person to alert about a conversation waiting for a person.
#[derive(Debug, Clone, QueryableByName)]
pub struct WaitingDue {
    #[diesel(sql_type = BigInt)]
    pub tenant_id: TenantId,
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    #[diesel(sql_type = Timestamptz)]
    pub handoff_at: DateTime<Utc>,
    /// The conversation and its handoff: a later handoff of the same conversation is new.
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = BigInt)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub email: String,
    /// The shop's name, its time zone and settings (for its working hours).
    #[diesel(sql_type = Text)]
    pub shop: String,
    #[diesel(sql_type = Text)]
    pub timezone: String,
    #[diesel(sql_type = Jsonb)]
    pub settings: serde_json::Value,
    /// How the shopper is named in the dashboard; empty when unknown.
    #[diesel(sql_type = Text)]
    pub customer: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
}

/// Every (conversation, person) pair due a waiting alert at `at`, across shops: conversations
/// in `waiting_operator` since longer than their shop's limit, read through the partial index
/// of waiting conversations; each shop's admins and operators who have the alert on, or only
/// the assignee when there is one; pairs already alerted left out. Working hours are the
/// caller's to check.
pub async fn waiting_due(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> Result<Vec<WaitingDue>, DbError> {
    Ok(diesel::sql_query(
        "SELECT c.tenant_id, c.id AS conversation_id, c.handoff_at, s.subject,
                u.id AS user_id, u.email, t.name AS shop, t.timezone, t.settings,
                coalesce(cu.display_name, '') AS customer, ch.name AS channel
           FROM conversations c
           JOIN tenants t ON t.id = c.tenant_id
           JOIN channels ch ON ch.id = c.channel_id
           LEFT JOIN customers cu ON cu.id = c.customer_id
           CROSS JOIN LATERAL (SELECT 'conversation:' || c.id || '@'
                                      || floor(extract(epoch FROM c.handoff_at))::bigint AS subject) s
           JOIN users u ON u.tenant_id = c.tenant_id AND u.disabled_at IS NULL
                       AND u.role IN ('admin', 'operator')
                       AND (c.assignee_id IS NULL OR u.id = c.assignee_id)
                       AND NOT ('waiting_conversation' = ANY (u.alerts_off))
          WHERE c.mode = 'waiting_operator'
            AND c.handoff_at <= $1 - interval '1 minute'
            AND c.handoff_at <= $1 - make_interval(mins => CASE
                    WHEN jsonb_typeof(t.settings #> '{assistant,waiting_alert_minutes}') = 'number'
                    THEN (t.settings #>> '{assistant,waiting_alert_minutes}')::numeric::int
                    ELSE $2 END)
            AND NOT EXISTS (SELECT 1 FROM alerts_sent a
                             WHERE a.user_id = u.id AND a.kind = 'waiting_conversation'
                               AND a.subject = s.subject)
          ORDER BY c.handoff_at, c.id, u.id",
    )
    .bind::<Timestamptz, _>(at)
    .bind::<diesel::sql_types::Integer, _>(DEFAULT_WAITING_MINUTES)
    .load(conn)
    .await?)
}

/// An admin to alert about a marketplace account whose syncs have failed for an hour.
#[derive(Debug, Clone, QueryableByName)]
pub struct SyncFailingDue {
    #[diesel(sql_type = BigInt)]
    pub tenant_id: TenantId,
    /// The account's name and marketplace, as the dashboard shows them.
    #[diesel(sql_type = Text)]
    pub account: String,
    #[diesel(sql_type = Text)]
    pub marketplace: Marketplace,
    #[diesel(sql_type = Timestamptz)]
    pub failing_since: DateTime<Utc>,
    /// The account and its failure streak: the next streak is new.
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = BigInt)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub shop: String,
}

/// Every (account, admin) pair due a failing-sync alert at `at`: enabled accounts whose
/// current failure streak began an hour or more before, through the partial index of failing
/// accounts; admins with the alert on; pairs already alerted for this streak left out.
pub async fn sync_failing_due(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> Result<Vec<SyncFailingDue>, DbError> {
    Ok(diesel::sql_query(
        "SELECT m.tenant_id, m.name AS account, m.marketplace, m.failing_since, s.subject,
                u.id AS user_id, u.email, t.name AS shop
           FROM marketplace_accounts m
           JOIN tenants t ON t.id = m.tenant_id
           CROSS JOIN LATERAL (SELECT 'account:' || m.id || '@'
                                      || floor(extract(epoch FROM m.failing_since))::bigint AS subject) s
           JOIN users u ON u.tenant_id = m.tenant_id AND u.disabled_at IS NULL
                       AND u.role = 'admin'
                       AND NOT ('sync_failing' = ANY (u.alerts_off))
          WHERE m.failing_since IS NOT NULL AND m.enabled
            AND m.failing_since <= $1 - interval '1 hour'
            AND NOT EXISTS (SELECT 1 FROM alerts_sent a
                             WHERE a.user_id = u.id AND a.kind = 'sync_failing'
                               AND a.subject = s.subject)
          ORDER BY m.failing_since, m.id, u.id",
    )
    .bind::<Timestamptz, _>(at)
    .load(conn)
    .await?)
}

/// A person to alert about a WB question whose answer deadline is less than a day away.
#[derive(Debug, Clone, QueryableByName)]
pub struct DeadlineDue {
    #[diesel(sql_type = BigInt)]
    pub tenant_id: TenantId,
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    #[diesel(sql_type = Timestamptz)]
    pub reply_due_at: DateTime<Utc>,
    /// The question and its deadline.
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = BigInt)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub shop: String,
    #[diesel(sql_type = Text)]
    pub customer: String,
}

/// Every (question, person) pair due a deadline alert at `at`: open conversations of WB
/// question channels whose answer deadline falls within the next day, through the partial
/// index of open conversations with a deadline; admins and operators with the alert on, or
/// only the assignee; pairs already alerted left out.
pub async fn deadline_due(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> Result<Vec<DeadlineDue>, DbError> {
    Ok(diesel::sql_query(
        "SELECT c.tenant_id, c.id AS conversation_id, c.reply_due_at, s.subject,
                u.id AS user_id, u.email, t.name AS shop, cu.display_name AS customer
           FROM conversations c
           JOIN channels ch ON ch.id = c.channel_id AND ch.kind = 'wb_questions'
           JOIN tenants t ON t.id = c.tenant_id
           JOIN customers cu ON cu.id = c.customer_id
           CROSS JOIN LATERAL (SELECT 'question:' || c.id || '@'
                                      || floor(extract(epoch FROM c.reply_due_at))::bigint AS subject) s
           JOIN users u ON u.tenant_id = c.tenant_id AND u.disabled_at IS NULL
                       AND u.role IN ('admin', 'operator')
                       AND (c.assignee_id IS NULL OR u.id = c.assignee_id)
                       AND NOT ('wb_question_deadline' = ANY (u.alerts_off))
          WHERE c.reply_due_at IS NOT NULL AND c.mode <> 'closed'
            AND c.reply_due_at > $1 AND c.reply_due_at <= $1 + interval '1 day'
            AND NOT EXISTS (SELECT 1 FROM alerts_sent a
                             WHERE a.user_id = u.id AND a.kind = 'wb_question_deadline'
                               AND a.subject = s.subject)
          ORDER BY c.reply_due_at, c.id, u.id",
    )
    .bind::<Timestamptz, _>(at)
    .load(conn)
    .await?)
}

/// An admin to alert about the shop's standing with billing: its trial ends within three days,
/// or a payment failed and the grace period runs.
#[derive(Debug, Clone, QueryableByName)]
pub struct StandingDue {
    #[diesel(sql_type = BigInt)]
    pub tenant_id: TenantId,
    #[diesel(sql_type = Text)]
    pub state: AccountState,
    /// When the trial ends, or since when the shop is past due.
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// The state and its moment: a later trial or a new failure is alerted again.
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = BigInt)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub shop: String,
}

/// Every (shop, admin) pair due a billing alert at `at`, for shops paying in a currency this
/// installation takes payments in: trials ending within three days, shops past due; admins
/// with the alert on; pairs already alerted for this trial or this failure left out. One row
/// per shop is read, never its history.
pub async fn standing_due(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
    paid_in: &[BillingCurrency],
) -> Result<Vec<StandingDue>, DbError> {
    Ok(diesel::sql_query(
        "SELECT b.tenant_id, b.state, s.at, s.subject, u.id AS user_id, u.email, t.name AS shop
           FROM billing_accounts b
           JOIN tenants t ON t.id = b.tenant_id
           CROSS JOIN LATERAL (SELECT CASE b.state WHEN 'trialing' THEN b.trial_ends_at
                                                   ELSE b.past_due_since END AS at) m
           CROSS JOIN LATERAL (SELECT m.at, b.state || ':' || b.tenant_id || '@'
                                      || floor(extract(epoch FROM m.at))::bigint AS subject) s
           JOIN users u ON u.tenant_id = b.tenant_id AND u.disabled_at IS NULL
                       AND u.role = 'admin'
                       AND NOT ('billing' = ANY (u.alerts_off))
          WHERE b.currency = ANY ($2)
            AND ((b.state = 'trialing' AND b.trial_ends_at > $1
                                       AND b.trial_ends_at <= $1 + interval '3 days')
                 OR (b.state = 'past_due' AND b.past_due_since IS NOT NULL))
            AND NOT EXISTS (SELECT 1 FROM alerts_sent a
                             WHERE a.user_id = u.id AND a.kind = 'billing'
                               AND a.subject = s.subject)
          ORDER BY s.at, b.tenant_id, u.id",
    )
    .bind::<Timestamptz, _>(at)
    .bind::<Array<Text>, _>(paid_in)
    .load(conn)
    .await?)
}

/// Claims the alert for sending; `false` when it was already claimed (sent, or being sent).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    kind: AlertKind,
    subject: &str,
) -> Result<bool, DbError> {
    let inserted = diesel::sql_query(
        "INSERT INTO alerts_sent (tenant_id, user_id, kind, subject)
         SELECT $1, $2, $3, $4 FROM users WHERE tenant_id = $1 AND id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(user)
    .bind::<Text, _>(kind)
    .bind::<Text, _>(subject)
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// Undoes [`claim`] after the e-mail could not be sent, so the next sweep sends it.
pub async fn release(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    kind: AlertKind,
    subject: &str,
) -> Result<(), DbError> {
    diesel::sql_query(
        "DELETE FROM alerts_sent WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND subject = $4",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(user)
    .bind::<Text, _>(kind)
    .bind::<Text, _>(subject)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Off {
    #[diesel(sql_type = Array<Text>)]
    alerts_off: Vec<AlertKind>,
}

/// The kinds the person switched off; `None` when there is no such active person.
pub async fn switched_off(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<Option<Vec<AlertKind>>, DbError> {
    Ok(diesel::sql_query(
        "SELECT alerts_off FROM users WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(user)
    .get_result::<Off>(conn)
    .await
    .optional()?
    .map(|row| row.alerts_off))
}

/// Switches `on` kinds on and `off` kinds off, keeping the rest; the kinds now off, or `None`
/// when there is no such active person.
pub async fn switch(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    on: &[AlertKind],
    off: &[AlertKind],
) -> Result<Option<Vec<AlertKind>>, DbError> {
    Ok(diesel::sql_query(
        "UPDATE users
            SET alerts_off = ARRAY(SELECT DISTINCT k FROM unnest(alerts_off || $4::text[]) k
                                    WHERE NOT (k = ANY ($3::text[])) ORDER BY k)
          WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL
         RETURNING alerts_off",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(user)
    .bind::<Array<Text>, _>(on)
    .bind::<Array<Text>, _>(off)
    .get_result::<Off>(conn)
    .await
    .optional()?
    .map(|row| row.alerts_off))
}
