//! The marketplaces' own channels against the sandboxes, where the seller also answers in the
//! marketplace's cabinet: what a chat names (its order and product) is carried on the recorded
//! messages, nothing is drafted for what the seller already answered, a pending draft is
//! withdrawn with the reason when they answer there, and Ozon questions and reviews are polled,
//! drafted and published like WB's.

use std::time::Duration;

use diesel::sql_types::{BigInt, Jsonb, Nullable, Text};
use diesel_async::RunQueryDsl;
use otklik_sandbox::{OzonOptions, Seller, WbOptions};
use otklik_schema::{AccountId, ChannelKind, ConversationId, Marketplace, SyncKind};
use serde_json::{Value, json};

use crate::marketplace_inbox::Reply;
use crate::marketplace_sync::{Shop, default_shop, shop, spec};

const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, diesel::QueryableByName)]
struct Conversation {
    #[diesel(sql_type = BigInt)]
    id: ConversationId,
    #[diesel(sql_type = Text)]
    mode: String,
}

#[derive(Debug, Clone, diesel::QueryableByName)]
struct Inbound {
    #[diesel(sql_type = Jsonb)]
    attachments: Value,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    status: String,
}

impl Shop {
    async fn conversation(&self, chat: &str) -> Option<Conversation> {
        diesel::sql_query(
            "SELECT id, mode FROM conversations WHERE external_chat_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind::<Text, _>(chat)
        .get_result(&mut self.app.db().await)
        .await
        .ok()
    }

    /// The shopper's message recorded under the marketplace's id.
    async fn inbound(&self, external_id: &str) -> Inbound {
        diesel::sql_query(
            "SELECT attachments, answered_at FROM messages
              WHERE external_id = $1 AND direction = 'inbound'",
        )
        .bind::<Text, _>(external_id)
        .get_result(&mut self.app.db().await)
        .await
        .expect("recorded")
    }

    /// What the seller wrote in the marketplace's cabinet, as recorded in the conversation.
    async fn seller_lines(&self, chat: &str) -> Vec<Line> {
        diesel::sql_query(
            "SELECT m.body, m.delivery_status AS status
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE c.external_chat_id = $1 AND m.meta->>'origin' = 'marketplace'
              ORDER BY m.id",
        )
        .bind::<Text, _>(chat)
        .load(&mut self.app.db().await)
        .await
        .expect("seller lines")
    }

    /// Waits until the assistant drafted an answer for the conversation or handed it to
    /// people; returns the draft, if it wrote one.
    async fn waits_for_people(&self, chat: &str) -> Option<Reply> {
        let waiting = self
            .app
            .eventually(WAIT, true, || async {
                self.replies(chat).await.iter().any(|r| r.status == "draft")
                    || self
                        .conversation(chat)
                        .await
                        .is_some_and(|c| c.mode == "waiting_operator")
            })
            .await;
        assert!(waiting, "the assistant took up {chat}");
        self.replies(chat)
            .await
            .into_iter()
            .find(|r| r.status == "draft")
    }

    /// What the operators' list says about the conversation.
    async fn note(&self, chat: &str) -> Option<String> {
        let id = self.conversation(chat).await.expect("conversation").id;
        let mut conn = self.app.db().await;
        otklik_db::inbox::get(&mut conn, self.app.tenant, id)
            .await
            .expect("summary")
            .expect("found")
            .marketplace_note()
    }

    async fn channel_enabled(&self, account: AccountId, kind: ChannelKind) -> Option<bool> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            enabled: bool,
        }
        diesel::sql_query("SELECT enabled FROM channels WHERE account_id = $1 AND kind = $2")
            .bind::<BigInt, _>(account)
            .bind::<Text, _>(kind.as_str())
            .get_result::<Row>(&mut self.app.db().await)
            .await
            .ok()
            .map(|row| row.enabled)
    }
}

fn attachment<'a>(attachments: &'a Value, kind: &str) -> Option<&'a Value> {
    attachments.as_array()?.iter().find(|a| a["kind"] == kind)
}

/// Asserts the conversation's draft (if it had one) was withdrawn with `reason`, nothing of
/// ours went out, and the operators' list says why.
async fn withdrawn(shop: &Shop, chat: &str, draft: Option<&Reply>, reason: &str) {
    let replies = shop.replies(chat).await;
    assert!(
        replies.iter().all(|r| r.status == "withdrawn"),
        "nothing of ours waits or went out: {replies:?}"
    );
    if let Some(draft) = draft {
        let taken_back = replies.iter().find(|r| r.id == draft.id).expect("draft");
        assert_eq!(taken_back.error.as_deref(), Some(reason), "{taken_back:?}");
    }
    assert_eq!(shop.note(chat).await.as_deref(), Some(reason));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wb_chat_names_its_order_and_what_the_seller_answered_in_the_cabinet_gets_no_draft() {
    let shop = default_shop(300, true).await;
    let wb = shop.connect(Marketplace::Wb).await;
    shop.sync(wb, SyncKind::Full).await.expect("WB sync");

    // The generated history: chats the seller answered from the cabinet get no turn.
    shop.poll(wb).await;
    let chats: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            chat: String,
        }
        diesel::sql_query(
            "SELECT DISTINCT c.external_chat_id AS chat FROM conversations c
               JOIN channels ch ON ch.id = c.channel_id WHERE ch.kind = 'wb_chat'",
        )
        .load::<Row>(&mut shop.app.db().await)
        .await
        .expect("chats")
        .into_iter()
        .map(|row| row.chat)
        .collect()
    };
    let answered: Vec<&String> = chats
        .iter()
        .filter(|chat| {
            shop.wb
                .chat_messages(chat)
                .last()
                .is_some_and(|m| m.sender == "seller")
        })
        .collect();
    assert!(
        !answered.is_empty(),
        "the history has chats the seller answered"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    for chat in &answered {
        assert!(
            shop.replies(chat).await.is_empty(),
            "no draft for {chat}, answered at WB"
        );
        let lines = shop.seller_lines(chat).await;
        assert_eq!(
            lines.len(),
            1,
            "the seller's answer is in the conversation: {lines:?}"
        );
        assert_eq!(lines[0].status, "sent");
        assert_eq!(
            shop.note(chat).await.as_deref(),
            Some("Продавец уже ответил на Wildberries")
        );
    }

    // A new chat from a product page: its goodCard names the shopper's order.
    let nm_id: i64 = shop.wb.products()[0].external_id.parse().expect("nmID");
    let opened = shop
        .wb
        .buyer_writes(None, "Алёна", Some(nm_id), "Здравствуйте! Когда отправите?");
    assert_eq!(shop.poll(wb).await, 1);
    let first = shop.inbound(&opened.event_id).await;
    let product = attachment(&first.attachments, "product").expect("product");
    assert_eq!(product["article"], json!(nm_id.to_string()));
    let order = attachment(&first.attachments, "order").expect("order");
    let rid = order["rid"].as_str().expect("rid");
    let number = order["number"].as_str().expect("the synced order is named");
    let stored = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM orders WHERE external_id = '{number}'
               AND details->>'rid' = '{rid}'"
        ))
        .await;
    assert_eq!(stored, 1, "{order} is the FBS order with that rid");

    // The seller answers in WB's cabinet while our draft waits: the draft is withdrawn.
    let draft = shop.waits_for_people(&opened.chat_id).await;
    shop.wb
        .seller_writes(&opened.chat_id, "Здравствуйте! Отправим сегодня вечером.")
        .expect("chat");
    assert_eq!(
        shop.poll(wb).await,
        0,
        "the seller's line is no shopper message"
    );
    withdrawn(
        &shop,
        &opened.chat_id,
        draft.as_ref(),
        "Продавец уже ответил на Wildberries",
    )
    .await;
    assert!(shop.inbound(&opened.event_id).await.answered_at.is_some());
    assert_eq!(
        shop.seller_lines(&opened.chat_id).await.len(),
        1,
        "recorded once"
    );
    assert_eq!(shop.poll(wb).await, 0);
    assert_eq!(shop.seller_lines(&opened.chat_id).await.len(), 1);

    // The shopper writes again: the new message carries the chat's order and product on.
    let again = shop.wb.buyer_writes(
        Some(&opened.chat_id),
        "Алёна",
        None,
        "А трек-номер появится?",
    );
    assert_eq!(shop.poll(wb).await, 1);
    let later = shop.inbound(&again.event_id).await;
    assert_eq!(attachment(&later.attachments, "order"), Some(order));
    assert_eq!(attachment(&later.attachments, "product"), Some(product));
    // A new question after the seller's answer: taken up again.
    shop.waits_for_people(&opened.chat_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_own_chat_answers_coming_back_are_not_taken_for_the_sellers() {
    let shop = default_shop(100, true).await;
    shop.publish_automatically().await;
    let wb = shop.connect(Marketplace::Wb).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.poll(wb).await;
    shop.poll(ozon).await;
    let wb_chat = shop
        .wb
        .buyer_writes(None, "Иван", None, "Здравствуйте! Как оформить возврат?");
    let ozon_chat = shop
        .ozon
        .buyer_writes(None, None, "Здравствуйте! Как оформить возврат?");
    shop.poll(wb).await;
    shop.poll(ozon).await;
    shop.reply_in(&wb_chat.chat_id, "sent").await;
    shop.reply_in(&ozon_chat.chat_id, "sent").await;
    shop.poll(wb).await;
    shop.poll(ozon).await;
    assert!(shop.seller_lines(&wb_chat.chat_id).await.is_empty());
    assert!(shop.seller_lines(&ozon_chat.chat_id).await.is_empty());
    assert_eq!(shop.note(&wb_chat.chat_id).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wb_questions_and_reviews_answered_in_the_cabinet_are_withdrawn_and_closed() {
    let shop = default_shop(100, true).await;
    let wb = shop.connect(Marketplace::Wb).await;
    shop.sync(wb, SyncKind::Full).await.expect("catalogue");
    let nm_id: i64 = shop.wb.products()[0].external_id.parse().expect("nmID");

    // Answered at WB after our draft: found by the re-check by id on the next poll.
    let question = shop
        .wb
        .ask_question(nm_id, "Здравствуйте! Этот товар сейчас есть в наличии?");
    shop.poll(wb).await;
    let draft = shop.waits_for_people(&question).await;
    assert!(
        shop.wb
            .seller_answers_question(&question, "Да, есть все размеры.")
    );
    shop.poll(wb).await;
    withdrawn(
        &shop,
        &question,
        draft.as_ref(),
        "Продавец уже ответил на Wildberries",
    )
    .await;
    let lines = shop.seller_lines(&question).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].body, "Да, есть все размеры.");
    assert_eq!(
        shop.conversation(&question)
            .await
            .map(|c| c.mode)
            .as_deref(),
        Some("closed")
    );
    if let Some(draft) = &draft {
        assert!(
            !otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, draft.id, None)
                .await
                .expect("approve"),
            "a withdrawn draft cannot be approved"
        );
    }

    // Answered at WB between our draft and its approval: checked before publishing.
    let review = shop
        .wb
        .leave_feedback(nm_id, "Всё отлично, размер подошёл. Спасибо!", 5);
    shop.poll(wb).await;
    let Some(draft) = shop.waits_for_people(&review).await else {
        return;
    };
    assert!(
        shop.wb
            .seller_answers_feedback(&review, "Спасибо за отзыв!")
    );
    assert!(
        otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, draft.id, None)
            .await
            .expect("approve")
    );
    shop.reply_in(&review, "withdrawn").await;
    let published = shop
        .wb
        .feedbacks()
        .into_iter()
        .find(|f| f.id == review)
        .expect("review");
    assert_eq!(published.answer.as_deref(), Some("Спасибо за отзыв!"));
    assert_eq!(published.answer_writes, 1, "WB never got our answer on top");
    assert_eq!(
        shop.note(&review).await.as_deref(),
        Some("Продавец уже ответил на Wildberries")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ozon_questions_and_reviews_are_polled_drafted_published_and_withdrawn() {
    let shop = default_shop(100, true).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    assert_eq!(
        shop.channel_enabled(ozon, ChannelKind::OzonQuestions).await,
        Some(true)
    );
    assert_eq!(
        shop.channel_enabled(ozon, ChannelKind::OzonReviews).await,
        Some(true)
    );
    shop.sync(ozon, SyncKind::Full).await.expect("Ozon sync");
    let waiting = shop
        .ozon
        .questions()
        .iter()
        .filter(|q| q.status != "PROCESSED")
        .count()
        + shop
            .ozon
            .reviews()
            .iter()
            .filter(|r| r.status != "PROCESSED")
            .count();
    let recorded = shop.poll(ozon).await;
    assert!(recorded >= waiting, "{recorded} < {waiting}");
    assert_eq!(shop.poll(ozon).await, 0, "nothing twice");

    let sku: i64 = shop.ozon.products()[0].external_id.parse().expect("sku");
    let question = shop
        .ozon
        .ask_question(sku, "Здравствуйте! Этот товар сейчас есть в наличии?");
    let review = shop
        .ozon
        .leave_review(sku, "Отличные, сидят хорошо, ребёнок доволен!", 5);
    assert_eq!(shop.poll(ozon).await, 2);
    let asked = shop.inbound(&question).await;
    assert_eq!(
        attachment(&asked.attachments, "product"),
        Some(&json!({"kind": "product", "article": sku.to_string()}))
    );
    let reviewed = shop.inbound(&review).await;
    assert_eq!(
        attachment(&reviewed.attachments, "rating"),
        Some(&json!({"kind": "rating", "stars": 5}))
    );

    // Approved drafts are published at Ozon.
    for (id, published) in [(&question, true), (&review, false)] {
        let Some(draft) = shop.waits_for_people(id).await else {
            continue;
        };
        assert!(
            otklik_workers::approve_draft(&shop.ctx, shop.app.tenant, draft.id, None)
                .await
                .expect("approve")
        );
        shop.reply_in(id, "sent").await;
        let at_ozon: Vec<String> = if published {
            (shop.ozon.questions().into_iter().find(|q| &q.id == id))
                .map(|q| q.answers)
                .unwrap_or_default()
        } else {
            (shop.ozon.reviews().into_iter().find(|r| &r.id == id))
                .map(|r| r.comments)
                .unwrap_or_default()
        };
        assert_eq!(at_ozon, vec![draft.body.clone()]);
    }

    // Answered in Ozon's cabinet while our draft waits: withdrawn on the next poll.
    let other = shop
        .ozon
        .ask_question(sku, "Добрый день! Есть ли в наличии?");
    shop.poll(ozon).await;
    let draft = shop.waits_for_people(&other).await;
    assert!(shop.ozon.seller_answers_question(&other, "Да, есть."));
    shop.poll(ozon).await;
    withdrawn(
        &shop,
        &other,
        draft.as_ref(),
        "Продавец уже ответил на Ozon",
    )
    .await;
    assert_eq!(
        shop.seller_lines(&other)
            .await
            .into_iter()
            .next()
            .map(|l| l.body),
        Some("Да, есть.".into())
    );
    let unhappy = shop
        .ozon
        .leave_review(sku, "Маломерят на размер, пришлось вернуть.", 2);
    shop.poll(ozon).await;
    let draft = shop.waits_for_people(&unhappy).await;
    assert!(
        shop.ozon
            .seller_comments_review(&unhappy, "Жаль! Поможем с возвратом.")
    );
    shop.poll(ozon).await;
    withdrawn(
        &shop,
        &unhappy,
        draft.as_ref(),
        "Продавец уже ответил на Ozon",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ozon_seller_without_the_subscriptions_is_told_and_those_channels_stay_off() {
    let shop = shop(
        Seller::generate(spec(50)),
        WbOptions::default(),
        OzonOptions {
            premium: false,
            review_management: false,
            ..OzonOptions::default()
        },
        false,
    )
    .await;
    let credentials = json!({"client_id": shop.ozon.client_id(), "api_key": shop.ozon.api_key()});
    let (report, account) = shop
        .ctx
        .connect_account("test-shop", Marketplace::Ozon, "Ozon", &credentials)
        .await
        .expect("checked");
    let account = account.expect("the account connects; orders sync without the subscriptions");
    assert!(report.problems.is_empty(), "{report:?}");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("Вопросы покупателей Ozon не подключены")
                && n.contains("Premium Plus")),
        "{report:?}"
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("Отзывы Ozon не подключены")
                && n.contains("«Управление отзывами»")),
        "{report:?}"
    );
    assert_eq!(
        shop.channel_enabled(account, ChannelKind::OzonQuestions)
            .await,
        None
    );
    assert_eq!(
        shop.channel_enabled(account, ChannelKind::OzonReviews)
            .await,
        None
    );
    assert_eq!(
        shop.channel_enabled(account, ChannelKind::OzonChat).await,
        Some(true)
    );
    shop.poll(account).await;
    assert_eq!(
        shop.ozon.traffic().family_requests("question")
            + shop.ozon.traffic().family_requests("review"),
        2,
        "only the onboarding's two checks"
    );

    // With reviews only, the review channel opens.
    let reviews_only = shop_with(OzonOptions {
        premium: false,
        ..OzonOptions::default()
    })
    .await;
    let credentials = json!({
        "client_id": reviews_only.ozon.client_id(), "api_key": reviews_only.ozon.api_key(),
    });
    let (report, account) = reviews_only
        .ctx
        .connect_account("test-shop", Marketplace::Ozon, "Ozon", &credentials)
        .await
        .expect("checked");
    let account = account.expect("connected");
    assert_eq!(report.notes.len(), 2, "chats and questions: {report:?}");
    assert_eq!(
        reviews_only
            .channel_enabled(account, ChannelKind::OzonReviews)
            .await,
        Some(true)
    );
    assert_eq!(
        reviews_only
            .channel_enabled(account, ChannelKind::OzonQuestions)
            .await,
        None
    );
}

async fn shop_with(ozon: OzonOptions) -> Shop {
    shop(
        Seller::generate(spec(50)),
        WbOptions::default(),
        ozon,
        false,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ozon_chat_names_its_posting_and_the_sellers_answer_in_the_cabinet_withdraws_the_draft()
{
    let shop = default_shop(200, true).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.sync(ozon, SyncKind::Full).await.expect("Ozon sync");
    shop.poll(ozon).await;
    let posting = shop.ozon.orders()[0].external_id.clone();
    let chat = shop.ozon.buyer_writes(
        None,
        Some(&posting),
        "Здравствуйте! Когда приедет мой заказ?",
    );
    assert_eq!(shop.poll(ozon).await, 1);
    let recorded = shop.inbound(&chat.message_id).await;
    let order = attachment(&recorded.attachments, "order").expect("order");
    assert_eq!(order["number"], json!(posting), "{order}");
    assert!(attachment(&recorded.attachments, "product").is_some());

    let draft = shop.waits_for_people(&chat.chat_id).await;
    shop.ozon
        .seller_writes(&chat.chat_id, "Здравствуйте! Заказ уже в пути.")
        .expect("chat");
    // The seller's answer read the chat: it is found by the re-check, not the unread list.
    assert_eq!(shop.poll(ozon).await, 0);
    withdrawn(
        &shop,
        &chat.chat_id,
        draft.as_ref(),
        "Продавец уже ответил на Ozon",
    )
    .await;
    assert!(shop.inbound(&chat.message_id).await.answered_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_that_ends_after_the_seller_answered_writes_no_draft() {
    use otklik_db::conversations::{self, NewInbound, TurnLease, TurnResult};
    use otklik_db::marketplace_inbox::{self, SellerLine, SellerLineOutcome};

    let shop = default_shop(50, false).await;
    let wb = shop.connect(Marketplace::Wb).await;
    let scope = shop.app.tenant;
    let mut conn = shop.app.db().await;
    let channel = otklik_db::channels::for_account(&mut conn, scope, wb)
        .await
        .expect("channels")
        .into_iter()
        .find(|c| c.kind == ChannelKind::WbChat)
        .expect("WB chat");
    let shopper = NewInbound {
        channel_id: channel.id,
        customer_external_id: "1:race",
        customer_name: "Алёна",
        customer_username: None,
        chat_id: "1:race",
        external_id: "event-1",
        body: "Когда отправите?",
        attachments: json!([]),
        reply_token: None,
        reply_due_at: None,
    };
    let recorded = conversations::record_inbound(&mut conn, scope, &shopper)
        .await
        .expect("recorded");
    // A turn takes the message…
    let TurnLease::Acquired(conversation) = conversations::acquire_turn(
        &mut conn,
        scope,
        recorded.conversation_id,
        Duration::from_secs(30),
    )
    .await
    .expect("lease") else {
        panic!("the turn is free");
    };
    let unanswered = conversations::unanswered(&mut conn, scope, conversation.id)
        .await
        .expect("unanswered");
    // …the seller answers at WB meanwhile…
    let line = SellerLine {
        channel_id: channel.id,
        customer_external_id: "1:race",
        external_id: "event-2",
        body: "Отправим сегодня.",
        written_at: None,
        echo_of: None,
    };
    let outcome = marketplace_inbox::record_seller_line(&mut conn, scope, &line, "why", false)
        .await
        .expect("line");
    assert!(
        matches!(outcome, SellerLineOutcome::Recorded { .. }),
        "{outcome:?}"
    );
    // …and the turn ends with a draft that must not be written.
    let answered: Vec<_> = unanswered.iter().map(|m| m.id).collect();
    let result = TurnResult {
        answered: &answered,
        reply: Some("Заказ будет отправлен в ближайшее время."),
        draft: true,
        author: otklik_schema::Author::Bot,
        meta: json!({}),
        mode: None,
        state: None,
        handoff: None,
        usage: &[],
    };
    conversations::finish_turn(&mut conn, scope, &conversation, result)
        .await
        .expect("finished");
    let drafts = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM messages WHERE conversation_id = {} AND author = 'bot'",
            conversation.id
        ))
        .await;
    assert_eq!(drafts, 0, "no draft for what the seller answered");
    // The same line again changes nothing.
    assert_eq!(
        marketplace_inbox::record_seller_line(&mut conn, scope, &line, "why", false)
            .await
            .expect("again"),
        SellerLineOutcome::Known
    );
}

#[derive(Debug, diesel::QueryableByName)]
struct Tally {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The demo shop with 2,000 sandbox orders a marketplace, as issue 24 measured it: every
/// channel polled, every turn run; then what the inbox holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shops_marketplace_inbox_drafts_nothing_for_what_the_seller_answered() {
    let seller = Seller::generate(otklik_sandbox::SellerSpec {
        orders: 2000,
        ..otklik_sandbox::SellerSpec::demo()
    })
    .with_demo_records();
    let shop = shop(
        seller,
        WbOptions::unlimited(),
        OzonOptions::unlimited(),
        true,
    )
    .await;
    let wb = shop.connect(Marketplace::Wb).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.sync(wb, SyncKind::Full).await.expect("WB sync");
    shop.sync(ozon, SyncKind::Full).await.expect("Ozon sync");
    let recorded = shop.poll(wb).await + shop.poll(ozon).await;
    assert!(recorded > 150, "{recorded} shopper messages");
    // Every turn has run: no shopper message waits for the assistant.
    let waiting =
        "SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.direction = 'inbound' AND m.answered_at IS NULL AND c.mode = 'bot'";
    let left = shop
        .app
        .eventually(Duration::from_secs(240), 0, || shop.app.count(waiting))
        .await;
    assert_eq!(left, 0, "turns outstanding");

    // Chats whose latest message is the seller's: no draft or reply of the assistant.
    let mut seller_last = Vec::new();
    for (kind, messages) in [("wb_chat", true), ("ozon_chat", false)] {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            chat: String,
        }
        let chats: Vec<Row> = diesel::sql_query(format!(
            "SELECT DISTINCT c.external_chat_id AS chat FROM conversations c
               JOIN channels ch ON ch.id = c.channel_id WHERE ch.kind = '{kind}'"
        ))
        .load(&mut shop.app.db().await)
        .await
        .expect("chats");
        for Row { chat } in chats {
            let history = if messages {
                shop.wb.chat_messages(&chat)
            } else {
                shop.ozon.chat_messages(&chat)
            };
            if history
                .last()
                .is_some_and(|m| m.sender.eq_ignore_ascii_case("seller"))
            {
                seller_last.push(chat);
            }
        }
    }
    assert!(
        seller_last.len() >= 20,
        "{} chats answered at the marketplace",
        seller_last.len()
    );
    let mut drafted = 0;
    for chat in &seller_last {
        drafted += shop
            .replies(chat)
            .await
            .iter()
            .filter(|r| r.status != "withdrawn")
            .count();
    }
    assert_eq!(drafted, 0, "drafts for chats the seller already answered");

    // Every WB chat message names an order; none of the assistant's chat answers asks for one.
    let without_order = shop
        .app
        .count(
            "SELECT count(*) AS n FROM messages m JOIN channels ch ON ch.id = m.channel_id
              WHERE ch.kind IN ('wb_chat', 'ozon_chat') AND m.direction = 'inbound'
                AND NOT m.attachments @> '[{\"kind\": \"order\"}]'",
        )
        .await;
    let asked_for_number = shop
        .app
        .count(
            "SELECT count(*) AS n FROM messages m JOIN channels ch ON ch.id = m.channel_id
              WHERE ch.kind IN ('wb_chat', 'ozon_chat') AND m.author = 'bot'
                AND m.body ~* 'номер заказа|номер отправления'",
        )
        .await;
    let variety = |kinds: &'static str| {
        let shop = &shop;
        async move {
            diesel::sql_query(format!(
                "SELECT count(*) AS n FROM messages m JOIN channels ch ON ch.id = m.channel_id
                  WHERE ch.kind IN ({kinds}) AND m.direction = 'inbound'
                 UNION ALL
                 SELECT count(DISTINCT m.body) FROM messages m JOIN channels ch ON ch.id = m.channel_id
                  WHERE ch.kind IN ({kinds}) AND m.direction = 'inbound'"
            ))
            .load::<Tally>(&mut shop.app.db().await)
            .await
            .expect("variety")
            .into_iter()
            .map(|t| t.n)
            .collect::<Vec<_>>()
        }
    };
    let reviews = variety("'wb_feedbacks', 'ozon_reviews'").await;
    let questions = variety("'wb_questions', 'ozon_questions'").await;
    eprintln!(
        "demo inbox: {recorded} shopper messages; {} chats answered at the marketplace, {drafted} drafts for them; \
         {without_order} chat messages without an order; {asked_for_number} chat answers asking for an order number; \
         reviews {} ({} distinct), questions {} ({} distinct)",
        seller_last.len(),
        reviews[0],
        reviews[1],
        questions[0],
        questions[1],
    );
    assert!(
        reviews[0] >= 40 && reviews[1] * 10 >= reviews[0] * 9,
        "varied reviews: {reviews:?}"
    );
    assert!(
        questions[0] >= 20 && questions[1] * 10 >= questions[0] * 8,
        "varied questions: {questions:?}"
    );
    assert_eq!(without_order, 0, "every chat message names its order");
    assert_eq!(
        asked_for_number, 0,
        "chat answers asking for an order number the chat carries"
    );
}

/// Sends a chat message through WB's API as our outbound pool does; returns the id our send
/// records (`{chatID}:{addTime}`).
async fn send_as_us(shop: &Shop, reply_sign: &str, text: &str) -> String {
    let boundary = "otklik-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"replySign\"\r\n\r\n{reply_sign}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let sent: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/seller/message", shop.wb.base_url()))
        .header("Authorization", shop.wb.token())
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    format!(
        "{}:{}",
        sent["result"]["chatID"].as_str().expect("chatID"),
        sent["result"]["addTime"]
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_shopper_wrote_just_before_our_answer_still_gets_its_turn() {
    let shop = default_shop(50, false).await;
    let wb = shop.connect(Marketplace::Wb).await;
    shop.poll(wb).await;
    let first = shop
        .wb
        .buyer_writes(None, "Алёна", None, "Здравствуйте! Как вернуть товар?");
    assert_eq!(shop.poll(wb).await, 1);
    // The shopper adds a line while our answer to the first is on its way…
    let second = shop.wb.buyer_writes(
        Some(&first.chat_id),
        "Алёна",
        None,
        "И сколько дней есть на возврат?",
    );
    let text = "Оформите возврат в приложении, в разделе «Покупки».";
    let ours = send_as_us(&shop, &first.reply_sign, text).await;
    let conversation = shop
        .conversation(&first.chat_id)
        .await
        .expect("conversation");
    diesel::sql_query(
        "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                               external_id, delivery_status, sent_at)
         SELECT tenant_id, id, channel_id, 'outbound', 'bot', $2, $3, 'sent', now()
           FROM conversations WHERE id = $1",
    )
    .bind::<BigInt, _>(conversation.id)
    .bind::<Text, _>(text)
    .bind::<Text, _>(&ours)
    .execute(&mut shop.app.db().await)
    .await
    .expect("our answer");
    // …so the page reads [second, ours]: ours answers nothing new, and the second gets a turn.
    let turns = shop.app.jobs_in(otklik_jobs::Queue::Turns).await;
    assert_eq!(shop.poll(wb).await, 1);
    assert!(
        shop.seller_lines(&first.chat_id).await.is_empty(),
        "ours is no seller's line"
    );
    assert!(shop.inbound(&second.event_id).await.answered_at.is_none());
    assert_eq!(
        shop.app.jobs_in(otklik_jobs::Queue::Turns).await,
        turns + 1,
        "a turn for the second message"
    );
}
