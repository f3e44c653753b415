//! Knowledge found by meaning as well as by text when an embeddings provider is configured:
//! articles are embedded once per version, drafts never, and an embeddings outage leaves
//! the full-text search answering alone.

use otklik_tests::openai::{EmbeddingsReply, FakeOpenAi};

use crate::assistant::{json_of, say, shop_with};
use crate::support::{Options, TestApp};

async fn shop_with_embeddings() -> (TestApp, FakeOpenAi) {
    let provider = FakeOpenAi::start().await.expect("start the fake provider");
    let app = shop_with(Options {
        env: vec![
            ("OTKLIK_EMBEDDINGS_BASE_URL", provider.url()),
            ("OTKLIK_EMBEDDINGS_MODEL", "embed-test".to_owned()),
            // The fake's word-count vectors are less similar than a real model's.
            ("OTKLIK_EMBEDDINGS_MIN_SIMILARITY", "0.1".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    (app, provider)
}

fn inputs(call: &otklik_tests::openai::Call) -> usize {
    call.body["input"].as_array().map_or(0, Vec::len)
}

const RETURN_POLICY: &str = "Вернуть товар надлежащего качества можно в течение 21 дня";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_articles_are_embedded_once_and_drafts_never() {
    let (app, provider) = shop_with_embeddings().await;
    let reply = say(&app, 1, "Как вернуть пуховик? Не подошёл по размеру").await;
    assert!(reply.starts_with(RETURN_POLICY), "{reply}");

    let calls = provider.embedding_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].body["model"], "embed-test");
    assert_eq!(
        inputs(&calls[0]),
        9,
        "the question and the eight approved articles"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM knowledge_embeddings WHERE model = 'embed-test'")
            .await,
        8
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM knowledge_embeddings e
             JOIN knowledge_articles a ON a.id = e.article_id WHERE a.status <> 'approved'"
        )
        .await,
        0,
        "drafts are never embedded"
    );
    let usage = json_of(
        &app,
        "SELECT details AS value FROM usage_events
         WHERE kind = 'llm_tokens' AND details->>'provider' = 'embeddings'",
    )
    .await;
    assert_eq!(usage["model"], "embed-test");
    assert!(
        usage["prompt_tokens"].as_u64().unwrap_or_default() > 0,
        "{usage}"
    );

    // The next question embeds only itself.
    say(&app, 2, "А обменять на другой размер можно?").await;
    let calls = provider.embedding_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(inputs(&calls[1]), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embeddings_outage_leaves_the_text_search_answering() {
    let (app, provider) = shop_with_embeddings().await;
    provider.push_embeddings(EmbeddingsReply::ServerError);
    let reply = say(&app, 1, "Как вернуть пуховик? Не подошёл по размеру").await;
    assert!(reply.starts_with(RETURN_POLICY), "{reply}");
    assert_eq!(provider.embedding_calls().len(), 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM knowledge_embeddings")
            .await,
        0
    );
}
