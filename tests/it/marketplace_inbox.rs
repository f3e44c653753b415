//! Marketplace shopper channels against the sandboxes: WB questions, reviews and buyer chats
//! and Ozon chats are polled into the inbox, answered by the assistant, held as drafts or
//! published, and never published with contacts.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use otklik_jobs::PollInbox;
use otklik_sandbox::{OzonOptions, Seller, WbOptions};
use otklik_schema::{AccountId, Marketplace, MessageId, SyncKind};
use otklik_workers::marketplace_inbox;

use crate::marketplace_sync::{Shop, default_shop, shop, spec};

const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
pub(crate) struct Reply {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) id: MessageId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(crate) body: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(crate) status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub(crate) error: Option<String>,
}

impl Shop {
    pub(crate) async fn poll(&self, account: AccountId) -> usize {
        let job = PollInbox {
            tenant_id: self.app.tenant.tenant_id(),
            account_id: account,
        };
        marketplace_inbox::poll(&self.ctx, job).await.expect("poll")
    }

    /// The assistant's and operators' replies in the conversation whose marketplace chat id is
    /// `chat` (not what the seller wrote in the marketplace's cabinet).
    pub(crate) async fn replies(&self, chat: &str) -> Vec<Reply> {
        diesel::sql_query(
            "SELECT m.id, m.body, m.delivery_status AS status, m.delivery_error AS error
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE c.external_chat_id = $1 AND m.direction = 'outbound'
                AND NOT m.meta ? 'origin'
              ORDER BY m.id",
        )
        .bind::<diesel::sql_types::Text, _>(chat)
        .load::<Reply>(&mut self.app.db().await)
        .await
        .expect("replies")
    }

    /// Waits for a reply of the conversation in `status`.
    pub(crate) async fn reply_in(&self, chat: &str, status: &str) -> Reply {
        self.app
            .eventually(WAIT, true, || async {
                self.replies(chat).await.iter().any(|r| r.status == status)
            })
            .await;
        let replies = self.replies(chat).await;
        let reply = replies.iter().find(|r| r.status == status);

        reply
            .cloned()
            .unwrap_or_else(|| panic!("no reply {status}: {replies:?}"))
    }

    pub(crate) async fn publish_automatically(&self) {
        diesel::sql_query(
            "UPDATE tenants SET settings = jsonb_set(settings, '{assistant}',
                 coalesce(settings->'assistant', '{}') || '{\"marketplace_auto_publish\": true}')",
        )
        .execute(&mut self.app.db().await)
        .await
        .expect("settings");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wb_question_is_drafted_then_published_and_a_contact_in_the_draft_is_blocked() {
    let shop = default_shop(200, true).await;
    let wb = shop.connect(Marketplace::Wb).await;
    shop.sync(wb, SyncKind::Full).await.expect("catalogue");
    let product = shop.wb.products()[0].external_id.clone();
    let nm_id: i64 = product.parse().expect("nmID");
    let first = shop
        .wb
        .ask_question(nm_id, "Здравствуйте! Этот товар сейчас есть в наличии?");
    let second = shop
        .wb
        .ask_question(nm_id, "Добрый день, а он есть в наличии?");

    let waiting = shop
        .wb
        .questions()
        .iter()
        .filter(|q| q.answer.is_none())
        .count()
        + shop
            .wb
            .feedbacks()
            .iter()
            .filter(|f| f.answer.is_none())
            .count();
    let recorded = shop.poll(wb).await;
    assert!(recorded >= 2, "the two questions at least: {recorded}");
    assert!(
        recorded >= waiting,
        "every unanswered question and review: {recorded} < {waiting}"
    );
    assert_eq!(
        shop.poll(wb).await,
        0,
        "a second poll records nothing again"
    );

    // Drafts by default: written by the assistant, not published.
    let draft = shop.reply_in(&first, "draft").await;
    assert!(
        draft.body.contains("налич"),
        "answers availability: {}",
        draft.body
    );
    let due = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM conversations WHERE external_chat_id = '{first}'
               AND reply_due_at BETWEEN now() + interval '9 days 23 hours' AND now() + interval '10 days'"
        ))
        .await;
    assert_eq!(due, 1, "WB's 10-day deadline is on the conversation");
    let asked = |id: &str| {
        shop.wb
            .questions()
            .into_iter()
            .find(|q| q.id == id)
            .expect("question in the sandbox")
    };
    assert_eq!(
        asked(&first).answer,
        None,
        "nothing published before approval"
    );

    // Approved as written: published on WB exactly as drafted.
    assert!(
        otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, draft.id, None)
            .await
            .expect("approve")
    );
    shop.reply_in(&first, "sent").await;
    assert_eq!(asked(&first).answer.as_deref(), Some(draft.body.as_str()));
    assert_eq!(asked(&first).answer_writes, 1);
    assert!(
        !otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, draft.id, None)
            .await
            .expect("approve again"),
        "a sent reply is no draft"
    );

    // An operator's edit with a phone number: refused before it reaches WB.
    let other = shop.reply_in(&second, "draft").await;
    let edited = "Да, товар в наличии. Если будут вопросы, звоните: +7 912 345-67-89.";
    assert!(
        otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, other.id, Some(edited))
            .await
            .expect("approve")
    );
    let blocked = shop.reply_in(&second, "undeliverable").await;
    assert!(
        blocked
            .error
            .as_deref()
            .is_some_and(|e| e.contains("номер телефона")),
        "{blocked:?}"
    );
    assert_eq!(asked(&second).answer, None, "WB never saw the number");
    assert_eq!(asked(&second).answer_writes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wb_and_ozon_chats_are_answered_in_the_chat_when_the_tenant_publishes_automatically() {
    let ozon_options = OzonOptions {
        legacy_chat_enums: true,
        ..OzonOptions::default()
    };
    let shop = shop(
        Seller::generate(spec(300)),
        WbOptions::default(),
        ozon_options,
        true,
    )
    .await;
    shop.publish_automatically().await;
    let wb = shop.connect(Marketplace::Wb).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.sync(wb, SyncKind::Full).await.expect("WB sync");
    shop.sync(ozon, SyncKind::Full).await.expect("Ozon sync");
    // Whatever the sandboxes hold already (generated chats) is taken in first.
    shop.poll(wb).await;
    shop.poll(ozon).await;

    let order = shop
        .wb
        .orders()
        .into_iter()
        .find(|o| o.status != "fbw")
        .expect("an FBS order");
    let wb_chat = shop.wb.buyer_writes(
        None,
        "Алёна",
        None,
        &format!("Здравствуйте! Где мой заказ {}?", order.external_id),
    );
    let posting = shop.ozon.orders()[0].external_id.clone();
    let ozon_chat = shop.ozon.buyer_writes(
        None,
        Some(&posting),
        "Добрый день! Когда приедет мой заказ?",
    );

    assert_eq!(shop.poll(wb).await, 1, "the shopper's new chat message");
    assert_eq!(
        shop.poll(ozon).await,
        1,
        "the Ozon buyer's message, in 2025 spellings"
    );

    let wb_reply = shop.reply_in(&wb_chat.chat_id, "sent").await;
    let sent_on_wb: Vec<_> = shop
        .wb
        .chat_messages(&wb_chat.chat_id)
        .into_iter()
        .filter(|m| m.sender == "seller")
        .map(|m| m.text)
        .collect();
    assert_eq!(
        sent_on_wb,
        vec![wb_reply.body.clone()],
        "answered once, with the replySign"
    );
    assert!(
        wb_reply.body.contains(&order.external_id)
            || wb_reply.body.to_lowercase().contains("заказ")
    );

    let ozon_reply = shop.reply_in(&ozon_chat.chat_id, "sent").await;
    let sent_on_ozon: Vec<_> = shop
        .ozon
        .chat_messages(&ozon_chat.chat_id)
        .into_iter()
        .filter(|m| m.sender.eq_ignore_ascii_case("seller"))
        .map(|m| m.text)
        .collect();
    assert_eq!(sent_on_ozon, vec![ozon_reply.body.clone()]);

    // The seller's own messages come back as events; nothing is taken in twice.
    assert_eq!(shop.poll(wb).await, 0);
    assert_eq!(shop.poll(ozon).await, 0);
    let follow_up = shop
        .wb
        .buyer_writes(Some(&wb_chat.chat_id), "Алёна", None, "Спасибо!");
    assert_eq!(
        shop.poll(wb).await,
        1,
        "{follow_up:?} after the saved cursor"
    );
    let cursors = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM sync_cursors WHERE account_id = {wb} AND resource = 'chat_events'"
        ))
        .await;
    assert_eq!(cursors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ozon_seller_without_premium_gets_a_clear_reason_instead_of_an_answer() {
    let ozon_options = OzonOptions {
        premium: false,
        ..OzonOptions::default()
    };
    let shop = shop(
        Seller::generate(spec(50)),
        WbOptions::default(),
        ozon_options,
        true,
    )
    .await;
    shop.publish_automatically().await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.poll(ozon).await;
    let chat = shop.ozon.buyer_writes(
        None,
        None,
        "Здравствуйте! Подскажите, как оформить возврат?",
    );
    assert_eq!(shop.poll(ozon).await, 1);
    let refused = shop.reply_in(&chat.chat_id, "undeliverable").await;
    assert!(
        refused
            .error
            .as_deref()
            .is_some_and(|e| e.contains("Premium Plus")),
        "{refused:?}"
    );
    assert!(
        shop.ozon
            .chat_messages(&chat.chat_id)
            .iter()
            .all(|m| !m.sender.eq_ignore_ascii_case("seller"))
    );
}
