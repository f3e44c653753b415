//! Outbound delivery bookkeeping and message history.
//!
//! A delivery moves `pending → sending → sent | failed | undeliverable`; a marketplace answer
//! may start as a `draft` that only an operator's approval makes `pending`. A message is claimed
//! (`sending`) only when its send is about to leave, after the channel's rate limits allowed it,
//! and every later step is conditional on `sending`, so duplicate jobs are harmless. A message
//! left in `sending` by a crashed worker is sent again once the claim is older than a send can
//! take: whether the first request arrived is unknown, and a rare duplicate is better than a
//! shopper left without an answer. A reply that finally cannot be delivered hands its
//! conversation to people (`delivery_failed`), so it is never silent.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Int4, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::messages;
use otklik_schema::{
    AccountId, Author, ChannelId, ChannelKind, ConversationId, DeliveryStatus, Direction,
    HandoffReason, MessageId,
};

use crate::statement::PlanOnce;
use crate::{DbError, TenantScope};

/// Everything needed to send one message, read before it is claimed.
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
    /// Provider credentials of the channel, sealed; never logged.
    #[diesel(sql_type = Jsonb)]
    pub credentials: crate::sealed::Sealed,
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
    /// Requests made so far (a claim counts one; a provider's "wait" gives it back).
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    status: Option<DeliveryStatus>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    claimed_at: Option<DateTime<Utc>>,
    /// Claimed longer ago than a send can take: the claimer died.
    #[diesel(sql_type = Bool)]
    interrupted: bool,
    /// The message's `meta.choices`, offered as buttons where the channel has them.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub choices: Option<serde_json::Value>,
    /// The shopper told the channel to stop writing to them (stopped the bot, denied the
    /// community's messages).
    #[diesel(sql_type = Bool)]
    pub recipient_stopped: bool,
    /// When the shopper last wrote through this channel (any of their conversations): WhatsApp
    /// allows free-form replies only within 24 hours of it.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_inbound_at: Option<DateTime<Utc>>,
}

impl Delivery {
    /// The Telegram bot token of the channel, for Telegram deliveries.
    pub fn bot_token(&self, vault: &crate::sealed::Vault) -> Option<String> {
        crate::channels::bot_token(vault, self.channel_id, &self.credentials)
    }

    /// Whether this send was interrupted before (a crashed worker left it `sending`).
    pub fn was_interrupted(&self) -> bool {
        self.interrupted
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

/// What a delivery job finds when it looks at its message.
#[derive(Debug)]
pub enum ToSend {
    /// Waiting to be sent (or its earlier send was interrupted): claim it when the send leaves.
    Ready(Box<Delivery>),
    /// Another worker claimed it `since` and may still be sending.
    InFlight {
        since: DateTime<Utc>,
    },
    /// Already finished (or not an outbound message); nothing to do.
    Done(Option<DeliveryStatus>),
    Missing,
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// Reads a message for sending, without claiming it. A claim older than `stale_after` means
/// its worker died mid-send; such a message is ready again.
pub async fn to_send(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    stale_after: Duration,
) -> Result<ToSend, DbError> {
    let found = diesel::sql_query(
        "SELECT m.id, m.conversation_id, m.channel_id, ch.kind AS channel_kind, ch.credentials,
                c.external_chat_id AS chat_id, c.reply_token, ch.account_id,
                (SELECT count(*) FROM messages s
                  WHERE s.conversation_id = m.conversation_id AND s.delivery_status = 'sent')
                    AS sent_before,
                m.author, m.body, m.delivery_attempts AS attempts, m.created_at,
                m.delivery_status AS status, m.delivery_claimed_at AS claimed_at,
                coalesce(m.delivery_claimed_at < now() - make_interval(secs => $3), false)
                    AS interrupted,
                m.meta -> 'choices' AS choices, cu.stopped_at IS NOT NULL AS recipient_stopped,
                -- Each of the customer's conversations read at its newest inbound message
                -- (`messages_inbound_history_idx`): the cost is the customer's, never the shop's.
                (SELECT max(last.created_at) FROM conversations ic
                   CROSS JOIN LATERAL (
                       SELECT i.created_at FROM messages i
                        WHERE i.conversation_id = ic.id AND i.direction = 'inbound'
                        ORDER BY i.id DESC LIMIT 1) AS last
                  WHERE ic.customer_id = c.customer_id)
                    AS last_inbound_at
           FROM messages m
           JOIN conversations c ON c.id = m.conversation_id
           JOIN channels ch ON ch.id = m.channel_id
           JOIN customers cu ON cu.id = c.customer_id
          WHERE m.id = $1 AND m.tenant_id = $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Double, _>(seconds(stale_after))
    .prepared()
    .get_result::<Delivery>(conn)
    .await
    .optional()?;
    let Some(delivery) = found else {
        return Ok(ToSend::Missing);
    };
    Ok(match (delivery.status, delivery.claimed_at) {
        (Some(DeliveryStatus::Pending), _) => ToSend::Ready(Box::new(delivery)),
        (Some(DeliveryStatus::Sending), _) if delivery.interrupted => {
            ToSend::Ready(Box::new(delivery))
        }
        (Some(DeliveryStatus::Sending), Some(since)) => ToSend::InFlight { since },
        (status, _) => ToSend::Done(status),
    })
}

/// Claims a message for the send that leaves now: `pending` (or an interrupted `sending`)
/// becomes `sending` and the attempt is counted. Returns the attempt's number, or `None` when
/// another worker claimed or finished it first.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    stale_after: Duration,
) -> Result<Option<i32>, DbError> {
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = Int4)]
        attempts: i32,
    }
    let claimed = diesel::sql_query(
        "UPDATE messages
            SET delivery_status = 'sending', delivery_attempts = delivery_attempts + 1,
                delivery_claimed_at = now()
          WHERE id = $1 AND tenant_id = $2
            AND (delivery_status = 'pending'
                 OR (delivery_status = 'sending'
                     AND delivery_claimed_at < now() - make_interval(secs => $3)))
      RETURNING delivery_attempts AS attempts",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Double, _>(seconds(stale_after))
    .prepared()
    .get_result::<Claimed>(conn)
    .await
    .optional()?;
    Ok(claimed.map(|row| row.attempts))
}

/// How a send ended.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    /// The provider accepted it and gave it this id.
    Sent { external_id: &'a str },
    /// Try again later: the provider failed, could not be reached, or may not have received it.
    Retry { reason: &'a str },
    /// Try again later because the provider asked us to wait (429): not a failed attempt.
    Wait { reason: &'a str },
    /// Gave up; the conversation goes to people.
    Failed { reason: &'a str },
    /// The provider will never deliver it (the shopper blocked the bot); people take over.
    Undeliverable { reason: &'a str },
    /// Not sent after all: the seller had already answered at the marketplace.
    Withdrawn { reason: &'a str },
}

impl Outcome<'_> {
    /// The message's delivery status after this outcome.
    pub fn status(&self) -> DeliveryStatus {
        match self {
            Outcome::Sent { .. } => DeliveryStatus::Sent,
            Outcome::Retry { .. } | Outcome::Wait { .. } => DeliveryStatus::Pending,
            Outcome::Failed { .. } => DeliveryStatus::Failed,
            Outcome::Undeliverable { .. } => DeliveryStatus::Undeliverable,
            Outcome::Withdrawn { .. } => DeliveryStatus::Withdrawn,
        }
    }

    /// Whether the reply will never reach the shopper this way, so people must take over.
    pub fn is_final_failure(&self) -> bool {
        matches!(self, Outcome::Failed { .. } | Outcome::Undeliverable { .. })
    }
}

/// What recording an outcome changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// `false`: the message was no longer `sending` (another worker already finished it).
    pub recorded: bool,
    /// The conversation was handed to people with [`HandoffReason::DeliveryFailed`].
    pub handed_off: bool,
}

/// How a claimed send ended, and what people read of it.
#[derive(Debug, Clone)]
pub struct Recorded<'a> {
    pub outcome: Outcome<'a>,
    /// Why it did not go, in words for operators (`delivery_error`); the outcome's own reason
    /// (the provider's words) is kept in `meta.provider_error` for support.
    pub for_people: Option<&'a str>,
    /// Put in front of the handoff summary when a final failure hands the conversation over.
    pub note: &'a str,
}

/// Records how a claimed send ended. A final failure also hands the conversation to people
/// (unless an operator already has it), with the note in front of its handoff summary, in the
/// same statement.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: MessageId,
    recorded: Recorded<'_>,
) -> Result<Finished, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        recorded: i64,
        #[diesel(sql_type = BigInt)]
        handed_off: i64,
    }
    let Recorded {
        outcome,
        for_people,
        note,
    } = recorded;
    let status = outcome.status();
    let hand_off = outcome.is_final_failure();
    let given_back = i32::from(matches!(outcome, Outcome::Wait { .. }));
    let (reason, external_id, sent_at) = match outcome {
        Outcome::Sent { external_id } => (None, Some(external_id), Some(Utc::now())),
        // A withdrawal's reason is already the words for people: nothing else to keep.
        Outcome::Withdrawn { .. } => (None, None, None),
        Outcome::Retry { reason }
        | Outcome::Wait { reason }
        | Outcome::Failed { reason }
        | Outcome::Undeliverable { reason } => (Some(reason), None, None),
    };
    let row = diesel::sql_query(
        "WITH done AS (
             UPDATE messages
                SET delivery_status = $3, delivery_error = $11, external_id = $5, sent_at = $6,
                    delivery_attempts = greatest(delivery_attempts - $7, 0),
                    meta = CASE WHEN $4::text IS NULL THEN meta - 'provider_error'
                                ELSE meta || jsonb_build_object('provider_error', $4::text) END
              WHERE id = $1 AND tenant_id = $2 AND delivery_status = 'sending'
          RETURNING conversation_id),
         handoff AS (
             UPDATE conversations c
                SET mode = 'waiting_operator', handoff_reason = $8, handoff_at = now(),
                    handoff_summary = $9 || coalesce(' ' || c.handoff_summary, '')
               FROM done
              WHERE $10 AND c.id = done.conversation_id AND c.tenant_id = $2
                AND c.mode IN ('bot', 'waiting_operator')
          RETURNING c.id)
         SELECT (SELECT count(*) FROM done) AS recorded,
                (SELECT count(*) FROM handoff) AS handed_off",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(status)
    .bind::<Nullable<Text>, _>(reason)
    .bind::<Nullable<Text>, _>(external_id)
    .bind::<Nullable<Timestamptz>, _>(sent_at)
    .bind::<Int4, _>(given_back)
    .bind::<Text, _>(HandoffReason::DeliveryFailed)
    .bind::<Text, _>(note)
    .bind::<Bool, _>(hand_off)
    .bind::<Nullable<Text>, _>(for_people)
    .prepared()
    .get_result::<Row>(conn)
    .await?;
    Ok(Finished {
        recorded: row.recorded == 1,
        handed_off: row.handed_off == 1,
    })
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
            credentials: crate::sealed::Sealed::none(),
            chat_id: "1".into(),
            reply_token: None,
            account_id: None,
            sent_before: 0,
            author: Author::Bot,
            body: "Помог ли ответ?".into(),
            attempts: 1,
            created_at: Utc::now(),
            status: None,
            claimed_at: None,
            interrupted: false,
            choices,
            recipient_stopped: false,
            last_inbound_at: None,
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
