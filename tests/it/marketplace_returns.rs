//! Shoppers' returns: WB claims and Ozon returns synced from the sandboxes, kept current by
//! incremental syncs, explained to a shopper who asks about one, and told unasked to the
//! shopper whose order it is when it is decided or refunded.

use std::collections::BTreeSet;

use otklik_sandbox::{OzonOptions, ReturnStage, SandboxOrder, SandboxReturn, Seller, WbOptions};
use otklik_schema::{AccountId, Marketplace, SyncKind};

use crate::assistant::say;
use crate::marketplace_sync::{Shop, noon_zone, shop, spec};

type Row = (String, String, String, Option<String>);

/// What a client should store for each served return: id, order, status, substatus.
fn served(market: Marketplace, returns: Vec<SandboxReturn>) -> BTreeSet<Row> {
    returns
        .into_iter()
        .map(|r| {
            let (status, substatus) = match market {
                Marketplace::Wb => {
                    let (decision, item, _) = r.stage.wb();
                    let decision = match decision {
                        0 => "pending",
                        1 => "rejected",
                        _ => "approved",
                    };
                    let item = match item {
                        0 => "under_review",
                        1 => "kept_rejected",
                        5 => "kept_approved",
                        _ => "returning_to_seller",
                    };
                    (decision.to_owned(), Some(item.to_owned()))
                }
                Marketplace::Ozon => (r.stage.ozon().1.to_owned(), Some("ClientReturn".to_owned())),
            };
            (r.external_id, r.order_ref, status, substatus)
        })
        .collect()
}

async fn stored(shop: &Shop, account: AccountId) -> BTreeSet<Row> {
    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        external_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        order_ref: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        substatus: Option<String>,
    }
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "SELECT external_id, order_ref, status, substatus FROM returns WHERE account_id = {account}"
    ))
    .load::<Stored>(&mut shop.app.db().await)
    .await
    .expect("returns")
    .into_iter()
    .map(|r| (r.external_id, r.order_ref, r.status, r.substatus))
    .collect()
}

/// A delivered order of the marketplace without a return yet.
fn delivered(orders: Vec<SandboxOrder>, returns: &[SandboxReturn], fbs_only: bool) -> String {
    orders
        .into_iter()
        .filter(|o| !fbs_only || o.fulfilment == "fbs")
        .find(|o| {
            returns
                .iter()
                .all(|r| !r.order_ref.ends_with(&o.external_id))
        })
        .map(|o| o.external_id)
        .expect("an order to return")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_sync_from_both_marketplaces_and_follow_their_changes() {
    let wb_options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(
        Seller::generate(spec(3000)),
        wb_options,
        OzonOptions::default(),
        false,
    )
    .await;
    let wb = shop.connect(Marketplace::Wb).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.sync(wb, SyncKind::Full).await.expect("WB full sync");
    shop.sync(ozon, SyncKind::Full)
        .await
        .expect("Ozon full sync");

    let wb_served = served(Marketplace::Wb, shop.wb.returns());
    let ozon_served = served(Marketplace::Ozon, shop.ozon.returns());
    assert!(
        !wb_served.is_empty() && ozon_served.len() > 20,
        "the sandboxes have returns"
    );
    assert_eq!(stored(&shop, wb).await, wb_served);
    assert_eq!(stored(&shop, ozon).await, ozon_served);

    // A shopper files a claim, and a pending one is decided; on Ozon likewise.
    let order = delivered(shop.wb.orders(), &shop.wb.returns(), true);
    let claim = shop.wb.open_return(&order).expect("claim opened");
    let pending = shop
        .ozon
        .returns()
        .into_iter()
        .find(|r| r.stage == ReturnStage::Pending)
        .map(|r| r.external_id);
    let decided_ozon = pending.unwrap_or_else(|| shop.ozon.returns()[0].external_id.clone());
    assert!(
        shop.ozon
            .decide_return(&decided_ozon, ReturnStage::Refunded)
    );
    let posting = delivered(shop.ozon.orders(), &shop.ozon.returns(), false);
    shop.ozon.open_return(&posting).expect("return opened");
    assert!(shop.wb.decide_return(&claim, ReturnStage::Approved));

    shop.sync(wb, SyncKind::Incremental)
        .await
        .expect("WB incremental");
    shop.sync(ozon, SyncKind::Incremental)
        .await
        .expect("Ozon incremental");
    assert_eq!(
        stored(&shop, wb).await,
        served(Marketplace::Wb, shop.wb.returns())
    );
    assert_eq!(
        stored(&shop, ozon).await,
        served(Marketplace::Ozon, shop.ozon.returns())
    );
    assert!(
        stored(&shop, ozon)
            .await
            .iter()
            .any(|(id, _, status, _)| *id == decided_ozon && status == "MoneyReturned")
    );
    assert_eq!(shop.wb.limited(), 0, "WB's returns limit was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assistant_says_where_a_return_stands() {
    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(Seller::demo(), options, OzonOptions::default(), true).await;
    let account = shop.connect(Marketplace::Wb).await;
    let claim = shop
        .wb
        .open_return("1456789014")
        .expect("claim on a demo order");
    assert!(shop.wb.decide_return(&claim, ReturnStage::Approved));
    shop.sync(account, SyncKind::Full).await.expect("sync");

    let reply = say(
        &shop.app,
        1,
        "Добрый день! Что с моим возвратом по заказу 1456789014?",
    )
    .await;
    assert!(
        reply.starts_with("Заявка на возврат по заказу 1456789014 («"),
        "{reply}"
    );
    assert!(
        reply.contains("одобрена") && reply.contains("вернуть товар продавцу"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shopper_hears_once_when_their_return_is_approved_and_again_when_refunded() {
    use diesel_async::RunQueryDsl;

    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(Seller::demo(), options, OzonOptions::default(), true).await;
    diesel::sql_query(format!(
        "UPDATE tenants SET timezone = '{}' WHERE id = {}",
        noon_zone(),
        shop.app.tenant.tenant_id()
    ))
    .execute(&mut shop.app.db().await)
    .await
    .expect("time zone");
    let account = shop.connect(Marketplace::Wb).await;
    shop.sync(account, SyncKind::Full).await.expect("sync");

    // The shopper proves the order theirs (its product), then files a return at WB.
    let proven = say(
        &shop.app,
        1,
        "Заказ 1456789013, пуховик женский. Где он сейчас?",
    )
    .await;
    assert!(proven.contains("1456789013"), "{proven}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let claim = shop.wb.open_return("1456789013").expect("claim opened");
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        shop.app.telegram.sent().len(),
        1,
        "a pending claim is not news"
    );

    assert!(shop.wb.decide_return(&claim, ReturnStage::Approved));
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    let sent = shop.app.expect_replies(2).await;
    let news = crate::assistant::text(&sent[1]);
    assert!(
        news.starts_with("Новости по вашему заказу.")
            && news.contains("1456789013")
            && news.contains("одобрена"),
        "{news}"
    );

    // A sync that finds nothing new tells nothing; the refund is news of its own.
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(shop.app.telegram.sent().len(), 2, "told once");
    assert!(shop.wb.decide_return(&claim, ReturnStage::Refunded));
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    let sent = shop.app.expect_replies(3).await;
    let refunded = crate::assistant::text(&sent[2]);
    assert!(refunded.contains("1456789013"), "{refunded}");
    assert_ne!(refunded, news);
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(shop.app.telegram.sent().len(), 3, "each stage once");
}
