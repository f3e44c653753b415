use std::time::Duration;

use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_db::TenantScope;
use otklik_db::channels::Channel;
use otklik_db::conversations::{self, NewInbound, TurnLease};
use otklik_db::messages::{self, ToSend};
use otklik_schema::{ChannelKind, MessageId};
use serde_json::json;

use crate::support::{admin_url, fresh_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_once() {
    let name = format!("m_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&format!("{}/postgres", admin_url()))
        .await
        .expect("admin");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create");
    let url = format!("{}/{name}", admin_url());
    // Two processes migrating at once, as two deploys might.
    let first = tokio::spawn({
        let url = url.clone();
        async move { otklik_db::run_migrations(&url).await }
    });
    let second = tokio::spawn({
        let url = url.clone();
        async move { otklik_db::run_migrations(&url).await }
    });
    let (a, b) = (first.await.expect("join"), second.await.expect("join"));
    let (a, b) = (a.expect("first migrate"), b.expect("second migrate"));
    assert!(
        a.is_empty() != b.is_empty(),
        "one run applies every migration, the other none: {a:?} {b:?}"
    );
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
}

/// A fresh database with two tenants; the first has a web-chat channel.
async fn two_tenants() -> (AsyncPgConnection, TenantScope, TenantScope, Channel) {
    let url = fresh_database().await;
    let mut conn = AsyncPgConnection::establish(&url).await.expect("connect");
    let shop = otklik_db::tenants::create(&mut conn, "Shop", "shop")
        .await
        .expect("tenant");
    let other = otklik_db::tenants::create(&mut conn, "Other", "other")
        .await
        .expect("tenant");
    let channel = otklik_db::channels::create(
        &mut conn,
        shop,
        ChannelKind::Webchat,
        "site",
        &otklik_db::sealed::Sealed::none(),
    )
    .await
    .expect("channel");
    (conn, shop, other, channel)
}

/// A web-chat visitor's message on `channel`.
fn from_visitor<'a>(channel: &Channel, external_id: &'a str, body: &'a str) -> NewInbound<'a> {
    NewInbound {
        channel_id: channel.id,
        customer_external_id: "visitor-1",
        customer_name: "",
        customer_username: None,
        chat_id: "visitor-1",
        external_id,
        body,
        attachments: json!([]),
        reply_token: None,
        reply_due_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_never_cross_tenants() {
    let (mut conn, shop, other, channel) = two_tenants().await;
    let message = from_visitor(&channel, "m-1", "Здравствуйте");
    let recorded = conversations::record_inbound(&mut conn, shop, &message)
        .await
        .expect("record");
    assert!(recorded.message_id.is_some() && recorded.unanswered);
    let last_message_at = async |conn: &mut AsyncPgConnection| {
        use otklik_schema::schema::conversations::dsl;
        dsl::conversations
            .filter(dsl::id.eq(recorded.conversation_id))
            .select(dsl::last_message_at)
            .first::<chrono::DateTime<chrono::Utc>>(conn)
            .await
            .expect("the conversation")
    };
    let first = last_message_at(&mut conn).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = conversations::record_inbound(&mut conn, shop, &message)
        .await
        .expect("record again");
    assert_eq!(
        (again.message_id, again.unanswered),
        (None, true),
        "a duplicate is recognised"
    );
    // A marketplace poll sees the same question every minute: the conversation did not move.
    assert_eq!(
        last_message_at(&mut conn).await,
        first,
        "a duplicate is not news"
    );

    // The other tenant sees nothing and can change nothing.
    assert!(
        conversations::unanswered(&mut conn, other, recorded.conversation_id)
            .await
            .expect("query")
            .is_empty()
    );
    let lease = conversations::acquire_turn(
        &mut conn,
        other,
        recorded.conversation_id,
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(lease.expect("query"), TurnLease::Missing));
    let message_id = recorded.message_id.unwrap_or(MessageId(0));
    assert!(matches!(
        messages::to_send(&mut conn, other, message_id, Duration::from_secs(5))
            .await
            .expect("query"),
        ToSend::Missing
    ));
    assert_eq!(
        messages::claim(&mut conn, other, message_id, Duration::from_secs(5))
            .await
            .expect("query"),
        None
    );

    // Its own tenant gets the turn, once.
    let lease = conversations::acquire_turn(
        &mut conn,
        shop,
        recorded.conversation_id,
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(lease.expect("query"), TurnLease::Acquired(_)));
    let second = conversations::acquire_turn(
        &mut conn,
        shop,
        recorded.conversation_id,
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(second.expect("query"), TurnLease::Busy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_refuses_rows_that_point_at_another_tenant() {
    let (mut conn, _shop, other, channel) = two_tenants().await;
    let crossed = diesel::sql_query(format!(
        "INSERT INTO customers (tenant_id, channel_id, external_id) VALUES ({}, {}, 'x')",
        other.tenant_id(),
        channel.id
    ))
    .execute(&mut conn)
    .await;
    let err = crossed.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("foreign key"), "{err}");
}

/// The hot path's raw statements are prepared once per connection and reused: recording ten
/// messages prepares the recording statement once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_path_statements_are_prepared_once_per_connection() {
    #[derive(diesel::QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        statements: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        recording: i64,
    }
    let prepared = async |conn: &mut AsyncPgConnection| {
        diesel::sql_query(
            "SELECT count(*) AS statements,
                    -- Spelled in two parts so that this statement does not count itself.
                    count(*) FILTER (WHERE statement LIKE '%INSERT INTO ' || 'customers%')
                        AS recording
             FROM pg_prepared_statements",
        )
        .get_result::<Prepared>(conn)
        .await
        .expect("prepared statements")
    };
    let (mut conn, shop, _, channel) = two_tenants().await;
    let before = prepared(&mut conn).await;
    for n in 0..10 {
        let external_id = format!("m-{n}");
        let message = from_visitor(&channel, &external_id, "Где мой заказ?");
        conversations::record_inbound(&mut conn, shop, &message)
            .await
            .expect("record");
    }
    let after = prepared(&mut conn).await;
    assert_eq!(after.recording, 1, "one prepared recording statement");
    assert!(
        after.statements <= before.statements + 1,
        "nothing else was prepared: {} → {}",
        before.statements,
        after.statements
    );
}
