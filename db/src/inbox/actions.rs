//! What people do with a conversation: take over, assign, return, close, reply, note, approve.

use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::users;
use otklik_schema::{
    ConversationAction, ConversationId, ConversationMode, DeliveryStatus, MessageAction, MessageId,
    Role, UserId,
};
use serde_json::{Value, json};

use crate::{DbError, TenantScope};

use super::InboxError;
use super::timeline::{Entry, entry};

/// Who handles a conversation, read under a row lock for the rest of the transaction.
#[derive(Debug, Clone, Copy, QueryableByName)]
struct Handling {
    #[diesel(sql_type = Text)]
    mode: ConversationMode,
    #[diesel(sql_type = Nullable<BigInt>)]
    assignee_id: Option<UserId>,
}

async fn lock(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<Handling, InboxError> {
    diesel::sql_query(
        "SELECT mode, assignee_id FROM conversations WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result(conn)
    .await
    .optional()?
    .ok_or(InboxError::ConversationNotFound)
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    id: ConversationId,
    details: Value,
) -> Result<(), DbError> {
    Ok(crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "conversation",
        Some(&id.to_string()),
        details,
    )
    .await?)
}

/// Who answers a conversation from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The acting user answers; the assistant stays silent.
    TakeOver,
    /// This user of the tenant answers; the assistant stays silent.
    Assign(UserId),
    /// The assistant answers again, with a fresh memory; the handoff is over.
    ReturnToBot,
    Close,
}

impl Transition {
    /// The audit log's and the live event's name for it.
    pub fn action(self) -> ConversationAction {
        match self {
            Transition::TakeOver => ConversationAction::TakeOver,
            Transition::Assign(_) => ConversationAction::Assign,
            Transition::ReturnToBot => ConversationAction::ReturnToBot,
            Transition::Close => ConversationAction::Close,
        }
    }

    /// The handling after the transition, or `None` when it is already so.
    fn apply(self, now: Handling, actor: UserId) -> Result<Option<Handling>, InboxError> {
        let closed = now.mode == ConversationMode::Closed;
        let to = match self {
            Transition::Close if closed => return Ok(None),
            _ if closed => return Err(InboxError::Closed),
            Transition::TakeOver => (ConversationMode::Operator, Some(actor)),
            Transition::Assign(user) => (ConversationMode::Operator, Some(user)),
            Transition::ReturnToBot => (ConversationMode::Bot, None),
            Transition::Close => (ConversationMode::Closed, now.assignee_id),
        };
        Ok((to != (now.mode, now.assignee_id)).then_some(Handling {
            mode: to.0,
            assignee_id: to.1,
        }))
    }
}

/// Changes who answers a conversation. Returns whether anything changed.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    transition: Transition,
) -> Result<bool, InboxError> {
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        if let Transition::Assign(user) = transition {
            check_assignee(conn, scope, user).await?;
        }
        let Some(to) = transition.apply(now, actor)? else {
            return Ok(false);
        };
        let sql = match transition {
            Transition::TakeOver | Transition::Assign(_) => {
                "UPDATE conversations SET mode = 'operator', assignee_id = $3
                  WHERE id = $1 AND tenant_id = $2"
            }
            Transition::ReturnToBot => {
                "UPDATE conversations
                    SET mode = 'bot', assignee_id = $3, assistant_state = '{}'::jsonb,
                        handoff_reason = NULL, handoff_summary = NULL, handoff_at = NULL
                  WHERE id = $1 AND tenant_id = $2"
            }
            Transition::Close => {
                "UPDATE conversations SET mode = 'closed', closed_at = now(), assignee_id = $3
                  WHERE id = $1 AND tenant_id = $2"
            }
        };
        diesel::sql_query(sql)
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<Nullable<BigInt>, _>(to.assignee_id)
            .execute(conn)
            .await?;
        let details = json!({
            "from": {"mode": now.mode, "assignee_id": now.assignee_id},
            "to": {"mode": to.mode, "assignee_id": to.assignee_id},
        });
        audit(
            conn,
            scope,
            actor,
            transition.action().as_str(),
            id,
            details,
        )
        .await?;
        Ok(true)
    })
    .await
}

/// Only an active admin or operator of the tenant can be given a conversation.
async fn check_assignee(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<(), InboxError> {
    let role = users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null())
        .select(users::role)
        .first::<Role>(conn)
        .await
        .optional()?;
    match role {
        None => Err(InboxError::NoSuchUser),
        Some(Role::Viewer) => Err(InboxError::ViewerCannotHandle),
        Some(Role::Admin | Role::Operator) => Ok(()),
    }
}

/// A reply, note or approved draft, and whether an earlier request had already made it.
#[derive(Debug, Clone)]
pub struct Posted {
    pub entry: Entry,
    /// The same request came before (same idempotency key); nothing new was recorded.
    pub replayed: bool,
}

/// Idempotency keys of people's requests, apart from the ones turns derive (`reply-to:…`) and
/// from other users' keys.
fn stored_key(actor: UserId, key: &str) -> String {
    format!("operator:{actor}:{key}")
}

#[derive(QueryableByName)]
struct Earlier {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = Text)]
    body: String,
}

impl Earlier {
    /// The earlier request's result if it was this request, else the key was misused.
    fn replay(self, id: ConversationId, text: &str) -> Result<MessageId, InboxError> {
        if self.conversation_id == id && self.body == text {
            Ok(self.id)
        } else {
            Err(InboxError::KeyReused)
        }
    }
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
}

/// An operator's reply: a `pending` message the caller enqueues. Replying takes the
/// conversation over if people were not answering yet (and gives it to the replier if nobody
/// had it), so the assistant does not answer alongside. The same `key` again returns the first
/// reply without recording another.
pub async fn reply(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    text: &str,
    key: &str,
) -> Result<Posted, InboxError> {
    let key = stored_key(actor, key);
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        let earlier = diesel::sql_query(
            "SELECT id, conversation_id, body FROM messages
              WHERE tenant_id = $1 AND idempotency_key = $2 AND author = 'operator'",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&key)
        .get_result::<Earlier>(conn)
        .await
        .optional()?;
        if let Some(earlier) = earlier {
            let message = earlier.replay(id, text)?;
            return Ok(Posted {
                entry: entry(conn, scope, id, message).await?,
                replayed: true,
            });
        }
        if now.mode == ConversationMode::Closed {
            return Err(InboxError::Closed);
        }
        let message = diesel::sql_query(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                   author_user_id, body, delivery_status, idempotency_key)
             SELECT tenant_id, id, channel_id, 'outbound', 'operator', $3, $4, 'pending', $5
               FROM conversations WHERE id = $1 AND tenant_id = $2
             RETURNING id",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .bind::<Text, _>(text)
        .bind::<Text, _>(&key)
        .get_result::<Inserted>(conn)
        .await?
        .id;
        diesel::sql_query(
            "UPDATE conversations
                SET mode = 'operator', assignee_id = coalesce(assignee_id, $3),
                    last_message_at = now()
              WHERE id = $1 AND tenant_id = $2",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .execute(conn)
        .await?;
        let took_over = now.mode != ConversationMode::Operator;
        let details = json!({"message_id": message, "took_over": took_over});
        audit(
            conn,
            scope,
            actor,
            MessageAction::Reply.as_str(),
            id,
            details,
        )
        .await?;
        Ok(Posted {
            entry: entry(conn, scope, id, message).await?,
            replayed: false,
        })
    })
    .await
}

/// A private note for colleagues: never delivered, never shown to the assistant. Allowed on
/// closed conversations too. The same `key` again returns the first note.
pub async fn note(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    text: &str,
    key: &str,
) -> Result<Posted, InboxError> {
    let key = stored_key(actor, key);
    conn.transaction::<_, InboxError, _>(async |conn| {
        lock(conn, scope, id).await?;
        let earlier = diesel::sql_query(
            "SELECT id, conversation_id, body FROM conversation_notes
              WHERE tenant_id = $1 AND idempotency_key = $2",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&key)
        .get_result::<Earlier>(conn)
        .await
        .optional()?;
        if let Some(earlier) = earlier {
            let note = earlier.replay(id, text)?;
            return Ok(Posted {
                entry: entry(conn, scope, id, note).await?,
                replayed: true,
            });
        }
        let note = diesel::sql_query(
            "INSERT INTO conversation_notes (tenant_id, conversation_id, author_user_id, body,
                                             idempotency_key)
             VALUES ($2, $1, $3, $4, $5)
             RETURNING id",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .bind::<Text, _>(text)
        .bind::<Text, _>(&key)
        .get_result::<Inserted>(conn)
        .await?
        .id;
        audit(
            conn,
            scope,
            actor,
            MessageAction::Note.as_str(),
            id,
            json!({"note_id": note}),
        )
        .await?;
        Ok(Posted {
            entry: entry(conn, scope, id, note).await?,
            replayed: false,
        })
    })
    .await
}

#[derive(QueryableByName)]
struct DraftState {
    #[diesel(sql_type = Nullable<Text>)]
    delivery_status: Option<DeliveryStatus>,
    /// Set when an operator approved it.
    #[diesel(sql_type = Bool)]
    approved: bool,
}

/// Publishes an assistant's draft of this conversation, with the operator's edit if any, as a
/// `pending` message the caller enqueues. Approving it again returns it as it is (a retried
/// request); a message that never was a draft is refused. Like
/// [`crate::messages::approve_draft`], but scoped to the conversation, recorded and audited.
pub async fn approve_draft(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    message: MessageId,
    edited: Option<&str>,
) -> Result<Posted, InboxError> {
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        let state = diesel::sql_query(
            "SELECT delivery_status, meta ? 'approved_by' AS approved FROM messages
              WHERE id = $1 AND conversation_id = $2 AND tenant_id = $3 FOR UPDATE",
        )
        .bind::<BigInt, _>(message)
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .get_result::<DraftState>(conn)
        .await
        .optional()?
        .ok_or(InboxError::MessageNotFound)?;
        if state.delivery_status != Some(DeliveryStatus::Draft) {
            return if state.approved {
                Ok(Posted {
                    entry: entry(conn, scope, id, message).await?,
                    replayed: true,
                })
            } else {
                Err(InboxError::NotADraft)
            };
        }
        if now.mode == ConversationMode::Closed {
            return Err(InboxError::Closed);
        }
        // The old body is read in the statement: `RETURNING` alone sees only the new one.
        let changed = diesel::sql_query(
            "WITH old AS (SELECT body FROM messages WHERE id = $1 AND tenant_id = $3)
             UPDATE messages m
                SET delivery_status = 'pending', body = coalesce($4, old.body),
                    meta = m.meta || jsonb_build_object(
                        'approved_by', $5::bigint,
                        'edited', coalesce($4 <> old.body, FALSE))
               FROM old
              WHERE m.id = $1 AND m.conversation_id = $2 AND m.tenant_id = $3
             RETURNING coalesce($4 <> old.body, FALSE) AS changed",
        )
        .bind::<BigInt, _>(message)
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Nullable<Text>, _>(edited)
        .bind::<BigInt, _>(actor)
        .get_result::<Changed>(conn)
        .await?
        .changed;
        diesel::sql_query(
            "UPDATE conversations SET last_message_at = now() WHERE id = $1 AND tenant_id = $2",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .execute(conn)
        .await?;
        let details = json!({"message_id": message, "edited": changed});
        audit(
            conn,
            scope,
            actor,
            MessageAction::ApproveDraft.as_str(),
            id,
            details,
        )
        .await?;
        Ok(Posted {
            entry: entry(conn, scope, id, message).await?,
            replayed: false,
        })
    })
    .await
}

#[derive(QueryableByName)]
struct Changed {
    #[diesel(sql_type = Bool)]
    changed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: UserId = UserId(1);
    const COLLEAGUE: UserId = UserId(2);

    fn at(mode: ConversationMode, assignee_id: Option<UserId>) -> Handling {
        Handling { mode, assignee_id }
    }

    fn to(transition: Transition, now: Handling) -> Option<(ConversationMode, Option<UserId>)> {
        transition
            .apply(now, ME)
            .ok()
            .flatten()
            .map(|h| (h.mode, h.assignee_id))
    }

    #[test]
    fn people_take_over_and_hand_back() {
        use ConversationMode::*;
        let waiting = at(WaitingOperator, None);
        assert_eq!(
            to(Transition::TakeOver, waiting),
            Some((Operator, Some(ME)))
        );
        assert_eq!(
            to(Transition::Assign(COLLEAGUE), at(Operator, Some(ME))),
            Some((Operator, Some(COLLEAGUE)))
        );
        assert_eq!(
            to(Transition::ReturnToBot, at(Operator, Some(ME))),
            Some((Bot, None))
        );
        assert_eq!(
            to(Transition::Close, at(Operator, Some(ME))),
            Some((Closed, Some(ME)))
        );
    }

    #[test]
    fn a_repeated_change_changes_nothing_and_a_closed_conversation_stays_closed() {
        use ConversationMode::*;
        assert!(matches!(
            Transition::TakeOver.apply(at(Operator, Some(ME)), ME),
            Ok(None)
        ));
        assert!(matches!(
            Transition::ReturnToBot.apply(at(Bot, None), ME),
            Ok(None)
        ));
        assert!(matches!(
            Transition::Close.apply(at(Closed, None), ME),
            Ok(None)
        ));
        for transition in [
            Transition::TakeOver,
            Transition::Assign(COLLEAGUE),
            Transition::ReturnToBot,
        ] {
            assert!(matches!(
                transition.apply(at(Closed, None), ME),
                Err(InboxError::Closed)
            ));
        }
    }
}
