//! Dead letters page like every other list: `limit`, `cursor`, `next_cursor`, newest first, each
//! letter once, only the shop's own.

use std::collections::HashSet;

use otklik_jobs::Queue;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_auth::{api, get, post, shop, token};
use crate::admin_keys::bury;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_come_a_page_at_a_time() {
    let app = api().await;
    app.expect_dead_letters();
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("mertvye", "a@mertvye.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let tenant = owner["user"]["tenant_id"].as_i64().expect("tenant");
    // Five of ours, two of them dying in the same second, and one of another shop.
    for (id, died_at) in [
        ("turn-1", 1_000),
        ("turn-2", 2_000),
        ("turn-3", 3_000),
        ("turn-3b", 3_000),
        ("turn-4", 4_000),
    ] {
        let payload = json!({"tenant_id": tenant, "conversation_id": 1});
        bury(&app, Queue::Turns, id, &payload, died_at).await;
    }
    let payload = json!({"tenant_id": app.tenant.tenant_id().0, "conversation_id": 2});
    bury(&app, Queue::Turns, "turn-other", &payload, 5_000).await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/dead-letters?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = get(&app, &path, Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{page}");
        seen.extend(
            items
                .iter()
                .filter_map(|l| l["id"].as_str().map(str::to_owned)),
        );
        pages += 1;
        match &page["next_cursor"] {
            Value::String(cursor) => {
                path = format!("/api/v1/dead-letters?limit=2&cursor={cursor}");
            }
            Value::Null => break,
            other => panic!("next_cursor {other}"),
        }
        assert!(pages < 10, "the cursor goes somewhere");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["turn-4", "turn-3", "turn-3b", "turn-2", "turn-1"],
        "newest first, ties by id, each once"
    );
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);

    let (_, all) = get(&app, "/api/v1/dead-letters", Some(&admin)).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(5), "{all}");
    assert_eq!(all["next_cursor"], Value::Null);
    for bad in ["limit=0", "limit=101"] {
        let (status, body) = get(&app, &format!("/api/v1/dead-letters?{bad}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = get(&app, "/api/v1/dead-letters?cursor=garbage", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
