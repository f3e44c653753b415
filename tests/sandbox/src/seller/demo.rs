//! The fixed records of the demo shop: the dialogues in the demo script ask about exactly
//! these orders and products, so their ids, titles and statuses never change.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::SellerData;
use super::catalog::{self, Fixed, OzonItem, WbCard};
use super::lifecycle::{Life, OZON_FBS_DELIVERED, WB_FBS_SOLD};
use super::orders::{Posting, WbOrder};
use super::shoppers::{Author, WbEvent, demo_good_card};

const DEMO_CUSTOMER: u32 = 12_345_678;

/// Ozon order numbers of the demo postings, kept out of generated ones.
pub(super) fn reserved_ozon_numbers() -> HashSet<(u32, u32)> {
    HashSet::from([(DEMO_CUSTOMER, 12), (DEMO_CUSTOMER, 13)])
}

pub(super) fn add(data: &mut SellerData, now: DateTime<Utc>) {
    let coat = data.products.len();
    data.products.push(catalog::fixed(
        Fixed {
            subject: "Пуховики",
            title: "Пуховик женский удлинённый",
            brand: "Север",
            vendor_code: "PUH-01",
            price: 8990,
            sizes: &[
                ("S", 239_485_711, 2),
                ("M", 239_485_712, 5),
                ("L", 239_485_713, 0),
                ("XL", 239_485_714, 0),
            ],
            wb: Some(WbCard {
                nm_id: 139_204_857,
                imt_id: 121_857_330,
                uuid: 0x0190_2f4c_8a11_7c3e_9d52_4b6a_0e71_c3f8,
            }),
            ozon: None,
        },
        2_041_902_048_570,
        now,
    ));
    let sneakers = data.products.len();
    data.products.push(catalog::fixed(
        Fixed {
            subject: "Кеды",
            title: "Кеды детские на липучках",
            brand: "Север",
            vendor_code: "KED-22",
            price: 2490,
            sizes: &[("0", 239_485_720, 0)],
            wb: None,
            ozon: Some(OzonItem {
                product_id: 419_283_746,
                sku: 51_928_374,
                fbo_stock: 0,
                reserved: 0,
            }),
        },
        2_041_902_048_580,
        now,
    ));

    let hours = Duration::hours;
    let wb_orders = [
        (1_456_789_012, 4, 1, hours(96), hours(6)),
        (1_456_789_013, 1, 0, hours(10), hours(2)),
        (1_456_789_014, 3, 1, hours(48), hours(8)),
    ];
    for (id, step, size, age, since_change) in wb_orders {
        data.wb_fbs.push(WbOrder {
            id,
            key: 0x7d3a_5c21_e8f0_4b19_a6c2_0000_0000_0000 | u128::from(id),
            fbw: false,
            product: coat,
            size,
            city: 0,
            warehouse: 0,
            spp: 0,
            life: Life::at(&WB_FBS_SOLD, step, now - age, now - since_change),
        });
    }

    let postings = [(12, 4, hours(72), hours(5)), (13, 0, hours(3), hours(3))];
    for (seq, step, age, since_change) in postings {
        let mut life = Life::at(&OZON_FBS_DELIVERED, step, now - age, now - since_change);
        if step == 0 {
            // The demo shows a fresh posting Ozon has not given a sub-status yet.
            life.plant("awaiting_packaging", None, now - since_change);
        }
        data.counters.posting_id += 1;
        data.ozon_fbs.push(Posting {
            id: data.counters.posting_id,
            order_id: 33_012_345_600 + u64::from(seq),
            customer: DEMO_CUSTOMER,
            seq,
            part: 1,
            fbo: false,
            product: sneakers,
            quantity: 1,
            city: 0,
            warehouse: 0,
            life,
        });
    }
}

/// Ids of the demo conversations, fixed so the demo script can name them.
const DEMO_QUESTION_ID: &str = "nVbR5ZQBpuh01M170sz3";
const DEMO_WB_CHAT_ID: &str = "1:0190f3a2-5c1d-7e4b-9a86-d2c4b7e1f305";
const DEMO_OZON_CHAT_ID: &str = "5e767a03-b400-4a1b-a841-75319ca8a5c8";
const DEMO_ANSWERED_CHAT_ID: &str = "1:0190f3a2-77aa-7d10-8c2e-51b7a0c4d9e2";
const DEMO_OZON_QUESTION_ID: &str = "0193a1c4-2b7e-7f31-9a0c-5d8e1f2a3b4c";
const DEMO_OZON_REVIEW_ID: &str = "0193a1c4-3c8f-7a42-8b1d-6e9f2a3b4c5d";
const DEMO_REVIEW_ID: &str = "pUh01RvW5StaRsM46sZx";

/// The demo inbox's marketplace conversations: a size question on the coat, a WB shopper
/// asking where order 1456789013 is (its `goodCard` names it), an Ozon shopper asking about
/// `12345678-0012-1`, a WB chat the seller already answered in WB's cabinet (no draft for
/// it), a happy review of the coat, and an Ozon question and a review of the sneakers.
pub(super) fn add_shoppers(data: &mut SellerData, now: DateTime<Utc>) {
    data.add_question(
        Some(DEMO_QUESTION_ID),
        139_204_857,
        "Здравствуйте! Подскажите, пожалуйста, подойдёт ли размер M при росте 170 см? \
         Обычно ношу 44–46 размер, хочется, чтобы пуховик сел свободно.",
        now - Duration::minutes(40),
    );
    let good = demo_good_card(data, 1_456_789_013);
    data.wb_buyer_writes(
        Some(DEMO_WB_CHAT_ID),
        "Марина",
        good,
        "Здравствуйте! Подскажите, пожалуйста, где сейчас мой заказ 1456789013? \
         Хотелось бы понять, когда его ждать.",
        (now - Duration::minutes(25)).timestamp_millis(),
    );
    data.ozon_writes(
        Some(DEMO_OZON_CHAT_ID),
        Some("12345678-0012-1"),
        Author::Buyer,
        "Добрый день! Подскажите, пожалуйста, когда отправление 12345678-0012-1 приедет \
         в пункт выдачи? Кеды нужны ребёнку к понедельнику.",
        now - Duration::minutes(15),
    );
    let good = demo_good_card(data, 1_456_789_014);
    let asked = (now - Duration::minutes(50)).timestamp_millis();
    data.wb_buyer_writes(
        Some(DEMO_ANSWERED_CHAT_ID),
        "Ольга",
        good,
        "Добрый день! Пуховик можно стирать в машинке?",
        asked,
    );
    let chat = data.shoppers.wb_chats.len() - 1;
    data.insert_wb_event(WbEvent {
        chat,
        id: "6c0e2f41-9d3a-4b7e-a1f5-0c8d2e4b6a19".to_owned(),
        at_ms: asked + 20 * 60_000,
        author: Author::Seller,
        source: "seller-portal",
        text: "Здравствуйте! Да, в деликатном режиме при 30 градусах, с мячиками для стирки, \
               чтобы пух не сбился."
            .to_owned(),
        new_chat: false,
        files: Vec::new(),
    });
    data.add_feedback(
        Some(DEMO_REVIEW_ID),
        139_204_857,
        "Не пожалела ни капли! Тёплый, лёгкий, в минус 25 гуляла с собакой и не замёрзла. \
         Брала M на рост 168 — сел отлично.",
        5,
        now - Duration::minutes(35),
    );
    data.add_ozon_question(
        Some(DEMO_OZON_QUESTION_ID),
        51_928_374,
        "Здравствуйте! Кеды идут в размер? Длина стопы у сына 19 см.",
        now - Duration::minutes(30),
    );
    data.add_ozon_review(
        Some(DEMO_OZON_REVIEW_ID),
        51_928_374,
        "Липучки держат плохо, через неделю перестали цепляться. Ребёнок расстроен.",
        2,
        now - Duration::minutes(20),
    );
}
