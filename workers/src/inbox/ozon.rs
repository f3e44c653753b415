//! Polling Ozon: chats with unread messages, then each chat's latest messages from the buyer.

use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use serde_json::json;

use super::PollError;
use crate::Context;
use crate::inbound::record;
use crate::marketplaces::ozon::OzonClient;

/// Messages read from a chat's end; more unread ones than this are rare and only old.
const HISTORY: u32 = 50;
/// Chat-list pages one poll reads.
const MAX_PAGES: usize = 20;

pub async fn chats(
    ctx: &Context,
    ozon: &OzonClient,
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
            let mut messages = ozon.chat_history(chat_id, HISTORY).await?;
            // Oldest first, so the conversation reads in order.
            messages.sort_by_key(|m| m.created_at);
            for message in messages.iter().filter(|m| m.user.is_customer()) {
                let body = message.data.join("\n");
                let attachments = message.context.as_ref().map_or_else(
                    || json!([]),
                    |context| {
                        json!([
                            { "kind": "order", "number": context.order_number },
                            { "kind": "product", "article": context.sku },
                        ])
                    },
                );
                let inbound = NewInbound {
                    channel_id: channel.id,
                    customer_external_id: chat_id,
                    customer_name: "",
                    customer_username: None,
                    chat_id,
                    external_id: &message.message_id,
                    body: &body,
                    attachments,
                    reply_token: None,
                    reply_due_at: None,
                };
                recorded += usize::from(record(ctx, channel, &inbound).await?);
            }
        }
        if !list.has_next || list.cursor.is_empty() || list.cursor == cursor {
            break;
        }
        cursor = list.cursor;
    }
    Ok(recorded)
}
