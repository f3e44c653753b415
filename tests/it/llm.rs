//! The real LLM providers and chain against fake OpenAI and YandexGPT servers: wire formats,
//! tool-call round trips, and how many requests failures cost. No database or Redis needed.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use otklik_llm::{
    BreakerSettings, Chain, ChainSettings, ChatMessage, ChatRequest, Clock, Completion, LlmError,
    OpenAiProvider, OpenAiSettings, Provider, ProviderKind, ProviderPolicy, ToolSpec, Usage,
    YandexAuth, YandexGptProvider, YandexGptSettings,
};
use otklik_tests::openai::{self, FakeOpenAi};
use otklik_tests::yandexgpt::{self, FakeYandexGpt};
use secrecy::SecretString;
use serde_json::json;

const OPENAI_KEY: &str = "sk-test-0123";
const YANDEX_KEY: &str = "AQVN-test-key";
const FOLDER: &str = "b1gtestfolder";

fn openai_settings(fake: &FakeOpenAi) -> OpenAiSettings {
    OpenAiSettings {
        base_url: fake.url(),
        api_key: SecretString::from(OPENAI_KEY),
        model: "gpt-4o-mini".into(),
        timeout: Duration::from_secs(5),
        max_retries: 1,
    }
}

fn yandex_settings(fake: &FakeYandexGpt, key: &str) -> YandexGptSettings {
    YandexGptSettings {
        base_url: fake.url(),
        auth: YandexAuth::ApiKey(SecretString::from(key)),
        folder_id: FOLDER.into(),
        model: "yandexgpt/latest".into(),
        send_folder_header: false,
        timeout: Duration::from_secs(5),
        max_retries: 1,
    }
}

fn openai(fake: &FakeOpenAi) -> Arc<OpenAiProvider> {
    Arc::new(OpenAiProvider::new(&openai_settings(fake)).expect("openai provider"))
}

fn yandex(fake: &FakeYandexGpt) -> Arc<YandexGptProvider> {
    let settings = yandex_settings(fake, YANDEX_KEY);
    Arc::new(YandexGptProvider::new(&settings).expect("yandexgpt provider"))
}

/// Short waits so failure paths run in milliseconds.
fn fast_chain() -> ChainSettings {
    ChainSettings {
        max_attempts: 4,
        max_retry_after: Duration::from_secs(2),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(20),
    }
}

fn policy(max_retries: u32) -> ProviderPolicy {
    ProviderPolicy {
        timeout: Duration::from_secs(5),
        max_retries,
        breaker: BreakerSettings::default(),
    }
}

fn get_order_tool() -> ToolSpec {
    ToolSpec {
        name: "get_order".into(),
        description: "Статус заказа по номеру".into(),
        parameters: json!({
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        }),
    }
}

fn question() -> ChatRequest {
    ChatRequest {
        system: "Ты — вежливый агент поддержки магазина.".into(),
        messages: vec![ChatMessage::User("Где мой заказ #42?".into())],
        tools: vec![get_order_tool()],
        max_tokens: 300,
        temperature: 0.3,
    }
}

/// The follow-up request after running the tools the model asked for.
fn with_tool_results(mut req: ChatRequest, reply: &Completion, result: &str) -> ChatRequest {
    req.messages.push(ChatMessage::Assistant {
        text: reply.text.clone(),
        tool_calls: reply.tool_calls.clone(),
    });
    for call in &reply.tool_calls {
        req.messages.push(ChatMessage::Tool {
            call_id: call.id.clone(),
            content: result.into(),
        });
    }
    req
}

#[tokio::test]
async fn openai_text_reply_carries_usage_model_and_the_bearer_key() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    fake.push(openai::Reply::Text("Заказ в пути.".into()));

    let reply = openai(&fake).complete(&question()).await.expect("a reply");
    assert_eq!(reply.text.as_deref(), Some("Заказ в пути."));
    assert!(reply.tool_calls.is_empty());
    assert_eq!(
        reply.usage,
        Usage {
            prompt_tokens: openai::PROMPT_TOKENS,
            completion_tokens: openai::COMPLETION_TOKENS,
        }
    );
    assert_eq!(reply.model, "gpt-4o-mini");
    assert_eq!(reply.provider, ProviderKind::OpenAi);

    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.path, "/v1/chat/completions");
    assert_eq!(
        call.header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
    assert_eq!(call.body["model"], "gpt-4o-mini");
    assert_eq!(call.body["messages"][0]["role"], "system");
    assert_eq!(call.body["messages"][1]["content"], "Где мой заказ #42?");
    assert_eq!(call.body["max_tokens"], 300);
    assert_eq!(call.body["tool_choice"], "auto");
    assert_eq!(call.body["tools"][0]["function"]["name"], "get_order");
}

#[tokio::test]
async fn an_openai_compatible_server_without_v1_in_its_base_url_works_too() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    let settings = OpenAiSettings {
        base_url: format!("{}/", fake.root_url()),
        model: format!("gpt://{FOLDER}/yandexgpt/latest"),
        ..openai_settings(&fake)
    };
    let provider = OpenAiProvider::new(&settings).expect("provider");
    let reply = provider.complete(&question()).await.expect("a reply");
    assert_eq!(reply.text.as_deref(), Some(openai::DEFAULT_TEXT));
    assert_eq!(fake.calls()[0].path, "/chat/completions");
    assert_eq!(
        fake.calls()[0].body["model"],
        format!("gpt://{FOLDER}/yandexgpt/latest")
    );
}

#[tokio::test]
async fn yandexgpt_text_reply_carries_usage_and_the_native_headers() {
    let fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");

    let reply = yandex(&fake).complete(&question()).await.expect("a reply");
    assert_eq!(reply.text.as_deref(), Some(yandexgpt::DEFAULT_TEXT));
    assert_eq!(
        reply.usage,
        Usage {
            prompt_tokens: yandexgpt::INPUT_TOKENS,
            completion_tokens: yandexgpt::COMPLETION_TOKENS,
        }
    );
    assert_eq!(reply.model, format!("gpt://{FOLDER}/yandexgpt/latest"));
    assert_eq!(reply.provider, ProviderKind::YandexGpt);

    let call = &fake.calls()[0];
    assert_eq!(
        call.header("authorization"),
        Some(format!("Api-Key {YANDEX_KEY}").as_str())
    );
    assert_eq!(call.header("x-data-logging-enabled"), Some("false"));
    assert_eq!(
        call.header("x-folder-id"),
        None,
        "service accounts must not send it"
    );
    assert_eq!(
        call.body["modelUri"],
        format!("gpt://{FOLDER}/yandexgpt/latest")
    );
    assert_eq!(call.body["completionOptions"]["maxTokens"], "300");
    assert_eq!(call.body["messages"][0]["role"], "system");
    assert_eq!(call.body["messages"][1]["text"], "Где мой заказ #42?");
    assert_eq!(call.body["tools"][0]["function"]["name"], "get_order");
}

#[tokio::test]
async fn yandexgpt_with_a_wrong_key_is_rejected_not_retried() {
    let fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    let provider =
        Arc::new(YandexGptProvider::new(&yandex_settings(&fake, "wrong")).expect("provider"));
    let chain = Chain::builder(fast_chain())
        .provider(provider, policy(3))
        .build();

    let err = chain.complete(&question()).await.expect_err("unauthorised");
    let LlmError::Exhausted {
        attempts: 1,
        last: Some(last),
    } = err
    else {
        panic!("expected one attempt: {err:?}");
    };
    assert!(
        matches!(*last, LlmError::Rejected { status: 401, ref message } if message == "Unknown api key"),
        "{last:?}"
    );
    assert_eq!(fake.call_count(), 1);
}

#[tokio::test]
async fn openai_tool_call_round_trip() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    fake.push(openai::Reply::ToolCall {
        name: "get_order".into(),
        arguments_json: r#"{"order_id":"42"}"#.into(),
    });
    fake.push(openai::Reply::Text("Заказ #42 отправлен.".into()));
    let provider = openai(&fake);

    let first = provider.complete(&question()).await.expect("tool call");
    assert_eq!(first.text, None);
    assert_eq!(first.tool_calls.len(), 1);
    let call = &first.tool_calls[0];
    assert_eq!(call.name, "get_order");
    assert_eq!(call.arguments, json!({"order_id": "42"}));

    let follow_up = with_tool_results(question(), &first, r#"{"status":"shipped"}"#);
    let second = provider.complete(&follow_up).await.expect("final text");
    assert_eq!(second.text.as_deref(), Some("Заказ #42 отправлен."));

    let sent = &fake.calls()[1].body["messages"];
    assert_eq!(sent[2]["role"], "assistant");
    assert_eq!(sent[2]["tool_calls"][0]["id"], call.id.as_str());
    assert_eq!(
        sent[2]["tool_calls"][0]["function"]["arguments"],
        r#"{"order_id":"42"}"#
    );
    assert_eq!(sent[3]["role"], "tool");
    assert_eq!(sent[3]["tool_call_id"], call.id.as_str());
    assert_eq!(sent[3]["content"], r#"{"status":"shipped"}"#);
}

#[tokio::test]
async fn yandexgpt_tool_call_round_trip() {
    let fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    fake.push(yandexgpt::Reply::ToolCall {
        name: "get_order".into(),
        arguments_json: r#"{"order_id":"42"}"#.into(),
    });
    fake.push(yandexgpt::Reply::Text("Заказ #42 отправлен.".into()));
    let provider = yandex(&fake);

    let first = provider.complete(&question()).await.expect("tool call");
    assert_eq!(first.tool_calls.len(), 1);
    assert_eq!(first.tool_calls[0].name, "get_order");
    assert_eq!(first.tool_calls[0].arguments, json!({"order_id": "42"}));

    let follow_up = with_tool_results(question(), &first, "shipped");
    let second = provider.complete(&follow_up).await.expect("final text");
    assert_eq!(second.text.as_deref(), Some("Заказ #42 отправлен."));

    let sent = &fake.calls()[1].body["messages"];
    assert_eq!(
        sent[2]["toolCallList"]["toolCalls"][0]["functionCall"],
        json!({"name": "get_order", "arguments": {"order_id": "42"}})
    );
    assert_eq!(
        sent[3]["toolResultList"]["toolResults"][0]["functionResult"],
        json!({"name": "get_order", "content": "shipped"})
    );
}

#[tokio::test]
async fn malformed_tool_arguments_are_a_typed_error() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    fake.push(openai::Reply::ToolCall {
        name: "get_order".into(),
        arguments_json: r#"{"order_id": "4"#.into(),
    });
    let err = openai(&fake)
        .complete(&question())
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, LlmError::Decode(message) if message.contains("get_order")),
        "{err:?}"
    );

    let fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    fake.push(yandexgpt::Reply::ToolCall {
        name: "get_order".into(),
        arguments_json: "not json".into(),
    });
    let err = yandex(&fake)
        .complete(&question())
        .await
        .expect_err("refused");
    assert!(matches!(&err, LlmError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn rate_limited_with_retry_after_is_retried_after_the_wait_within_the_budget() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    fake.push(openai::Reply::RateLimited {
        retry_after_secs: 1,
    });
    let chain = Chain::builder(fast_chain())
        .provider(openai(&fake), policy(1))
        .build();

    let reply = chain.complete(&question()).await.expect("second try works");
    assert_eq!(reply.text.as_deref(), Some(openai::DEFAULT_TEXT));
    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    let waited = calls[1].at - calls[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After is honoured: {waited:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_goes_to_the_next_provider_at_once() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    openai_fake.push(openai::Reply::RateLimited {
        retry_after_secs: 60,
    });
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), policy(3))
        .provider(yandex(&yandex_fake), policy(1))
        .build();

    let started = Instant::now();
    let reply = chain.complete(&question()).await.expect("yandex answers");
    assert_eq!(reply.provider, ProviderKind::YandexGpt);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!((openai_fake.call_count(), yandex_fake.call_count()), (1, 1));
}

#[tokio::test]
async fn a_server_error_falls_over_to_the_next_provider() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    openai_fake.push(openai::Reply::ServerError);
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), policy(0))
        .provider(yandex(&yandex_fake), policy(0))
        .build();

    let reply = chain.complete(&question()).await.expect("yandex answers");
    assert_eq!(reply.provider, ProviderKind::YandexGpt);
    assert_eq!(reply.text.as_deref(), Some(yandexgpt::DEFAULT_TEXT));
    assert_eq!((openai_fake.call_count(), yandex_fake.call_count()), (1, 1));
}

#[tokio::test]
async fn a_server_error_is_retried_on_the_same_provider_while_retries_remain() {
    let fake = FakeOpenAi::start().await.expect("fake openai");
    fake.push(openai::Reply::ServerError);
    let chain = Chain::builder(fast_chain())
        .provider(openai(&fake), policy(1))
        .build();

    let reply = chain.complete(&question()).await.expect("second try works");
    assert_eq!(reply.provider, ProviderKind::OpenAi);
    assert_eq!(fake.call_count(), 2);
}

#[tokio::test]
async fn a_timeout_falls_over_to_the_next_provider() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    openai_fake.push(openai::Reply::Delay(Duration::from_secs(5)));
    let slow_policy = ProviderPolicy {
        timeout: Duration::from_millis(300),
        ..policy(0)
    };
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), slow_policy)
        .provider(yandex(&yandex_fake), policy(0))
        .build();

    let started = Instant::now();
    let reply = chain.complete(&question()).await.expect("yandex answers");
    assert_eq!(reply.provider, ProviderKind::YandexGpt);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((openai_fake.call_count(), yandex_fake.call_count()), (1, 1));
}

#[tokio::test]
async fn the_http_timeout_of_the_settings_applies_without_a_chain() {
    let fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    fake.push(yandexgpt::Reply::Delay(Duration::from_secs(5)));
    let settings = YandexGptSettings {
        timeout: Duration::from_millis(300),
        ..yandex_settings(&fake, YANDEX_KEY)
    };
    let provider = YandexGptProvider::new(&settings).expect("provider");
    let err = provider.complete(&question()).await.expect_err("too slow");
    assert!(matches!(err, LlmError::Timeout), "{err:?}");
}

#[tokio::test]
async fn quota_exhausted_is_not_retried() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    for _ in 0..3 {
        openai_fake.push(openai::Reply::Quota);
    }
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), policy(3))
        .provider(yandex(&yandex_fake), policy(0))
        .build();

    let reply = chain.complete(&question()).await.expect("yandex answers");
    assert_eq!(reply.provider, ProviderKind::YandexGpt);
    assert_eq!(
        openai_fake.call_count(),
        1,
        "no retry on insufficient_quota"
    );

    let alone = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), policy(3))
        .build();
    let err = alone.complete(&question()).await.expect_err("no quota");
    assert!(
        matches!(&err, LlmError::Exhausted { attempts: 1, last: Some(last) } if matches!(**last, LlmError::QuotaExhausted)),
        "{err:?}"
    );
    assert_eq!(openai_fake.call_count(), 2);
}

#[tokio::test]
async fn a_content_filtered_reply_goes_to_the_next_provider() {
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    yandex_fake.push(yandexgpt::Reply::ContentFiltered);
    let chain = Chain::builder(fast_chain())
        .provider(yandex(&yandex_fake), policy(2))
        .provider(openai(&openai_fake), policy(0))
        .build();

    let reply = chain.complete(&question()).await.expect("openai answers");
    assert_eq!(reply.provider, ProviderKind::OpenAi);
    assert_eq!(yandex_fake.call_count(), 1);
}

/// A clock the test moves by hand, to step over a breaker's cooldown without sleeping.
struct ManualClock(Mutex<Instant>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[tokio::test]
async fn the_breaker_skips_a_failing_provider_then_half_opens_after_the_cooldown() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    for _ in 0..2 {
        openai_fake.push(openai::Reply::ServerError);
    }
    let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
    let breaking = ProviderPolicy {
        breaker: BreakerSettings {
            failure_threshold: 2,
            cooldown: Duration::from_secs(30),
        },
        ..policy(0)
    };
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), breaking)
        .provider(yandex(&yandex_fake), policy(0))
        .clock(clock.clone())
        .build();

    for turn in 1..=2 {
        let reply = chain.complete(&question()).await.expect("yandex answers");
        assert_eq!(reply.provider, ProviderKind::YandexGpt, "turn {turn}");
    }
    assert_eq!(openai_fake.call_count(), 2, "two failures open the circuit");

    for _ in 0..3 {
        let reply = chain.complete(&question()).await.expect("yandex answers");
        assert_eq!(reply.provider, ProviderKind::YandexGpt);
    }
    assert_eq!(openai_fake.call_count(), 2, "an open circuit sends nothing");
    assert_eq!(yandex_fake.call_count(), 5);

    clock.advance(Duration::from_secs(30));
    let reply = chain.complete(&question()).await.expect("the trial works");
    assert_eq!(
        reply.provider,
        ProviderKind::OpenAi,
        "half-open lets a trial through"
    );
    assert_eq!(openai_fake.call_count(), 3);

    let reply = chain.complete(&question()).await.expect("closed again");
    assert_eq!(reply.provider, ProviderKind::OpenAi);
    assert_eq!(yandex_fake.call_count(), 5);
}

#[tokio::test]
async fn attempts_never_exceed_the_budget() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    for _ in 0..10 {
        openai_fake.push(openai::Reply::ServerError);
        yandex_fake.push(yandexgpt::Reply::ServerError);
    }
    let chain = Chain::builder(ChainSettings {
        max_attempts: 3,
        ..fast_chain()
    })
    .provider(openai(&openai_fake), policy(5))
    .provider(yandex(&yandex_fake), policy(5))
    .build();

    let err = chain.complete(&question()).await.expect_err("all fail");
    assert!(
        matches!(err, LlmError::Exhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(openai_fake.call_count() + yandex_fake.call_count(), 3);
}

#[tokio::test]
async fn all_providers_failing_is_exhausted_with_the_last_error() {
    let openai_fake = FakeOpenAi::start().await.expect("fake openai");
    let yandex_fake = FakeYandexGpt::start(YANDEX_KEY)
        .await
        .expect("fake yandexgpt");
    openai_fake.push(openai::Reply::ServerError);
    yandex_fake.push(yandexgpt::Reply::RateLimited {
        retry_after_secs: 120,
    });
    let chain = Chain::builder(fast_chain())
        .provider(openai(&openai_fake), policy(0))
        .provider(yandex(&yandex_fake), policy(2))
        .build();

    let err = chain.complete(&question()).await.expect_err("all fail");
    let source = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        matches!(&err, LlmError::Exhausted { attempts: 2, last: Some(last) }
            if matches!(**last, LlmError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(120))),
        "{err:?}"
    );
    assert_eq!(
        source.as_deref(),
        Some("rate limited (retry after 120000 ms)")
    );
}
