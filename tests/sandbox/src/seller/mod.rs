//! A deterministic generated seller: one catalogue listed on WB and Ozon, and an order history
//! on each marketplace whose statuses follow realistic progressions by age. Both sandboxes
//! serve the same `Seller`; tests mutate it while the servers run.

mod catalog;
mod demo;
mod lifecycle;
mod orders;
mod ozon_public;
mod phrases;
mod places;
mod returns;
mod shoppers;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

pub(crate) use catalog::{OzonItem, Product};
pub(crate) use lifecycle::{Cancellation, DEFAULT_CANCELLATION};
pub(crate) use orders::{Posting, WbOrder, parse_posting_number};
pub(crate) use places::{
    CITIES, OZON_DELIVERY_METHOD, OZON_FBO_WAREHOUSES, OZON_FBS_WAREHOUSE, OZON_FBS_WAREHOUSE_ID,
    PAYMENT_TYPES, SELLER_WAREHOUSES, WB_WAREHOUSES,
};

pub(crate) use ozon_public::{Answered, NEW, OzonQuestion, OzonReview, PROCESSED, VIEWED};
pub use ozon_public::{SandboxOzonQuestion, SandboxOzonReview};
pub(crate) use phrases::SUPPLIER_NAME;
pub use returns::ReturnStage;
pub(crate) use returns::{REASONS, Return, WB_CLAIM_DAYS};
pub(crate) use shoppers::{
    Author, ChatFile, Feedback, GoodCard, HIDDEN, OzonChat, PUBLISHED, Question, Shoppers, WbEvent,
    Write, editable,
};
pub use shoppers::{
    BuyerMessage, OzonBuyerMessage, SandboxChatMessage, SandboxFeedback, SandboxQuestion,
};

use catalog::Ids;
use lifecycle::{Life, OZON_FBO_MIX, OZON_FBS_MIX, WB_FBS_MIX, WB_FBW_MIX, pick_track};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerSpec {
    /// Same seed (and same generation time) → same seller.
    pub seed: u64,
    /// Catalogue size; every generated product is listed on both marketplaces.
    pub products: usize,
    /// Orders per marketplace: WB gets this many (≈60% FBS, 40% FBW), Ozon too (≈70% FBS,
    /// 30% FBO).
    pub orders: usize,
    /// Orders are created uniformly over this many days before now.
    pub history_days: u32,
}

impl Default for SellerSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            products: 200,
            orders: 2000,
            history_days: 90,
        }
    }
}

impl SellerSpec {
    /// The demo shop: small enough to browse, with the fixed demo records added by
    /// [`Seller::with_demo_records`].
    pub fn demo() -> Self {
        Self {
            seed: 42,
            products: 60,
            orders: 400,
            history_days: 60,
        }
    }
}

/// Which marketplace a mutation or accessor is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marketplace {
    Wb,
    Ozon,
}

/// An order as a client should have synced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOrder {
    /// WB FBS: the assembly-order `id`; WB FBW: `srid`; Ozon: `posting_number`.
    pub external_id: String,
    /// WB FBS: `supplierStatus`; WB FBW: `"fbw"`; Ozon: `status`.
    pub status: String,
    /// WB FBS: `wbStatus`; WB FBW: `"canceled"` when `isCancel`; Ozon: `substatus`.
    /// `None` when the served value is empty.
    pub substatus: Option<String>,
    /// `"fbs"` / `"fbw"` on WB, `"fbs"` / `"fbo"` on Ozon.
    pub fulfilment: &'static str,
    pub created_at: DateTime<Utc>,
    /// Time of the last status change.
    pub changed_at: DateTime<Utc>,
}

/// A return as a client should have synced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxReturn {
    /// WB claim UUID / Ozon return id.
    pub external_id: String,
    /// WB `srid` (an FBS order's `rid`) / Ozon posting number.
    pub order_ref: String,
    pub stage: ReturnStage,
    pub reason: String,
    pub opened_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// A product as a client should have synced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxProduct {
    /// WB `nmID` or Ozon `sku`, as a string.
    pub external_id: String,
    /// WB `vendorCode` / Ozon `offer_id`.
    pub vendor_code: String,
    pub title: String,
    /// What a shopper can buy. WB: sum of `amount` over the seller's warehouses; Ozon: sum of
    /// `present - reserved` over the `fbs` and `fbo` stock rows.
    pub stock_total: u64,
}

/// The seller behind both sandboxes; cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct Seller {
    data: Arc<RwLock<SellerData>>,
}

/// Next values of the order id sequences.
struct Counters {
    wb_id: u64,
    fbw_id: u64,
    posting_id: u64,
    ozon_order_id: u64,
}

pub(crate) struct SellerData {
    pub(crate) products: Vec<Product>,
    /// Sorted by `id`.
    pub(crate) wb_fbs: Vec<WbOrder>,
    /// Sorted by `id`.
    pub(crate) wb_fbw: Vec<WbOrder>,
    /// Sorted by (`in_process_at`, `id`).
    pub(crate) ozon_fbs: Vec<Posting>,
    /// Sorted by (`created_at`, `id`).
    pub(crate) ozon_fbo: Vec<Posting>,
    /// `chrtID` → (product, size).
    chrt_index: HashMap<u64, (usize, usize)>,
    /// Ozon order numbers in use, as (customer, seq).
    ozon_numbers: HashSet<(u32, u32)>,
    counters: Counters,
    /// Questions, reviews and buyer chats.
    pub(crate) shoppers: Shoppers,
    /// WB claims and Ozon returns, in id order.
    pub(crate) returns: Vec<Return>,
    rng: StdRng,
    demo: bool,
}

fn whole_seconds(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(time.timestamp(), 0).unwrap_or(time)
}

/// Popular products sell more: index skewed towards the start of the catalogue.
fn popular(rng: &mut StdRng, candidates: &[usize]) -> Option<usize> {
    let roll: f64 = rng.random();
    let index = ((roll * roll) * candidates.len() as f64) as usize;
    candidates
        .get(index.min(candidates.len().saturating_sub(1)))
        .copied()
}

fn bump(rng: &mut StdRng, value: &mut u64, max_gap: u64) -> u64 {
    *value += rng.random_range(1..=max_gap);
    *value
}

impl SellerData {
    fn generate(spec: SellerSpec, now: DateTime<Utc>) -> Self {
        let now = whole_seconds(now);
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let mut ids = Ids::new();
        let products = (0..spec.products)
            .map(|index| catalog::product(&mut rng, index, &mut ids, now, spec.history_days))
            .collect();
        let mut data = Self {
            products,
            wb_fbs: Vec::new(),
            wb_fbw: Vec::new(),
            ozon_fbs: Vec::new(),
            ozon_fbo: Vec::new(),
            chrt_index: HashMap::new(),
            ozon_numbers: demo::reserved_ozon_numbers(),
            counters: Counters {
                wb_id: 3_000_000_000,
                fbw_id: 0,
                posting_id: 1_000_000,
                ozon_order_id: 30_000_000_000,
            },
            shoppers: Shoppers::default(),
            returns: Vec::new(),
            rng,
            demo: false,
        };
        let history = i64::from(spec.history_days) * 86_400;
        data.generate_wb(spec.orders, now, history);
        data.generate_ozon(spec.orders, now, history);
        data.index_sizes();
        data.generate_shoppers(spec.orders, now, history);
        data.generate_returns(now);
        data
    }

    fn listed(&self, market: Marketplace) -> Vec<usize> {
        (0..self.products.len())
            .filter(|&index| match market {
                Marketplace::Wb => self.products[index].wb.is_some(),
                Marketplace::Ozon => self.products[index].ozon.is_some(),
            })
            .collect()
    }

    fn draft_wb(
        &mut self,
        candidates: &[usize],
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<WbOrder> {
        let rng = &mut self.rng;
        let product = popular(rng, candidates)?;
        let fbw = rng.random_bool(0.4);
        let track = pick_track(rng, if fbw { WB_FBW_MIX } else { WB_FBS_MIX });
        let sizes = self.products[product].sizes.len().max(1);
        Some(WbOrder {
            id: 0,
            key: rng.random(),
            fbw,
            product,
            size: rng.random_range(0..sizes),
            city: rng.random_range(0..CITIES.len()),
            warehouse: rng.random_range(0..WB_WAREHOUSES.len()),
            spp: *[0, 5, 10, 15, 20, 25].choose(rng).unwrap_or(&0),
            life: Life::simulate(rng, track, created_at, now),
        })
    }

    /// Gives the drafts ids in creation order and files them.
    fn file_wb(&mut self, mut drafts: Vec<WbOrder>) -> Vec<String> {
        drafts.sort_by_key(|order| order.life.created_at);
        let mut ids = Vec::with_capacity(drafts.len());
        for mut order in drafts {
            if order.fbw {
                order.id = bump(&mut self.rng, &mut self.counters.fbw_id, 3);
                ids.push(order.external_id());
                self.wb_fbw.push(order);
            } else {
                order.id = bump(&mut self.rng, &mut self.counters.wb_id, 40);
                ids.push(order.external_id());
                self.wb_fbs.push(order);
            }
        }
        ids
    }

    fn generate_wb(&mut self, count: usize, now: DateTime<Utc>, history: i64) {
        let candidates = self.listed(Marketplace::Wb);
        let mut drafts = Vec::with_capacity(count);
        for _ in 0..count {
            let created_at = now - Duration::seconds(self.rng.random_range(0..=history));
            drafts.extend(self.draft_wb(&candidates, created_at, now));
        }
        self.file_wb(drafts);
    }

    fn draft_posting(
        &mut self,
        candidates: &[usize],
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Posting> {
        let product = popular(&mut self.rng, candidates)?;
        let (customer, seq) = loop {
            let number = (
                self.rng.random_range(10_000_000..=99_999_999),
                self.rng.random_range(1..=9_999),
            );
            if self.ozon_numbers.insert(number) {
                break number;
            }
        };
        let rng = &mut self.rng;
        let fbo = rng.random_bool(0.3);
        let track = pick_track(rng, if fbo { OZON_FBO_MIX } else { OZON_FBS_MIX });
        Some(Posting {
            id: 0,
            order_id: 0,
            customer,
            seq,
            part: 1,
            fbo,
            product,
            quantity: if rng.random_bool(0.9) { 1 } else { 2 },
            city: rng.random_range(0..CITIES.len()),
            warehouse: rng.random_range(0..OZON_FBO_WAREHOUSES.len()),
            life: Life::simulate(rng, track, created_at, now),
        })
    }

    fn file_postings(&mut self, mut drafts: Vec<Posting>) -> Vec<String> {
        drafts.sort_by_key(|posting| posting.life.created_at);
        let mut numbers = Vec::with_capacity(drafts.len());
        for mut posting in drafts {
            posting.id = bump(&mut self.rng, &mut self.counters.posting_id, 5);
            posting.order_id = bump(&mut self.rng, &mut self.counters.ozon_order_id, 5_000);
            numbers.push(posting.posting_number());
            if posting.fbo {
                self.ozon_fbo.push(posting);
            } else {
                self.ozon_fbs.push(posting);
            }
        }
        numbers
    }

    fn generate_ozon(&mut self, count: usize, now: DateTime<Utc>, history: i64) {
        let candidates = self.listed(Marketplace::Ozon);
        let mut drafts = Vec::with_capacity(count);
        for _ in 0..count {
            let created_at = now - Duration::seconds(self.rng.random_range(0..=history));
            drafts.extend(self.draft_posting(&candidates, created_at, now));
        }
        self.file_postings(drafts);
    }

    fn index_sizes(&mut self) {
        self.chrt_index = self
            .products
            .iter()
            .enumerate()
            .filter(|(_, product)| product.wb.is_some())
            .flat_map(|(index, product)| {
                product
                    .sizes
                    .iter()
                    .enumerate()
                    .map(move |(size, entry)| (entry.chrt_id, (index, size)))
            })
            .collect();
    }

    /// (product, size) of a WB `chrtID`.
    pub(crate) fn size_of(&self, chrt_id: u64) -> Option<(&Product, usize)> {
        let &(product, size) = self.chrt_index.get(&chrt_id)?;
        Some((&self.products[product], size))
    }

    pub(crate) fn wb_fbs_by_id(&self, id: u64) -> Option<&WbOrder> {
        let index = self
            .wb_fbs
            .binary_search_by_key(&id, |order| order.id)
            .ok()?;
        Some(&self.wb_fbs[index])
    }

    fn lives(&mut self, market: Marketplace) -> Vec<(&mut Life, String)> {
        match market {
            Marketplace::Wb => self
                .wb_fbs
                .iter_mut()
                .chain(self.wb_fbw.iter_mut())
                .map(|order| {
                    let id = order.external_id();
                    (&mut order.life, id)
                })
                .collect(),
            Marketplace::Ozon => self
                .ozon_fbs
                .iter_mut()
                .chain(self.ozon_fbo.iter_mut())
                .map(|posting| {
                    let number = posting.posting_number();
                    (&mut posting.life, number)
                })
                .collect(),
        }
    }

    fn find_life(&mut self, market: Marketplace, external_id: &str) -> Option<&mut Life> {
        match market {
            Marketplace::Wb => {
                if let Ok(id) = external_id.parse::<u64>()
                    && let Ok(index) = self.wb_fbs.binary_search_by_key(&id, |order| order.id)
                {
                    return Some(&mut self.wb_fbs[index].life);
                }
                self.wb_fbw
                    .iter_mut()
                    .find(|order| order.srid() == external_id)
                    .map(|order| &mut order.life)
            }
            Marketplace::Ozon => {
                let number = parse_posting_number(external_id)?;
                self.ozon_fbs
                    .iter_mut()
                    .chain(self.ozon_fbo.iter_mut())
                    .find(|posting| (posting.customer, posting.seq, posting.part) == number)
                    .map(|posting| &mut posting.life)
            }
        }
    }
}

impl Seller {
    /// Generates a seller as of now.
    pub fn generate(spec: SellerSpec) -> Self {
        Self::generate_at(spec, Utc::now())
    }

    /// Generates a seller as of `now`: same spec and `now` → identical data.
    pub fn generate_at(spec: SellerSpec, now: DateTime<Utc>) -> Self {
        Self {
            data: Arc::new(RwLock::new(SellerData::generate(spec, now))),
        }
    }

    /// The demo shop: [`SellerSpec::demo`] plus the fixed demo records.
    pub fn demo() -> Self {
        Self::generate(SellerSpec::demo()).with_demo_records()
    }

    /// Adds the fixed demo records (WB card `139204857` "PUH-01" with FBS orders
    /// `1456789012`..`1456789014`; Ozon SKU `51928374` "KED-22" with postings
    /// `12345678-0012-1` and `12345678-0013-1`; an unanswered WB question on the coat, a WB
    /// buyer chat about order `1456789013` and an Ozon buyer chat about `12345678-0012-1`).
    /// Adding them twice has no effect.
    pub fn with_demo_records(self) -> Self {
        {
            let mut data = self.write();
            if !data.demo {
                data.demo = true;
                let now = whole_seconds(Utc::now());
                demo::add(&mut data, now);
                data.wb_fbs.sort_by_key(|order| order.id);
                data.ozon_fbs
                    .sort_by_key(|posting| (posting.in_process_at(), posting.id));
                data.index_sizes();
                demo::add_shoppers(&mut data, now);
            }
        }
        self
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, SellerData> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, SellerData> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the `n` non-terminal orders that changed longest ago one step along their
    /// track (planted values are dropped) and stamps them with the current time. Returns
    /// their external ids; fewer than `n` when fewer orders are still moving.
    pub fn advance(&self, market: Marketplace, n: usize) -> Vec<String> {
        let now = whole_seconds(Utc::now());
        let mut data = self.write();
        let mut lives: Vec<(&mut Life, String)> = data
            .lives(market)
            .into_iter()
            .filter(|(life, _)| !life.is_terminal())
            .collect();
        lives.sort_by(|(a, a_id), (b, b_id)| (a.changed_at, a_id).cmp(&(b.changed_at, b_id)));
        lives
            .into_iter()
            .take(n)
            .map(|(life, id)| {
                life.advance(now);
                id
            })
            .collect()
    }

    /// Creates `n` orders placed now, in their first status. Returns their external ids.
    pub fn add_orders(&self, market: Marketplace, n: usize) -> Vec<String> {
        let now = whole_seconds(Utc::now());
        let mut data = self.write();
        let candidates = data.listed(market);
        match market {
            Marketplace::Wb => {
                let drafts = (0..n)
                    .filter_map(|_| data.draft_wb(&candidates, now, now))
                    .collect();
                data.file_wb(drafts)
            }
            Marketplace::Ozon => {
                let drafts = (0..n)
                    .filter_map(|_| data.draft_posting(&candidates, now, now))
                    .collect();
                data.file_postings(drafts)
            }
        }
    }

    /// Plants arbitrary status values (also ones no enum knows, e.g. `"teleported"`) on the
    /// order with this external id and stamps it with the current time. For WB FBS `status`
    /// is `supplierStatus` and `substatus` `wbStatus`; for WB FBW only `substatus ==
    /// Some("canceled")` matters (it sets `isCancel`). Returns whether the order exists.
    pub fn set_status(
        &self,
        market: Marketplace,
        external_id: &str,
        status: &str,
        substatus: Option<&str>,
    ) -> bool {
        let now = whole_seconds(Utc::now());
        let mut data = self.write();
        match data.find_life(market, external_id) {
            Some(life) => {
                life.plant(status, substatus, now);
                true
            }
            None => false,
        }
    }

    /// Every order of a marketplace with its current (unfaulted) status.
    pub fn orders(&self, market: Marketplace) -> Vec<SandboxOrder> {
        let data = self.read();
        let order = |external_id: String, life: &Life, fulfilment: &'static str| SandboxOrder {
            external_id,
            status: life.status().to_owned(),
            substatus: Some(life.substatus())
                .filter(|value| !value.is_empty())
                .map(str::to_owned),
            fulfilment,
            created_at: life.created_at,
            changed_at: life.changed_at,
        };
        match market {
            Marketplace::Wb => data
                .wb_fbs
                .iter()
                .map(|o| order(o.external_id(), &o.life, "fbs"))
                .chain(data.wb_fbw.iter().map(|o| {
                    let mut synced = order(o.external_id(), &o.life, "fbw");
                    synced.status = "fbw".to_owned();
                    synced.substatus = o.is_cancelled().then(|| "canceled".to_owned());
                    synced
                }))
                .collect(),
            Marketplace::Ozon => data
                .ozon_fbs
                .iter()
                .map(|p| order(p.posting_number(), &p.life, "fbs"))
                .chain(
                    data.ozon_fbo
                        .iter()
                        .map(|p| order(p.posting_number(), &p.life, "fbo")),
                )
                .collect(),
        }
    }

    /// Opens a pending return now on an order (WB: FBS assembly-order id; Ozon: posting
    /// number) for one of [`REASONS`]' reasons. Returns its id; `None` for an unknown order.
    pub fn open_return(&self, market: Marketplace, order: &str) -> Option<String> {
        let now = whole_seconds(Utc::now());
        let mut data = self.write();
        let reason = REASONS[data.returns.len() % REASONS.len()];
        data.open_return(market, order, reason, now)
    }

    /// Moves a return to `stage` now; `false` for an unknown id.
    pub fn decide_return(
        &self,
        market: Marketplace,
        external_id: &str,
        stage: ReturnStage,
    ) -> bool {
        let now = whole_seconds(Utc::now());
        self.write().decide_return(market, external_id, stage, now)
    }

    /// Every return a marketplace lists now (WB: its claims window only).
    pub fn returns(&self, market: Marketplace) -> Vec<SandboxReturn> {
        let since = Utc::now() - Duration::days(WB_CLAIM_DAYS);
        self.read()
            .returns
            .iter()
            .filter(|r| r.market == market && (market == Marketplace::Ozon || r.opened_at >= since))
            .map(|r| SandboxReturn {
                external_id: r.external_id(),
                order_ref: r.order_ref.clone(),
                stage: r.stage,
                reason: r.reason.to_owned(),
                opened_at: r.opened_at,
                changed_at: r.changed_at,
            })
            .collect()
    }

    /// Every product listed on a marketplace.
    pub fn products(&self, market: Marketplace) -> Vec<SandboxProduct> {
        let data = self.read();
        data.products
            .iter()
            .filter_map(|product| {
                let (external_id, stock_total) = match market {
                    Marketplace::Wb => {
                        let card = product.wb.as_ref()?;
                        (card.nm_id, u64::from(product.fbs_stock()))
                    }
                    Marketplace::Ozon => {
                        let item = product.ozon.as_ref()?;
                        let fbs = product.fbs_stock().saturating_sub(item.reserved);
                        (item.sku, u64::from(fbs) + u64::from(item.fbo_stock))
                    }
                };
                Some(SandboxProduct {
                    external_id: external_id.to_string(),
                    vendor_code: product.vendor_code.clone(),
                    title: product.title.clone(),
                    stock_total,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_time_give_the_same_seller() {
        let now = Utc::now();
        let spec = SellerSpec {
            seed: 9,
            products: 50,
            orders: 500,
            history_days: 30,
        };
        let a = Seller::generate_at(spec, now);
        let b = Seller::generate_at(spec, now);
        assert_eq!(a.orders(Marketplace::Wb), b.orders(Marketplace::Wb));
        assert_eq!(a.orders(Marketplace::Ozon), b.orders(Marketplace::Ozon));
        assert_eq!(a.products(Marketplace::Wb), b.products(Marketplace::Wb));
        assert_eq!(a.questions(), b.questions());
        assert_eq!(a.feedbacks(), b.feedbacks());
        let other = Seller::generate_at(SellerSpec { seed: 10, ..spec }, now);
        assert_ne!(a.products(Marketplace::Wb), other.products(Marketplace::Wb));
        // Ids do not depend on the generation time.
        let later = Seller::generate_at(spec, now + Duration::hours(5));
        let ids = |seller: &Seller| -> Vec<String> {
            seller
                .orders(Marketplace::Ozon)
                .into_iter()
                .map(|order| order.external_id)
                .collect()
        };
        assert_eq!(ids(&a), ids(&later));
        let question_ids = |seller: &Seller| -> Vec<String> {
            seller.questions().into_iter().map(|q| q.id).collect()
        };
        assert_eq!(question_ids(&a), question_ids(&later));
    }

    #[test]
    fn shopper_channels_are_generated_consistently() {
        let seller = Seller::generate(SellerSpec::default());
        let questions = seller.questions();
        let feedbacks = seller.feedbacks();
        assert_eq!((questions.len(), feedbacks.len()), (80, 200));
        assert!(questions.iter().any(|q| q.answer.is_none()));
        assert!(
            questions
                .iter()
                .all(|q| q.answer.is_some() == (q.state == "wbRu"))
        );
        assert!(feedbacks.iter().all(|f| (1..=5).contains(&f.valuation)));
        let data = seller.read();
        let shoppers = &data.shoppers;
        let events = &shoppers.wb_events;
        assert!(events.windows(2).all(|pair| pair[0].at_ms < pair[1].at_ms));
        for chat in 0..shoppers.wb_chats.len() {
            let mut chat_events = events.iter().filter(|event| event.chat == chat);
            assert!(chat_events.next().is_some_and(|first| first.new_chat));
            assert!(chat_events.all(|event| !event.new_chat));
        }
        let chats = &shoppers.ozon_chats;
        assert_eq!(chats.iter().filter(|chat| chat.support).count(), 1);
        let mut ids: Vec<(DateTime<Utc>, u64)> = chats
            .iter()
            .flat_map(|chat| chat.messages.iter().map(|m| (m.at, m.id)))
            .collect();
        ids.sort();
        assert!(
            ids.windows(2).all(|pair| pair[0].1 < pair[1].1),
            "ids grow with time"
        );
    }

    #[test]
    fn shares_and_statuses_are_realistic() {
        let seller = Seller::generate(SellerSpec::default());
        let wb = seller.orders(Marketplace::Wb);
        assert_eq!(wb.len(), 2000);
        let fbs = wb.iter().filter(|o| o.fulfilment == "fbs").count();
        assert!((1050..1350).contains(&fbs), "{fbs}");
        let ozon = seller.orders(Marketplace::Ozon);
        let fbo = ozon.iter().filter(|o| o.fulfilment == "fbo").count();
        assert!((450..750).contains(&fbo), "{fbo}");
        let cancelled = ozon.iter().filter(|o| o.status == "cancelled").count();
        assert!((40..200).contains(&cancelled), "{cancelled}");
        let now = Utc::now();
        assert!(
            ozon.iter()
                .chain(&wb)
                .all(|o| o.created_at <= o.changed_at && o.changed_at <= now)
        );
        assert!(wb.iter().any(|o| o.status == "new"));
        assert!(wb.iter().any(|o| o.substatus.as_deref() == Some("sold")));
    }

    #[test]
    fn advance_moves_orders_and_stamps_them() {
        let seller = Seller::generate(SellerSpec::default());
        let before = Utc::now() - Duration::seconds(1);
        let moved = seller.advance(Marketplace::Ozon, 5);
        assert_eq!(moved.len(), 5);
        let orders = seller.orders(Marketplace::Ozon);
        for id in &moved {
            let order = orders.iter().find(|o| &o.external_id == id);
            assert!(order.is_some_and(|o| o.changed_at >= before), "{id}");
        }
        let added = seller.add_orders(Marketplace::Wb, 10);
        assert_eq!(added.len(), 10);
        assert_eq!(seller.orders(Marketplace::Wb).len(), 2010);
        assert!(seller.set_status(Marketplace::Wb, &added[0], "teleported", Some("nowhere")));
        assert!(!seller.set_status(Marketplace::Ozon, "1-2-3", "x", None));
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "timing is only meaningful in release builds"
    )]
    fn large_sellers_generate_quickly() {
        let started = std::time::Instant::now();
        let seller = Seller::generate(SellerSpec {
            seed: 5,
            products: 10_000,
            orders: 100_000,
            history_days: 90,
        });
        let elapsed = started.elapsed();
        assert_eq!(seller.orders(Marketplace::Ozon).len(), 100_000);
        assert!(elapsed < std::time::Duration::from_secs(1), "{elapsed:?}");
    }

    #[test]
    fn demo_records_are_exact() {
        let seller = Seller::demo();
        let wb = seller.orders(Marketplace::Wb);
        let get = |id: &str| wb.iter().find(|o| o.external_id == id).cloned();
        let status = |id: &str| get(id).map(|o| (o.status, o.substatus));
        let pair = |a: &str, b: &str| Some((a.to_owned(), Some(b.to_owned())));
        assert_eq!(status("1456789012"), pair("complete", "ready_for_pickup"));
        assert_eq!(status("1456789013"), pair("confirm", "waiting"));
        assert_eq!(status("1456789014"), pair("complete", "sorted"));
        let ozon = seller.orders(Marketplace::Ozon);
        let posting = |id: &str| {
            ozon.iter()
                .find(|o| o.external_id == id)
                .map(|o| (o.status.clone(), o.substatus.clone()))
        };
        assert_eq!(
            posting("12345678-0012-1"),
            pair("delivering", "posting_on_way_to_pickup_point")
        );
        assert_eq!(
            posting("12345678-0013-1"),
            Some(("awaiting_packaging".to_owned(), None))
        );
        let card = seller
            .products(Marketplace::Wb)
            .into_iter()
            .find(|p| p.external_id == "139204857");
        assert_eq!(
            card.map(|p| (p.vendor_code, p.title, p.stock_total)),
            Some((
                "PUH-01".to_owned(),
                "Пуховик женский удлинённый".to_owned(),
                7
            ))
        );
        let item = seller
            .products(Marketplace::Ozon)
            .into_iter()
            .find(|p| p.external_id == "51928374");
        assert_eq!(
            item.map(|p| (p.vendor_code, p.stock_total)),
            Some(("KED-22".to_owned(), 0))
        );
        let question = seller
            .questions()
            .into_iter()
            .find(|q| q.nm_id == 139_204_857 && q.answer.is_none());
        assert!(question.is_some_and(|q| q.text.contains("170 см")));
        let wb_chat =
            seller.chat_messages(Marketplace::Wb, "1:0190f3a2-5c1d-7e4b-9a86-d2c4b7e1f305");
        assert!(wb_chat.len() == 1 && wb_chat[0].text.contains("1456789013"));
        let ozon_chat =
            seller.chat_messages(Marketplace::Ozon, "5e767a03-b400-4a1b-a841-75319ca8a5c8");
        assert!(ozon_chat.len() == 1 && ozon_chat[0].text.contains("12345678-0012-1"));
        assert_eq!(ozon_chat[0].sender, "Customer");
    }
}
