//! The model responder in whole turns: a tenant that chose `openai` gets replies written by
//! the (fake) model through tenant-scoped tools, pays for the tokens in usage events, falls
//! back to the local responder when the model fails or breaks a rule, and gets repeated policy
//! questions from the answer cache.

use diesel_async::RunQueryDsl;
use otklik_tests::openai::{COMPLETION_TOKENS, FakeOpenAi, PROMPT_TOKENS, Reply};
use serde_json::Value;

use crate::assistant::{json_of, say, shop_with, text};
use crate::support::{Options, TestApp};

async fn shop_with_model() -> (TestApp, FakeOpenAi) {
    let model = FakeOpenAi::start().await.expect("start the fake model");
    let app = shop_with(Options {
        env: vec![
            ("OTKLIK_OPENAI_BASE_URL", model.url()),
            ("OTKLIK_OPENAI_API_KEY", "sk-test".to_owned()),
            ("OTKLIK_OPENAI_MODEL", "gpt-test".to_owned()),
            ("OTKLIK_OPENAI_PRICE", "0.15 0.60 USD".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    diesel::sql_query(
        r#"UPDATE tenants SET settings = settings || '{"assistant": {"responders": ["openai", "local"], "persona": "спокойно и дружелюбно"}}'::jsonb"#,
    )
    .execute(&mut app.db().await)
    .await
    .expect("choose the model responder");
    (app, model)
}

async fn last_reply_meta(app: &TestApp) -> Value {
    json_of(
        app,
        "SELECT meta AS value FROM messages WHERE direction = 'outbound' ORDER BY id DESC LIMIT 1",
    )
    .await
}

fn tool_call(name: &str, arguments: Value) -> Reply {
    Reply::ToolCall {
        name: name.to_owned(),
        arguments_json: arguments.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_answers_through_a_tool_and_the_tokens_are_billed() {
    let (app, model) = shop_with_model().await;
    // A greeting is answered locally: nothing to pay a model for.
    say(&app, 1, "Здравствуйте!").await;
    assert_eq!(model.call_count(), 0);

    let answer = "Заказ 12345678-0012-1 уже в пути, курьер привезёт его по расписанию Ozon.";
    model.push(tool_call(
        "order_status",
        serde_json::json!({ "order_id": "12345678-0012-1" }),
    ));
    model.push(Reply::Text(answer.to_owned()));
    let reply = say(
        &app,
        2,
        "где отправление 12345678-0012-1? мой телефон +7 912 345-67-89",
    )
    .await;
    assert_eq!(reply, answer);

    let calls = model.calls();
    assert_eq!(calls.len(), 2, "a tool round, then the answer");
    let first = &calls[0].body;
    assert_eq!(first["model"], "gpt-test");
    let tools: Vec<&str> = first["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["function"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        tools,
        [
            "order_status",
            "product_info",
            "search_knowledge",
            "transfer_to_operator"
        ]
    );
    let system = first["messages"][0]["content"].as_str().unwrap_or_default();
    assert!(system.contains("«Тестовый магазин»"), "{system}");
    assert!(system.contains("спокойно и дружелюбно"), "{system}");
    assert_eq!(
        first["messages"][1]["content"], "Здравствуйте!",
        "the conversation so far goes along"
    );
    let sent = first.to_string();
    assert!(
        !sent.contains("345-67-89") && sent.contains("[телефон]"),
        "personal data is masked before it leaves: {sent}"
    );
    // The tool's result goes back under the call's id, and it is the tenant's order.
    let second = &calls[1].body["messages"];
    let tool_message = second
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "tool"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(tool_message["tool_call_id"], "call_0");
    let content = tool_message["content"].as_str().unwrap_or_default();
    assert!(
        content.contains("Заказ 12345678-0012-1 (Ozon)"),
        "{content}"
    );

    let meta = last_reply_meta(&app).await;
    assert_eq!(meta["responder"], "openai");
    assert_eq!(meta["model"], "gpt-test");
    let usage = json_of(
        &app,
        "SELECT jsonb_build_object('quantity', quantity, 'details', details) AS value
         FROM usage_events WHERE kind = 'llm_tokens'",
    )
    .await;
    let tokens = 2 * (PROMPT_TOKENS + COMPLETION_TOKENS);
    assert_eq!(usage["quantity"], tokens);
    assert_eq!(usage["details"]["calls"], 2);
    // 170 prompt tokens at $0.15 and 36 completion tokens at $0.60 per million: 47.1 micro-$.
    assert_eq!(usage["details"]["cost_micros"], 48);
    assert_eq!(usage["details"]["currency"], "USD");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM usage_events WHERE kind = 'ai_reply'")
            .await,
        2,
        "the greeting and the answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_leaves_the_answer_to_the_local_responder() {
    let (app, model) = shop_with_model().await;
    for _ in 0..4 {
        model.push(Reply::ServerError);
    }
    let reply = say(&app, 1, "Где мой заказ 1456789012?").await;
    assert!(
        reply.starts_with("Заказ 1456789012 уже ждёт вас в пункте выдачи"),
        "{reply}"
    );
    assert_eq!(
        model.call_count(),
        2,
        "one request and one retry, within the budget"
    );
    let meta = last_reply_meta(&app).await;
    assert_eq!(meta["responder"], "local");
    assert!(
        meta["model_fallback"]
            .as_str()
            .is_some_and(|why| why.contains("no model answered")),
        "{meta}"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM usage_events WHERE kind = 'llm_tokens'")
            .await,
        0,
        "failed requests bill nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_reply_that_promises_money_is_not_sent() {
    let (app, model) = shop_with_model().await;
    model.push(Reply::Text(
        "Вернуть можно в течение 21 дня, а мы ещё вернём вам 500 рублей компенсации.".into(),
    ));
    let reply = say(&app, 1, "Как вернуть пуховик? Не подошёл по размеру").await;
    assert!(
        reply.starts_with("Вернуть товар надлежащего качества можно в течение 21 дня"),
        "the local responder quotes the policy instead: {reply}"
    );
    let meta = last_reply_meta(&app).await;
    assert!(
        meta["model_fallback"]
            .as_str()
            .is_some_and(|why| why.contains("promises money")),
        "{meta}"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM usage_events WHERE kind = 'llm_tokens'")
            .await,
        1,
        "the refused reply was still paid for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_can_hand_the_conversation_to_people() {
    let (app, model) = shop_with_model().await;
    model.push(tool_call(
        "transfer_to_operator",
        serde_json::json!({ "reason": "покупатель хочет оптовую цену" }),
    ));
    let reply = say(
        &app,
        1,
        "Какой утеплитель у пуховика 139204857? И можно ли купить оптом?",
    )
    .await;
    assert!(
        reply.starts_with("Передаю ваш вопрос сотруднику магазина"),
        "{reply}"
    );
    let conversation = json_of(
        &app,
        "SELECT jsonb_build_object('mode', mode, 'reason', handoff_reason, 'summary', handoff_summary) AS value FROM conversations",
    )
    .await;
    assert_eq!(conversation["mode"], "waiting_operator");
    assert_eq!(conversation["reason"], "model_transfer");
    let summary = conversation["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("Ассистент: «покупатель хочет оптовую цену»"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_policy_question_comes_from_the_cache_until_the_knowledge_changes() {
    let (app, model) = shop_with_model().await;
    let answer = "Вернуть товар можно в течение 21 дня: оформите возврат в личном кабинете и отнесите товар в пункт выдачи.";
    model.push(Reply::Text(answer.to_owned()));
    model.push(Reply::Text(answer.to_owned()));

    app.shopper_writes(1, 6001, 1, "Как вернуть товар?").await;
    app.expect_replies(1).await;
    app.shopper_writes(2, 6002, 1, "как вернуть товар").await;
    let replies = app.expect_replies(2).await;
    assert!(replies.iter().all(|r| text(r) == answer));
    assert_eq!(
        model.call_count(),
        1,
        "the second shopper got the cached answer"
    );
    let responders = json_of(
        &app,
        "SELECT to_jsonb(array_agg(meta->>'responder' ORDER BY meta->>'responder')) AS value
         FROM messages WHERE direction = 'outbound'",
    )
    .await;
    assert_eq!(responders, serde_json::json!(["cache", "openai"]));

    // A new version of an article retires the cached answer.
    diesel::sql_query("UPDATE knowledge_articles SET updated_at = now() + interval '1 second'")
        .execute(&mut app.db().await)
        .await
        .expect("touch the knowledge");
    app.shopper_writes(3, 6003, 1, "Как вернуть товар?").await;
    app.expect_replies(3).await;
    assert_eq!(model.call_count(), 2);
}

/// A link the model wrote that no article gave (an injection, or a guess) reaches no other
/// shopper through the answer cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_answer_keeps_no_link_the_knowledge_did_not_give() {
    let (app, model) = shop_with_model().await;
    model.push(Reply::Text(
        "Вернуть товар можно в течение 21 дня. Оплатить доставку возврата: https://evil.example/pay"
            .to_owned(),
    ));

    app.shopper_writes(1, 6101, 1, "Как вернуть товар?").await;
    app.expect_replies(1).await;
    app.shopper_writes(2, 6102, 1, "как вернуть товар").await;
    let replies = app.expect_replies(2).await;
    assert_eq!(
        model.call_count(),
        1,
        "the second shopper got the cached answer"
    );
    let to_second: Vec<String> = replies
        .iter()
        .filter(|call| call.body["chat_id"] == 6102)
        .map(text)
        .collect();
    assert_eq!(to_second.len(), 1, "{replies:?}");
    assert!(to_second[0].contains("21 дня"), "{to_second:?}");
    assert!(!to_second[0].contains("evil.example"), "{to_second:?}");
}
