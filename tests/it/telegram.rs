use std::time::Duration;

use otklik_jobs::Queue;
use otklik_tests::telegram::Script;

use crate::support::{BOT_TOKEN, TestApp, outbound_statuses, text_update};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_answered_in_the_same_chat_in_russian() {
    let app = TestApp::start().await;
    app.shopper_writes(1001, 4242, 7, "Где мой заказ?").await;

    let sent = app.expect_replies(1).await;
    assert_eq!(sent[0].token, BOT_TOKEN);
    assert_eq!(sent[0].body["chat_id"], 4242);
    let text = sent[0].body["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("сотрудник"),
        "a handoff acknowledgement in Russian: {text}"
    );

    let statuses = app.eventually(
        Duration::from_secs(5),
        vec![("sent".to_owned(), None)],
        || async { outbound_statuses(&mut app.db().await).await },
    );
    assert_eq!(statuses.await, vec![("sent".to_owned(), None)]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations WHERE mode = 'waiting_operator'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM messages WHERE answered_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_twice_gets_one_reply() {
    let app = TestApp::start().await;
    let update = text_update(2002, 777, 1, "Здравствуйте");
    assert_eq!(app.post_update(&update).await, 200);
    assert_eq!(
        app.post_update(&update).await,
        200,
        "a redelivery is acknowledged"
    );

    app.expect_replies(1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.telegram.sent().len(), 1, "no second reply");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_messages_in_a_row_get_one_answer_and_later_ones_wait_for_people() {
    let app = TestApp::start().await;
    for (i, text) in ["Здравствуйте", "у меня вопрос", "по заказу"]
        .iter()
        .enumerate()
    {
        app.shopper_writes(3000 + i as u32, 555, i as i64, text)
            .await;
    }
    app.expect_replies(1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.telegram.sent().len(),
        1,
        "handed off: the bot stays silent"
    );
    let answered = app
        .eventually(Duration::from_secs(5), 3, || async {
            app.count("SELECT count(*) AS n FROM messages WHERE answered_at IS NOT NULL")
                .await
        })
        .await;
    assert_eq!(answered, 3);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_retry_after() {
    let app = TestApp::start().await;
    app.telegram.script("sendMessage", Script::RetryAfter(2));
    app.shopper_writes(4004, 31337, 1, "Алло").await;

    let calls = app.telegram.wait_for_sent(2, Duration::from_secs(25)).await;
    assert_eq!(calls.len(), 2, "the 429, then the retry");
    let waited = calls[1].at.duration_since(calls[0].at);
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before retry_after"
    );
    let statuses = app
        .eventually(
            Duration::from_secs(5),
            vec![("sent".to_owned(), None)],
            || async { outbound_statuses(&mut app.db().await).await },
        )
        .await;
    assert_eq!(statuses, vec![("sent".to_owned(), None)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_bot_marks_the_reply_undeliverable_without_retrying() {
    let app = TestApp::start().await;
    app.telegram.script("sendMessage", Script::Blocked);
    app.shopper_writes(5005, 99, 1, "Привет").await;
    let statuses = app
        .eventually(Duration::from_secs(20), 1, || async {
            outbound_statuses(&mut app.db().await)
                .await
                .iter()
                .filter(|(s, _)| s == "undeliverable")
                .count()
        })
        .await;
    assert_eq!(statuses, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.telegram.sent().len(), 1, "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_press_is_answered_and_recorded() {
    let app = TestApp::start().await;
    let update = serde_json::json!({"update_id": 6006, "callback_query": {"id": "cbq-1",
        "from": {"id": 4040, "is_bot": false, "first_name": "Иван"},
        "message": {"message_id": 9, "chat": {"id": 4040, "type": "private", "first_name": "Иван"},
                    "date": 1_718_000_030, "text": "Помог ли ответ?"},
        "chat_instance": "-1", "data": "rate:5"}});
    assert_eq!(app.post_update(&update).await, 200);
    app.expect_replies(1).await;
    let answered = app.telegram.calls("answerCallbackQuery");
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].body["callback_query_id"], "cbq-1");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM messages WHERE body = 'rate:5'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_is_dead_lettered_without_stopping_others_and_can_be_replayed() {
    use otklik_jobs::{Queue, dead_letters};

    let app = TestApp::start().await;
    // A Telegram update addressed to the web-chat channel: the inbound job refuses it for good.
    let secret =
        otklik_jobs::WebhookSecrets::new(secrecy::SecretString::from(crate::support::MASTER_KEY))
            .telegram(app.webchat_channel);
    let wrong = app
        .http
        .post(format!(
            "{}/hooks/telegram/{}",
            app.base, app.webchat_channel
        ))
        .header("X-Telegram-Bot-Api-Secret-Token", secret)
        .json(&text_update(1, 5, 1, "не туда"))
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 200);
    for i in 0..3 {
        app.shopper_writes(10 + i, 600 + i64::from(i), 1, "Здравствуйте")
            .await;
    }
    app.expect_replies(3).await;

    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    let settings = app.queue_settings();
    let dead = app
        .eventually(Duration::from_secs(10), 1, || async {
            dead_letters::list(&redis, &settings, Queue::Inbound)
                .await
                .expect("list")
                .len()
        })
        .await;
    assert_eq!(dead, 1);
    let letter = dead_letters::list(&redis, &settings, Queue::Inbound)
        .await
        .expect("list")
        .remove(0);
    assert_eq!(letter.status.as_deref(), Some("Killed"));
    assert!(letter.error.unwrap_or_default().contains("not of the kind"));
    assert!(letter.payload.unwrap_or_default().contains("не туда"));

    // An operator fixes the channel, then replays: the shopper is answered.
    let mut conn = app.db().await;
    let vault = otklik_db::sealed::Vault::new(&app.config.master_keys());
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE channels SET kind = 'telegram', credentials = $1 WHERE id = {}",
            app.webchat_channel
        ))
        .bind::<diesel::sql_types::Jsonb, _>(
            vault.seal(&serde_json::json!({ "bot_token": BOT_TOKEN })),
        ),
        &mut conn,
    )
    .await
    .expect("fix the channel");
    dead_letters::replay(&redis, &settings, Queue::Inbound, &letter.id)
        .await
        .expect("replay");
    let sent = app.expect_replies(4).await;
    assert_eq!(sent[3].body["chat_id"], 5);
    assert!(
        dead_letters::list(&redis, &settings, Queue::Inbound)
            .await
            .expect("list")
            .is_empty()
    );
    let unknown = dead_letters::replay(&redis, &settings, Queue::Inbound, &letter.id).await;
    assert!(matches!(
        unknown,
        Err(dead_letters::DeadLetterError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_swept_from_redis() {
    let app = TestApp::start().await;
    app.shopper_writes(7007, 808, 1, "Добрый вечер").await;
    app.expect_replies(1).await;
    // The queues a message passes through (syncs are not part of it).
    for queue in [Queue::Inbound, Queue::Turns, Queue::Deliveries] {
        assert!(
            app.jobs_in(queue).await > 0,
            "{queue:?} kept its finished job so far"
        );
    }
    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    let settings = app.queue_settings();
    let left = app
        .eventually(Duration::from_secs(10), 0, || async {
            let mut left = 0;
            for queue in Queue::ALL {
                otklik_jobs::retention::sweep(&redis, &settings, queue, Duration::ZERO)
                    .await
                    .expect("sweep");
                left += app.jobs_in(queue).await;
            }
            left
        })
        .await;
    assert_eq!(left, 0, "every finished job swept");
    // A job finished just now is kept when the retention window has not passed.
    app.shopper_writes(7008, 809, 1, "Ещё вопрос").await;
    app.expect_replies(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kept =
        otklik_jobs::retention::sweep(&redis, &settings, Queue::Inbound, Duration::from_secs(3600))
            .await;
    assert_eq!(kept.expect("sweep"), 0);
    assert_eq!(app.jobs_in(Queue::Inbound).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_is_retried_and_the_reply_arrives_once() {
    let app = TestApp::start().await;
    app.telegram.script("sendMessage", Script::ServerError);
    app.shopper_writes(4114, 31338, 1, "Алло").await;

    let calls = app.telegram.wait_for_sent(2, Duration::from_secs(30)).await;
    assert_eq!(calls.len(), 2, "the 5xx, then the retry");
    let statuses = app
        .eventually(
            Duration::from_secs(5),
            vec![("sent".to_owned(), None)],
            || async { outbound_statuses(&mut app.db().await).await },
        )
        .await;
    assert_eq!(statuses, vec![("sent".to_owned(), None)]);
    assert_eq!(app.telegram.delivered().len(), 1, "received once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_telegram_refuses_goes_to_people_with_its_text() {
    let app = TestApp::start().await;
    let events = app.operator_events().await;
    app.telegram.script(
        "sendMessage",
        Script::BadRequest("message text is empty".into()),
    );
    app.shopper_writes(4224, 31339, 1, "Алло").await;

    let failed = app
        .eventually(Duration::from_secs(20), 1, || async {
            app.count("SELECT count(*) AS n FROM messages WHERE delivery_status = 'failed'")
                .await
        })
        .await;
    assert_eq!(failed, 1, "the reply is marked failed");
    assert_eq!(app.telegram.sent().len(), 1, "a refusal is not retried");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM conversations
              WHERE mode = 'waiting_operator' AND handoff_reason = 'delivery_failed'
                AND handoff_summary LIKE '%Текст ответа%'"
        )
        .await,
        1,
        "people take the conversation over, with the undelivered text"
    );
    let told = app
        .eventually(Duration::from_secs(5), true, || async {
            events
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .any(|e| e["type"] == "handoff" && e["reason"] == "delivery_failed")
        })
        .await;
    assert!(told, "operators are told");
}
