//! Outbound delivery bookkeeping and message history.
//!
//! A delivery moves `pending → sending → sent | failed | undeliverable`; a marketplace answer
//! may start as a `draft` that only an operator's approval makes `pending`. Only a `pending` message
//! can be claimed, and every later step is conditional on `sending`, so duplicate jobs are
//! harmless. A message left in `sending` by a crashed worker is never sent again: providers'
//! sends are not idempotent, and a duplicate reply is worse than one an operator must resend.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::messages;
use otklik_schema::{
    AccountId, Author, ChannelId, ChannelKind, ConversationId, DeliveryStatus, Direction, MessageId,
};

use crate::{DbError, TenantScope};

/// Everything needed to send one message, read when it is claimed.
#[derive(Debug, Clone, QueryableByName)]
pub struct Delivery {
    #[diesel(sql_type = BigInt)]
    pub id: MessageId,
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    pub channel_id: ChannelId,
    #[diesel(sql_type = Text)]
    pub channel_kind: ChannelKind,
    /// Provider credentials of the channel; never logged.
    #[diesel(sql_type = Jsonb)]
    pub credentials: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub chat_id: String,
    /// What the channel needs besides the chat id (WB buyer chats: `replySign`).
    #[diesel(sql_type = Nullable<Text>)]
    pub reply_token: Option<String>,
    /// The marketplace account of a marketplace channel.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub account_id: Option<AccountId>,
    /// Replies of this conversation already sent: a marketplace answer after the first is an
    /// edit, and WB allows one.
    #[diesel(sql_type = BigInt)]
    pub sent_before: i64,
    #[diesel(sql_type = Text)]
    pub author: Author,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The message's `meta.choices`, offered as buttons where the channel has them.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub choices: Option<serde_json::Value>,
    /// The shopper told the channel to stop writing to them (stopped the bot, denied the
    /// community's messages).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub recipient_stopped: bool,
}

impl Delivery {
    /// The Telegram bot token of the channel, for Telegram deliveries.
    pub fn bot_token(&self) -> Option<&str> {
        crate::channels::bot_token(&self.credentials)
    }

    /// The buttons to offer with this message, in order; entries that are not choices are
    /// skipped.
    pub fn choices(&self) -> Vec<Choice> {
        let Some(serde_json::Value::Array(items)) = &self.choices else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| serde_json::from_value::<Offered>(item.clone()).ok())
            .map(Choice::from)
            .filter(|choice| !choice.label.trim().is_empty())
            .collect()
    }
}

/// A button offered with a reply. An outbound message offers them in `meta.choices`, as
/// `[{"label": "…", "payload": "…"}]` (the payload defaults to the label) or plain strings;
/// a press comes back as a shopper message whose text is the payload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub label: String,
    pub payload: String,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Offered {
    Label(String),
    Full {
        label: String,
        #[serde(default)]
        payload: Option<String>,
    },
}

impl From<Offered> for Choice {
    fn from(offered: Offered) -> Self {
        match offered {
            Offered::Label(label) => Self {
                payload: label.clone(),
                label,
            },
            Offered::Full { label, payload } => Self {
                payload: payload.unwrap_or_else(|| label.clone()),
                label,
            },
        }
    }
}

/// The outcome of trying to claim a message for sending.
#[derive(Debug)]
pub enum Claim {
    /// This caller sends it now.
    Claimed(Delivery),
    /// Another worker claimed it `since` and may still be sending.
    InFlight {
        since: DateTime<Utc>,
    },
    /// Already finished (or not an outbound message); nothing to do.
    Done(Option<DeliveryStatus>),
    Missing,
}

#[derive(QueryableByName)]
struct StateRow {
    #[diesel(sql_type = Nullable<Text>)]
    delivery_status: Option<DeliveryStatus>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    delivery_claimed_at: Option<DateTime<Utc>>,
}

/// Moves a `pending` message to `sending` and returns what to send.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
) -> Result<Claim, DbError> {
    let claimed = diesel::sql_query(
        "UPDATE messages m
            SET delivery_status = 'sending', delivery_attempts = m.delivery_attempts + 1,
                delivery_claimed_at = now()
           FROM conversations c, channels ch, customers cu
          WHERE m.id = $1 AND m.tenant_id = $2 AND m.delivery_status = 'pending'
            AND c.id = m.conversation_id AND ch.id = m.channel_id AND cu.id = c.customer_id
      RETURNING m.id, m.conversation_id, m.channel_id, ch.kind AS channel_kind, ch.credentials,
                c.external_chat_id AS chat_id, c.reply_token, ch.account_id,
                (SELECT count(*) FROM messages s
                  WHERE s.conversation_id = m.conversation_id AND s.delivery_status = 'sent')
                    AS sent_before,
                m.author, m.body,
                m.delivery_attempts AS attempts, m.created_at,
                m.meta -> 'choices' AS choices, cu.stopped_at IS NOT NULL AS recipient_stopped",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result::<Delivery>(conn)
    .await
    .optional()?;
    if let Some(delivery) = claimed {
        return Ok(Claim::Claimed(delivery));
    }
    let state = diesel::sql_query(
        "SELECT delivery_status, delivery_claimed_at FROM messages WHERE id = $1 AND tenant_id = $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result::<StateRow>(conn)
    .await
    .optional()?;
    Ok(match state {
        None => Claim::Missing,
        Some(StateRow {
            delivery_status: Some(DeliveryStatus::Sending),
            delivery_claimed_at: Some(since),
        }) => Claim::InFlight { since },
        Some(row) => Claim::Done(row.delivery_status),
    })
}

/// How a send ended.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    /// The provider accepted it and gave it this id.
    Sent { external_id: &'a str },
    /// Try again later: the provider asked us to wait, or could not be reached.
    Retry { reason: &'a str },
    /// Gave up; an operator can see why.
    Failed { reason: &'a str },
    /// The provider will never deliver it (the shopper blocked the bot).
    Undeliverable { reason: &'a str },
}

impl Outcome<'_> {
    /// The message's delivery status after this outcome.
    pub fn status(&self) -> DeliveryStatus {
        match self {
            Outcome::Sent { .. } => DeliveryStatus::Sent,
            Outcome::Retry { .. } => DeliveryStatus::Pending,
            Outcome::Failed { .. } => DeliveryStatus::Failed,
            Outcome::Undeliverable { .. } => DeliveryStatus::Undeliverable,
        }
    }
}

/// Records how a claimed send ended. Returns `false` when the message was no longer `sending`
/// (another worker already finished it).
pub async fn finish(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    outcome: Outcome<'_>,
) -> Result<bool, DbError> {
    let status = outcome.status();
    let (reason, external_id, sent_at) = match outcome {
        Outcome::Sent { external_id } => (None, Some(external_id), Some(Utc::now())),
        Outcome::Retry { reason }
        | Outcome::Failed { reason }
        | Outcome::Undeliverable { reason } => (Some(reason), None, None),
    };
    let updated = diesel::update(messages::table)
        .filter(messages::id.eq(id))
        .filter(messages::tenant_id.eq(scope.tenant_id()))
        .filter(messages::delivery_status.eq(DeliveryStatus::Sending))
        .set((
            messages::delivery_status.eq(status),
            messages::delivery_error.eq(reason),
            messages::external_id.eq(external_id),
            messages::sent_at.eq(sent_at),
        ))
        .execute(conn)
        .await?;
    Ok(updated == 1)
}

/// A reply held for an operator's approval.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Draft {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The tenant's drafts, oldest first.
pub async fn drafts(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Vec<Draft>, DbError> {
    Ok(messages::table
        .filter(messages::tenant_id.eq(scope.tenant_id()))
        .filter(messages::delivery_status.eq(DeliveryStatus::Draft))
        .order(messages::created_at)
        .select(Draft::as_select())
        .load(conn)
        .await?)
}

/// Approves a draft for sending, with the operator's edit of its text if any. Returns `false`
/// when it is not (or no longer) a draft of this tenant; the caller then enqueues nothing.
pub async fn approve_draft(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    edited: Option<&str>,
) -> Result<bool, DbError> {
    let updated = diesel::sql_query(
        "UPDATE messages SET delivery_status = 'pending', body = coalesce($3, body)
          WHERE id = $1 AND tenant_id = $2 AND delivery_status = 'draft'",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Nullable<Text>, _>(edited)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Marks a send that a crashed worker left in `sending` for longer than `stale_after` as failed,
/// without sending it again. Returns whether it did.
pub async fn fail_interrupted(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    stale_after: Duration,
) -> Result<bool, DbError> {
    let stale_ms = stale_after.as_millis();
    let updated = diesel::update(messages::table)
        .filter(messages::id.eq(id))
        .filter(messages::tenant_id.eq(scope.tenant_id()))
        .filter(messages::delivery_status.eq(DeliveryStatus::Sending))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "delivery_claimed_at < now() - interval '{stale_ms} milliseconds'"
        )))
        .set((
            messages::delivery_status.eq(DeliveryStatus::Failed),
            messages::delivery_error
                .eq("interrupted while sending; not repeated because it may have arrived"),
        ))
        .execute(conn)
        .await?;
    Ok(updated == 1)
}

/// One line of a conversation as the shopper sees it.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Line {
    pub id: MessageId,
    pub direction: Direction,
    pub author: Author,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The latest `limit` messages a web-chat visitor can see, oldest first: what they wrote, and
/// replies that were sent.
pub async fn webchat_history(
    conn: &mut AsyncPgConnection,
    channel_id: ChannelId,
    visitor: &str,
    limit: i64,
) -> Result<Vec<Line>, DbError> {
    use otklik_schema::schema::{channels, conversations};
    let mut lines = messages::table
        .inner_join(conversations::table.on(conversations::id.eq(messages::conversation_id)))
        .inner_join(channels::table.on(channels::id.eq(messages::channel_id)))
        .filter(channels::id.eq(channel_id))
        .filter(channels::kind.eq(ChannelKind::Webchat))
        .filter(conversations::external_chat_id.eq(visitor))
        .filter(
            messages::direction
                .eq(Direction::Inbound)
                .or(messages::delivery_status.eq(DeliveryStatus::Sent)),
        )
        .order(messages::id.desc())
        .limit(limit)
        .select(Line::as_select())
        .load(conn)
        .await?;
    lines.reverse();
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(choices: Option<serde_json::Value>) -> Delivery {
        Delivery {
            id: MessageId(1),
            conversation_id: ConversationId(1),
            channel_id: ChannelId(1),
            channel_kind: ChannelKind::Max,
            credentials: serde_json::json!({}),
            chat_id: "1".into(),
            reply_token: None,
            account_id: None,
            sent_before: 0,
            author: Author::Bot,
            body: "Помог ли ответ?".into(),
            attempts: 1,
            created_at: Utc::now(),
            choices,
            recipient_stopped: false,
        }
    }

    #[test]
    fn choices_are_read_from_labels_and_full_entries() {
        let offered =
            serde_json::json!(["Да", {"label": "Нет", "payload": "rate:1"}, 5, {"x": 1}, ""]);
        assert_eq!(
            delivery(Some(offered)).choices(),
            vec![
                Choice {
                    label: "Да".into(),
                    payload: "Да".into()
                },
                Choice {
                    label: "Нет".into(),
                    payload: "rate:1".into()
                },
            ]
        );
        assert!(delivery(None).choices().is_empty());
        assert!(
            delivery(Some(serde_json::json!({"a": 1})))
                .choices()
                .is_empty()
        );
    }
}
