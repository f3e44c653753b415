//! Polling Ozon chats: chats with unread messages, then each chat's latest messages — the
//! buyer's, and the seller's written elsewhere; and the waiting chats again, since a seller
//! answering in Ozon's cabinet reads the chat and it leaves the unread list.

use otklik_db::accounts::Account;
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::marketplace_inbox::{self, SellerLine};
use serde_json::{Value, json};

use super::answers;
use super::{PollError, record_shopper};
use crate::Context;
use crate::marketplaces::ozon::{ChatContext, ChatMessage, OzonClient};

/// Messages read from a chat's end; more unread ones than this are rare and only old.
const HISTORY: u32 = 50;
/// Messages read from the end of a waiting chat: what came since it was answered or drafted.
const RECHECK_HISTORY: u32 = 20;
/// Chat-list pages one poll reads.
const MAX_PAGES: usize = 20;

pub async fn chats(
    ctx: &Context,
    ozon: &OzonClient,
    account: &Account,
    channel: &Channel,
) -> Result<usize, PollError> {
    let mut recorded = 0;
    let mut cursor = String::new();
    for _ in 0..MAX_PAGES {
        let list = ozon.unread_chats(&cursor).await?;
        for entry in list
            .chats
            .iter()
            .filter(|e| e.chat.with_buyer() && e.unread_count > 0)
        {
            let chat_id = &entry.chat.chat_id;
            let messages = ozon.chat_history(chat_id, HISTORY).await?;
            recorded += take_in(ctx, account, channel, chat_id, messages).await?;
        }
        if !list.has_next || list.cursor.is_empty() || list.cursor == cursor {
            break;
        }
        cursor = list.cursor;
    }
    let due = answers::due(ctx, channel).await?;
    let mut checked = Vec::with_capacity(due.len());
    for waiting in &due {
        let chat_id = &waiting.external_chat_id;
        match ozon.chat_history(chat_id, RECHECK_HISTORY).await {
            Ok(messages) => recorded += take_in(ctx, account, channel, chat_id, messages).await?,
            // The chat is gone at Ozon: nothing more will come from it.
            Err(crate::marketplaces::MarketplaceError::Rejected { status: 404, .. }) => {}
            Err(err) => return Err(err.into()),
        }
        checked.push(waiting.conversation_id);
    }
    answers::checked(ctx, channel, &checked).await?;
    Ok(recorded)
}

/// What a chat names: its order (the synced posting, when found) and product.
async fn context_attachments(
    ctx: &Context,
    account: &Account,
    context: &ChatContext,
) -> Result<Value, PollError> {
    let sku = context
        .sku
        .as_deref()
        .filter(|s| !s.is_empty() && *s != "0");
    let mut attachments = Vec::new();
    if let Some(order_number) = context.order_number.as_deref().filter(|n| !n.is_empty()) {
        let posting = {
            let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
            marketplace_inbox::posting_by_order_number(
                &mut conn,
                account.scope(),
                account.id,
                order_number,
                sku,
            )
            .await?
        };
        attachments.push(json!({
            "kind": "order",
            "order_number": order_number,
            "number": posting.as_deref().unwrap_or(order_number),
        }));
    }
    if let Some(sku) = sku {
        attachments.push(json!({ "kind": "product", "article": sku }));
    }
    Ok(Value::Array(attachments))
}

/// Records a chat's messages oldest first: the buyer's (a turn only for what the seller has
/// not answered since) and the seller's written elsewhere.
async fn take_in(
    ctx: &Context,
    account: &Account,
    channel: &Channel,
    chat_id: &str,
    mut messages: Vec<ChatMessage>,
) -> Result<usize, PollError> {
    messages.sort_by(|a, b| (a.created_at, &a.message_id).cmp(&(b.created_at, &b.message_id)));
    let last_seller = messages.iter().rposition(|m| m.user.is_seller());
    let mut recorded = 0;
    let mut held = Vec::new();
    let mut context: Option<Value> = None;
    let bodies: Vec<String> = messages.iter().map(|m| m.data.join("\n")).collect();
    for (index, (message, body)) in messages.iter().zip(&bodies).enumerate() {
        if message.user.is_seller() {
            let line = SellerLine {
                channel_id: channel.id,
                customer_external_id: chat_id,
                external_id: &message.message_id,
                body,
                written_at: message.created_at,
                echo_of: None,
            };
            answers::seller_line(ctx, channel.scope(), channel.kind, &line, false).await?;
            continue;
        }
        if !message.user.is_customer() {
            continue;
        }
        let attachments = match (&context, &message.context) {
            (Some(known), _) => known.clone(),
            (None, Some(named)) => {
                let found = context_attachments(ctx, account, named).await?;
                context = Some(found.clone());
                found
            }
            (None, None) => json!([]),
        };
        let inbound = NewInbound {
            channel_id: channel.id,
            customer_external_id: chat_id,
            customer_name: "",
            customer_username: None,
            chat_id,
            external_id: &message.message_id,
            body,
            attachments,
            reply_token: None,
            reply_due_at: None,
        };
        let answered_later = last_seller.is_some_and(|last| last > index);
        recorded += usize::from(record_shopper(ctx, channel, &inbound, !answered_later).await?);
        if answered_later {
            held.push(inbound);
        }
    }
    // A later seller message that turned out to be our own answered nothing new: what is still
    // unanswered gets its turn after all.
    for message in &held {
        record_shopper(ctx, channel, message, true).await?;
    }
    Ok(recorded)
}
