//! The inbound pool: raw channel events become customers, conversations and messages, and each
//! new shopper message schedules a turn of its conversation.

mod greeting;
mod max;
mod telegram;
mod vk;
mod whatsapp;

use std::sync::Arc;

use apalis::prelude::{AbortError, BoxDynError, Data};
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_jobs::InboundEvent;
use otklik_schema::{ChannelId, ChannelKind};

use crate::shopper_messages::record;
use crate::{Context, job_span};

pub async fn handle(event: InboundEvent, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let channel_id = event.channel_id();
    let Some(channel) = load_channel(&ctx, channel_id).await? else {
        // A valid secret for a deleted or switched-off channel: nothing to attach it to.
        tracing::warn!(channel.id = %channel_id, "inbound event for an unknown or switched-off channel dropped");
        return Ok(());
    };
    job_span::record_tenant(channel.tenant_id);
    match event {
        InboundEvent::Telegram {
            update_id, update, ..
        } => {
            if channel.kind != ChannelKind::Telegram {
                return Err(AbortError::new(WrongKind(channel_id)).into());
            }
            match telegram::normalise(update_id, &update) {
                Ok(Some(normalised)) => {
                    if let Some(callback) = &normalised.callback_query_id {
                        ctx.telegram
                            .answer_callback(&ctx.vault, &channel, callback)
                            .await;
                    }
                    record(&ctx, &channel, &normalised.message(channel_id))
                        .await
                        .map(drop)
                        .map_err(Into::into)
                }
                Ok(None) => Ok(()),
                Err(err) => {
                    tracing::warn!(channel.id = %channel_id, telegram.update_id = update_id, error = %err,
                        "Telegram update could not be read; dead-lettered");
                    Err(AbortError::new(err).into())
                }
            }
        }
        InboundEvent::Max { update, .. } => {
            if channel.kind != ChannelKind::Max {
                return Err(AbortError::new(WrongKind(channel_id)).into());
            }
            max::handle(&ctx, &channel, &update).await
        }
        InboundEvent::Vk { event, .. } => {
            if channel.kind != ChannelKind::Vk {
                return Err(AbortError::new(WrongKind(channel_id)).into());
            }
            vk::handle(&ctx, &channel, &event).await
        }
        InboundEvent::Whatsapp { item, .. } => {
            if channel.kind != ChannelKind::Whatsapp {
                return Err(AbortError::new(WrongKind(channel_id)).into());
            }
            whatsapp::handle(&ctx, &channel, &item).await
        }
        InboundEvent::Webchat {
            visitor_id,
            client_message_id,
            text,
            ..
        } => {
            if channel.kind != ChannelKind::Webchat {
                return Err(AbortError::new(WrongKind(channel_id)).into());
            }
            let message = NewInbound {
                channel_id,
                customer_external_id: &visitor_id,
                customer_name: "",
                customer_username: None,
                chat_id: &visitor_id,
                external_id: &client_message_id,
                body: &text,
                attachments: serde_json::json!([]),
                reply_token: None,
                reply_due_at: None,
            };
            record(&ctx, &channel, &message)
                .await
                .map(drop)
                .map_err(Into::into)
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("channel {0} is not of the kind this event came for")]
struct WrongKind(ChannelId);

async fn load_channel(ctx: &Context, id: ChannelId) -> Result<Option<Channel>, BoxDynError> {
    let mut conn = ctx.db.get().await?;
    Ok(otklik_db::channels::find(&mut conn, id)
        .await?
        .filter(|channel| channel.enabled))
}
