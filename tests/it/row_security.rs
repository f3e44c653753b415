//! Row-level security, the second wall behind the admin API's query scoping: a connection from
//! the tenant pool sees and writes only its tenant's rows even when a query names no tenant.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_db::{TenantPool, TenantScope, tenants};

use reqwest::StatusCode;

use crate::admin_live::shop;
use crate::support::{TestApp, count, fresh_database, tenant_url};

async fn add_quick_replies(conn: &mut AsyncPgConnection, tenant: TenantScope, titles: &[&str]) {
    for title in titles {
        diesel::sql_query(
            "INSERT INTO quick_replies (tenant_id, title, text) VALUES ($1, $2, 'Текст')",
        )
        .bind::<diesel::sql_types::BigInt, _>(tenant.tenant_id().0)
        .bind::<diesel::sql_types::Text, _>(*title)
        .execute(conn)
        .await
        .expect("a quick reply");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_pool_sees_and_writes_only_its_own_tenant() {
    let url = fresh_database().await;
    let mut owner = AsyncPgConnection::establish(&url).await.expect("connect");
    let a = tenants::create(&mut owner, "Магазин А", "shop-a")
        .await
        .expect("tenant a");
    let b = tenants::create(&mut owner, "Магазин Б", "shop-b")
        .await
        .expect("tenant b");
    add_quick_replies(&mut owner, a, &["Доставка", "Возврат"]).await;
    add_quick_replies(&mut owner, b, &["Оплата", "Размеры", "Гарантия"]).await;

    // One connection, so the second checkout reuses the first one's session.
    let pool =
        TenantPool::build(&tenant_url(&url), 1, Duration::from_secs(5)).expect("tenant pool");
    {
        let mut conn = pool.get(a).await.expect("a's connection");
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM quick_replies").await,
            2
        );
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM tenants").await,
            1
        );
        let renamed = diesel::sql_query("UPDATE quick_replies SET title = 'Переименовано'")
            .execute(&mut *conn)
            .await
            .expect("an unscoped update");
        assert_eq!(renamed, 2, "only a's rows are visible to change");
        let deleted =
            diesel::sql_query("DELETE FROM quick_replies WHERE tenant_id <> current_tenant_id()")
                .execute(&mut *conn)
                .await
                .expect("a delete aimed at others");
        assert_eq!(deleted, 0);
        let foreign = diesel::sql_query(
            "INSERT INTO quick_replies (tenant_id, title, text) VALUES ($1, 'Чужой', 'Текст')",
        )
        .bind::<diesel::sql_types::BigInt, _>(b.tenant_id().0)
        .execute(&mut *conn)
        .await;
        let err = foreign
            .expect_err("a row for another tenant is refused")
            .to_string();
        assert!(err.contains("row-level security"), "{err}");
        let global = diesel::sql_query("SELECT count(*) AS n FROM billing_runs")
            .execute(&mut *conn)
            .await;
        let err = global
            .expect_err("cross-tenant tables are out of reach")
            .to_string();
        assert!(err.contains("permission denied"), "{err}");
    }
    {
        let mut conn = pool.get(b).await.expect("b's connection");
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM quick_replies").await,
            3
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM quick_replies WHERE title = 'Переименовано'"
            )
            .await,
            0
        );
    }
    // The owner (workers, sign-in) is not restricted, and b's rows are as they were.
    assert_eq!(
        count(&mut owner, "SELECT count(*) AS n FROM quick_replies").await,
        5
    );
    let untouched = format!(
        "SELECT count(*) AS n FROM quick_replies WHERE tenant_id = {} \
         AND title IN ('Оплата', 'Размеры', 'Гарантия')",
        b.tenant_id().0
    );
    assert_eq!(count(&mut owner, &untouched).await, 3);
}

/// A table that holds tenants' rows and is not behind a forced policy would be a hole in the
/// wall; so would a table the restricted role may touch without row security.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_table_is_behind_row_security() {
    #[derive(diesel::QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let url = fresh_database().await;
    let mut conn = AsyncPgConnection::establish(&url).await.expect("connect");
    let exposed = diesel::sql_query(
        "SELECT c.relname::TEXT AS name FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' \
         WHERE c.relkind = 'r' \
           AND (EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid \
                        AND a.attname = 'tenant_id' AND NOT a.attisdropped) \
                OR has_table_privilege('otklik_tenant', c.oid, 'SELECT, INSERT, UPDATE, DELETE')) \
           AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity \
                OR NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid)) \
         ORDER BY 1",
    )
    .load::<Table>(&mut conn)
    .await
    .expect("catalog");
    let names: Vec<String> = exposed.into_iter().map(|t| t.name).collect();
    assert!(
        names.is_empty(),
        "tables outside row-level security: {names:?}"
    );
}

/// The admin API's handlers really run as the restricted role: take that role's right to read
/// quick replies away and the list fails; give it back and the list answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_runs_as_the_restricted_role() {
    let app = TestApp::start().await;
    let (token, _) = shop(&app, "rls-wired").await;
    let list = || async {
        app.http
            .get(format!("{}/api/v1/quick-replies", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list quick replies")
            .status()
    };
    assert_eq!(list().await, StatusCode::OK);
    let mut owner = app.db().await;
    diesel::sql_query("REVOKE SELECT ON quick_replies FROM otklik_tenant")
        .execute(&mut owner)
        .await
        .expect("revoke");
    assert!(list().await.is_server_error());
    diesel::sql_query("GRANT SELECT ON quick_replies TO otklik_tenant")
        .execute(&mut owner)
        .await
        .expect("grant");
    assert_eq!(list().await, StatusCode::OK);
}

/// The search function reads the index as the owner, so it must keep to the connection's
/// tenant whatever tenant it is asked about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_function_keeps_to_the_connections_tenant() {
    let app = TestApp::start().await;
    let (token, other) = shop(&app, "rls-search").await;
    let channel = app
        .http
        .post(format!("{}/api/v1/channels/webchat", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Сайт"}))
        .send()
        .await
        .expect("a web chat")
        .json::<serde_json::Value>()
        .await
        .expect("the channel");
    let other = TenantScope::trusted(other);
    otklik_db::conversations::record_inbound(
        &mut app.db().await,
        other,
        &otklik_db::conversations::NewInbound {
            channel_id: otklik_schema::ChannelId(channel["id"].as_i64().expect("channel id")),
            customer_external_id: "visitor",
            customer_name: "Покупатель",
            customer_username: None,
            chat_id: "visitor",
            external_id: "m-1",
            body: "Хочу вернуть гироскутер",
            attachments: serde_json::json!([]),
            reply_token: None,
            reply_due_at: None,
        },
    )
    .await
    .expect("a shopper message");
    let url = {
        use secrecy::ExposeSecret;
        app.config.database_url.expose_secret().to_owned()
    };
    let pool =
        TenantPool::build(&tenant_url(&url), 1, Duration::from_secs(5)).expect("tenant pool");
    let asked = format!(
        "SELECT count(*) AS n FROM conversations_matching({}, 'гироскутер', NULL)",
        other.tenant_id().0
    );
    let mut own = pool.get(other).await.expect("the other shop's connection");
    assert_eq!(count(&mut own, &asked).await, 1);
    drop(own);
    let mut stranger = pool
        .get(app.tenant)
        .await
        .expect("the test shop's connection");
    assert_eq!(
        count(&mut stranger, &asked).await,
        0,
        "another shop's messages stay hidden"
    );
}

/// The admin API's connections log in as the restricted role itself: nothing they run can
/// become the service's role, which row security does not bind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_login_has_no_way_back_to_the_service_role() {
    #[derive(diesel::QueryableByName)]
    struct Who {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let url = fresh_database().await;
    let mut owner = AsyncPgConnection::establish(&url).await.expect("connect");
    let a = tenants::create(&mut owner, "Магазин А", "shop-a")
        .await
        .expect("tenant a");
    let pool =
        TenantPool::build(&tenant_url(&url), 1, Duration::from_secs(5)).expect("tenant pool");
    let mut conn = pool.get(a).await.expect("a's connection");
    for escape in [
        "RESET ROLE",
        "SET ROLE otklik",
        "SET SESSION AUTHORIZATION otklik",
    ] {
        let _ = diesel::sql_query(escape).execute(&mut *conn).await;
        let who = diesel::sql_query("SELECT current_user::TEXT AS name")
            .get_result::<Who>(&mut *conn)
            .await
            .expect("who");
        assert_eq!(who.name, "otklik_tenant", "after {escape}");
    }
    // The service's own login is refused as a tenant pool: the wall cannot be lifted by a
    // misconfigured URL.
    let wrong = TenantPool::build(&url, 1, Duration::from_secs(5)).expect("pool");
    assert!(wrong.get(a).await.is_err(), "the owner's login is refused");
}

/// A connection of the restricted role that named no tenant reads nothing: policies and the
/// search function refuse to run instead of reading the tenant as NULL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_a_tenant_is_refused() {
    let url = fresh_database().await;
    let mut owner = AsyncPgConnection::establish(&url).await.expect("connect");
    let a = tenants::create(&mut owner, "Магазин А", "shop-a")
        .await
        .expect("tenant a");
    add_quick_replies(&mut owner, a, &["Доставка"]).await;
    let mut bare = AsyncPgConnection::establish(&tenant_url(&url))
        .await
        .expect("the restricted login");
    for query in [
        "SELECT count(*) AS n FROM quick_replies".to_owned(),
        format!(
            "SELECT count(*) AS n FROM conversations_matching({}, 'доставка', NULL)",
            a.tenant_id().0
        ),
    ] {
        let err = diesel::sql_query(&query)
            .execute(&mut bare)
            .await
            .expect_err("no tenant named");
        assert!(
            err.to_string().contains("no_tenant_named"),
            "{query}: {err}"
        );
    }
    diesel::sql_query("SELECT set_config('otklik.tenant_id', '', false)")
        .execute(&mut bare)
        .await
        .expect("an empty tenant");
    assert!(
        diesel::sql_query("SELECT count(*) AS n FROM quick_replies")
            .execute(&mut bare)
            .await
            .is_err(),
        "an empty tenant is no tenant"
    );
    // The service's role keeps working across tenants under the forced policies.
    assert_eq!(
        count(&mut owner, "SELECT count(*) AS n FROM quick_replies").await,
        1
    );
}
