//! Shoppers' returns: WB claims on delivered FBS orders of the last two weeks, Ozon returns on
//! delivered postings. Each moves through a few stages a seller sees; tests open and decide
//! them while the servers run.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{Marketplace, SellerData, parse_posting_number};

/// Where a return stands, in terms both marketplaces can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnStage {
    /// Waiting for the seller's decision.
    Pending,
    /// Approved; the item travels back.
    Approved,
    /// The shopper has the money back.
    Refunded,
    Rejected,
}

impl ReturnStage {
    /// WB `status`, `status_ex` and `wb_comment`.
    pub fn wb(self) -> (u8, u8, Option<&'static str>) {
        match self {
            Self::Pending => (0, 0, None),
            Self::Approved => (
                2,
                10,
                Some(
                    "Продавец одобрил вашу заявку. Для возврата средств необходимо вернуть товар продавцу.",
                ),
            ),
            Self::Refunded => (
                2,
                5,
                Some(
                    "Продавец одобрил вашу заявку, товар остаётся у вас. Деньги вернутся на карту, которой оплачен заказ.",
                ),
            ),
            Self::Rejected => (
                1,
                1,
                Some("Продавец отклонил заявку: по фотографиям не удалось подтвердить брак."),
            ),
        }
    }

    /// Ozon `visual.status`: `id`, `sys_name`, `display_name`.
    pub fn ozon(self) -> (u32, &'static str, &'static str) {
        match self {
            Self::Pending => (1, "OnSellerApproval", "На согласовании у продавца"),
            Self::Approved => (5, "MovingToSeller", "Едет к продавцу"),
            Self::Refunded => (7, "MoneyReturned", "Покупателю вернули всю сумму"),
            Self::Rejected => (9, "Rejected", "Отклонено продавцом"),
        }
    }

    pub fn decided(self) -> bool {
        self != Self::Pending
    }
}

pub(crate) const REASONS: &[&str] = &[
    "Не подошёл размер",
    "Цвет не соответствует фотографии",
    "Брак: разошёлся шов",
    "Товар не понравился",
    "Пришёл не тот товар",
];

/// One return. `order_ref` is what the marketplace names the order by in returns: WB `srid`
/// (an FBS order's `rid`), Ozon posting number.
pub(crate) struct Return {
    pub(crate) id: u64,
    pub(crate) market: Marketplace,
    pub(crate) order_ref: String,
    pub(crate) product: usize,
    pub(crate) reason: &'static str,
    pub(crate) stage: ReturnStage,
    pub(crate) price: u32,
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) changed_at: DateTime<Utc>,
}

impl Return {
    /// WB claim ids are UUIDs.
    pub(crate) fn wb_id(&self) -> String {
        let bits = u128::from(self.id).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        let hex = format!("{bits:032x}");
        format!(
            "{}-{}-4{}-8{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..]
        )
    }

    /// What a client stores as the return's id.
    pub(crate) fn external_id(&self) -> String {
        match self.market {
            Marketplace::Wb => self.wb_id(),
            Marketplace::Ozon => self.id.to_string(),
        }
    }
}

/// WB lists claims of this many days.
pub(crate) const WB_CLAIM_DAYS: i64 = 14;
const FIRST_RETURN_ID: u64 = 1_000_015_000;

impl SellerData {
    fn next_return_id(&mut self) -> u64 {
        let last = self.returns.last().map_or(FIRST_RETURN_ID, |r| r.id);
        last + self.rng.random_range(1..=7)
    }

    /// Opens returns on about one in twelve delivered orders (WB: delivered in the last 12
    /// days, so the claim is within WB's window), decided or not by age.
    pub(super) fn generate_returns(&mut self, now: DateTime<Utc>) {
        let mut candidates: Vec<(Marketplace, String, usize, u32, DateTime<Utc>)> = Vec::new();
        let wb_window = now - Duration::days(WB_CLAIM_DAYS - 2);
        for order in &self.wb_fbs {
            if order.life.substatus() == "sold" && order.life.changed_at > wb_window {
                let price = self.products[order.product].sale_price();
                candidates.push((
                    Marketplace::Wb,
                    order.srid(),
                    order.product,
                    price,
                    order.life.changed_at,
                ));
            }
        }
        for posting in self.ozon_fbs.iter().chain(&self.ozon_fbo) {
            if posting.life.status() == "delivered" {
                let price = self.products[posting.product].sale_price();
                candidates.push((
                    Marketplace::Ozon,
                    posting.posting_number(),
                    posting.product,
                    price,
                    posting.life.changed_at,
                ));
            }
        }
        candidates.sort_by_key(|c| c.4);
        for (market, order_ref, product, price, delivered_at) in candidates {
            if !self.rng.random_bool(1.0 / 12.0) {
                continue;
            }
            let rng = &mut self.rng;
            let opened_at =
                (delivered_at + Duration::seconds(rng.random_range(3_600..172_800))).min(now);
            let age = (now - opened_at).num_hours();
            let stage = if age < 24 && rng.random_bool(0.7) {
                ReturnStage::Pending
            } else {
                *[
                    ReturnStage::Approved,
                    ReturnStage::Refunded,
                    ReturnStage::Rejected,
                ]
                .choose(rng)
                .unwrap_or(&ReturnStage::Approved)
            };
            let changed_at = if stage.decided() {
                (opened_at + Duration::seconds(rng.random_range(3_600..86_400))).min(now)
            } else {
                opened_at
            };
            let reason = REASONS.choose(rng).copied().unwrap_or(REASONS[0]);
            let id = self.next_return_id();
            self.returns.push(Return {
                id,
                market,
                order_ref,
                product,
                reason,
                stage,
                price,
                opened_at,
                changed_at,
            });
        }
    }

    /// Opens a pending return on an order (WB: FBS assembly-order id; Ozon: posting number).
    pub(super) fn open_return(
        &mut self,
        market: Marketplace,
        order: &str,
        reason: &'static str,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let (order_ref, product) = match market {
            Marketplace::Wb => {
                let found = self.wb_fbs_by_id(order.parse().ok()?)?;
                (found.srid(), found.product)
            }
            Marketplace::Ozon => {
                let number = parse_posting_number(order)?;
                let found = self
                    .ozon_fbs
                    .iter()
                    .chain(&self.ozon_fbo)
                    .find(|p| (p.customer, p.seq, p.part) == number)?;
                (found.posting_number(), found.product)
            }
        };
        let price = self.products[product].sale_price();
        let id = self.next_return_id();
        self.returns.push(Return {
            id,
            market,
            order_ref,
            product,
            reason,
            stage: ReturnStage::Pending,
            price,
            opened_at: now,
            changed_at: now,
        });
        self.returns.last().map(Return::external_id)
    }

    /// Moves a return to `stage`; `false` for an unknown id.
    pub(super) fn decide_return(
        &mut self,
        market: Marketplace,
        external_id: &str,
        stage: ReturnStage,
        now: DateTime<Utc>,
    ) -> bool {
        match self
            .returns
            .iter_mut()
            .find(|r| r.market == market && r.external_id() == external_id)
        {
            Some(found) => {
                found.stage = stage;
                found.changed_at = now;
                true
            }
            None => false,
        }
    }
}
