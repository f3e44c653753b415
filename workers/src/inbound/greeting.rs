//! The greeting a messenger bot sends when a shopper starts it (MAX «Start», VK «Начать»),
//! before they have asked anything: in their language, promising only what the shop does —
//! the assistant's help, or people's when the shop answers by hand.

use apalis::prelude::BoxDynError;
use otklik_db::channels::Channel;
use otklik_db::shopper_events::{self, Greeting};
use otklik_db::tenants::Tenant;
use otklik_jobs::Deliver;

use crate::Context;

/// Who started the bot, and where to answer.
pub(super) struct Started<'a> {
    pub customer_id: &'a str,
    pub name: &'a str,
    pub username: Option<&'a str>,
    pub chat_id: &'a str,
    /// Unique per start, so a redelivered start greets once.
    pub key: &'a str,
    pub russian: bool,
}

/// Whether to speak Russian to a shopper whose app is set to `locale` (IETF BCP 47): in Russia
/// and the countries around it where Russian is the shared language, and when the app does not
/// say.
pub(super) fn is_russian(locale: Option<&str>) -> bool {
    let language = locale
        .unwrap_or_default()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    matches!(
        language.as_str(),
        "" | "ru" | "be" | "kk" | "ky" | "uz" | "tg"
    )
}

fn text(tenant: &Tenant, russian: bool) -> String {
    let shop = tenant.name.trim();
    match (russian, tenant.operator_only) {
        (true, false) => format!(
            "Здравствуйте! Это «{shop}». Напишите, чем помочь: пришлите номер заказа — подскажу, \
             где он, — или спросите о товаре, размере или возврате."
        ),
        (true, true) => format!(
            "Здравствуйте! Это «{shop}». Напишите ваш вопрос — сотрудник магазина ответит здесь же."
        ),
        (false, false) => format!(
            "Hello! This is {shop}. How can I help? Send your order number and I will tell you \
             where it is, or ask about a product, a size or a return."
        ),
        (false, true) => format!(
            "Hello! This is {shop}. Write your question here and our team will reply in this chat."
        ),
    }
}

/// Records the greeting as the bot's reply and sends it; the shopper may be written to again.
/// Nothing when people handle the conversation: they greet in their own words.
pub(super) async fn greet(
    ctx: &Context,
    channel: &Channel,
    started: &Started<'_>,
) -> Result<(), BoxDynError> {
    let scope = channel.scope();
    let pending = {
        let mut conn = ctx.db.get().await?;
        let tenant = otklik_db::tenants::get(&mut conn, scope).await?;
        let text = text(&tenant, started.russian);
        let greeting = Greeting {
            channel_id: channel.id,
            customer_external_id: started.customer_id,
            customer_name: started.name,
            customer_username: started.username,
            chat_id: started.chat_id,
            text: &text,
            key: started.key,
        };
        shopper_events::greet(&mut conn, scope, &greeting).await?
    };
    if let Some(message_id) = pending {
        ctx.queues
            .push_delivery(Deliver {
                tenant_id: scope.tenant_id(),
                message_id,
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_where_russian_is_shared_and_when_unsaid() {
        assert!(is_russian(Some("ru")));
        assert!(is_russian(Some("ru-RU")));
        assert!(is_russian(Some("kk_KZ")));
        assert!(is_russian(None));
        assert!(!is_russian(Some("en-US")));
        assert!(!is_russian(Some("de")));
    }
}
