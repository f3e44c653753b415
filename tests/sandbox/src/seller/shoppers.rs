//! Shopper channels: WB questions and reviews on product cards, WB buyer chats (served as an
//! event stream) and Ozon buyer chats. They are generated with the orders so a full sync has
//! something to read; tests add shopper messages while the servers run and compare what the
//! seller answered through the API.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::phrases::{FEEDBACK_ANSWERS, SUPPORT_MESSAGES, THANKS, name, seller_answer, stars};
use super::{Marketplace, Seller, SellerData, popular};
use crate::voices::{self, Goods, QuestionVoice, ReviewVoice};

/// WB lets a seller edit an answer once within this many days of sending it.
pub(crate) const EDIT_WINDOW: Duration = Duration::days(60);
/// `state` of a question nobody answered yet.
pub(crate) const QUESTION_NEW: &str = "suppliersPortalSynch";
/// `state` of an answered question or review, shown on the site.
pub(crate) const PUBLISHED: &str = "wbRu";
/// `state` of a question the seller rejected (hidden) or of an unprocessed review.
pub(crate) const HIDDEN: &str = "none";

/// Where Ozon's message ids start: 19-digit numbers like the real ones.
const FIRST_OZON_MESSAGE_ID: u64 = 3_000_000_000_118_000_000;

/// A WB question as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxQuestion {
    pub id: String,
    pub nm_id: i64,
    pub text: String,
    /// `suppliersPortalSynch` (new), `wbRu` (answered) or `none` (rejected).
    pub state: String,
    pub answer: Option<String>,
    /// Answers and edits the seller sent (generated answered questions start at 1).
    pub answer_writes: u32,
    pub was_viewed: bool,
}

/// A WB review as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFeedback {
    pub id: String,
    pub nm_id: i64,
    pub text: String,
    /// `productValuation`, 1..5.
    pub valuation: u8,
    /// `none` (unprocessed) or `wbRu` (answered).
    pub state: String,
    pub answer: Option<String>,
    pub answer_writes: u32,
    pub was_viewed: bool,
}

/// One chat message on either marketplace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxChatMessage {
    /// WB `eventID`, Ozon `message_id`.
    pub id: String,
    /// As served: WB `client` / `seller` / `wb`; Ozon `Customer` / `Seller` / `Support`.
    pub sender: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// What [`WbSandbox::buyer_writes`](crate::WbSandbox::buyer_writes) created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerMessage {
    pub chat_id: String,
    pub event_id: String,
    /// The chat's `replySign`, needed to answer.
    pub reply_sign: String,
}

/// What [`OzonSandbox::buyer_writes`](crate::OzonSandbox::buyer_writes) created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OzonBuyerMessage {
    pub chat_id: String,
    pub message_id: String,
}

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Author {
    Buyer,
    Seller,
    Support,
}

impl Author {
    /// WB `sender`.
    pub(crate) fn wb(self) -> &'static str {
        match self {
            Self::Buyer => "client",
            Self::Seller => "seller",
            Self::Support => "wb",
        }
    }

    /// Ozon `user.type` as the 2026 API spells it.
    pub(crate) fn ozon(self) -> &'static str {
        match self {
            Self::Buyer => "Customer",
            Self::Seller => "Seller",
            Self::Support => "Support",
        }
    }
}

/// The seller's answer to a question or review.
pub(crate) struct Reply {
    pub(crate) text: String,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) struct Question {
    pub(crate) id: String,
    /// The card it was asked on, when the catalogue has it.
    pub(crate) product: Option<usize>,
    pub(crate) nm_id: u64,
    pub(crate) text: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) state: &'static str,
    pub(crate) answer: Option<Reply>,
    pub(crate) writes: u32,
    pub(crate) was_viewed: bool,
    pub(crate) is_warned: bool,
}

impl Question {
    pub(crate) fn answered(&self) -> bool {
        self.state != QUESTION_NEW
    }
}

pub(crate) struct Feedback {
    pub(crate) id: String,
    pub(crate) product: Option<usize>,
    pub(crate) nm_id: u64,
    pub(crate) size: usize,
    pub(crate) text: String,
    pub(crate) pros: String,
    pub(crate) cons: String,
    pub(crate) valuation: u8,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) bought_at: DateTime<Utc>,
    pub(crate) user_name: &'static str,
    pub(crate) shk_id: u64,
    pub(crate) answer: Option<Reply>,
    pub(crate) writes: u32,
    pub(crate) was_viewed: bool,
}

impl Feedback {
    pub(crate) fn answered(&self) -> bool {
        self.answer.is_some()
    }
}

/// Whether an answer can still be edited: once, within [`EDIT_WINDOW`].
pub(crate) fn editable(writes: u32, answer: Option<&Reply>, now: DateTime<Utc>) -> bool {
    writes < 2 && answer.is_some_and(|reply| now - reply.at <= EDIT_WINDOW)
}

/// The order a WB chat is about (`goodCard`).
#[derive(Clone)]
pub(crate) struct GoodCard {
    pub(crate) nm_id: u64,
    /// RUB after every discount.
    pub(crate) price: u32,
    pub(crate) rid: String,
    pub(crate) size: String,
}

pub(crate) struct WbChat {
    pub(crate) id: String,
    pub(crate) reply_sign: String,
    pub(crate) client_name: String,
    pub(crate) good: Option<GoodCard>,
}

/// A file the seller attached to a message.
pub(crate) struct ChatFile {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) size: usize,
    pub(crate) download_id: String,
}

/// One message of a WB chat, as the event stream serves it.
pub(crate) struct WbEvent {
    /// Index into `wb_chats`.
    pub(crate) chat: usize,
    pub(crate) id: String,
    /// Unix milliseconds, strictly increasing over the stream so `next` never splits a
    /// millisecond.
    pub(crate) at_ms: i64,
    pub(crate) author: Author,
    pub(crate) source: &'static str,
    pub(crate) text: String,
    pub(crate) new_chat: bool,
    pub(crate) files: Vec<ChatFile>,
}

pub(crate) struct OzonMessage {
    pub(crate) id: u64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) author: Author,
    pub(crate) user_id: String,
    pub(crate) text: String,
    pub(crate) read: bool,
}

pub(crate) struct OzonChat {
    pub(crate) id: String,
    /// `SELLER_SUPPORT` instead of `BUYER_SELLER`.
    pub(crate) support: bool,
    pub(crate) closed: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) order_number: String,
    pub(crate) sku: String,
    pub(crate) messages: Vec<OzonMessage>,
}

impl OzonChat {
    pub(crate) fn unread(&self) -> usize {
        self.messages.iter().filter(|message| !message.read).count()
    }

    pub(crate) fn last_message_id(&self) -> u64 {
        self.messages.last().map_or(0, |message| message.id)
    }
}

/// Shopper-channel state of one seller.
#[derive(Default)]
pub(crate) struct Shoppers {
    pub(crate) questions: Vec<Question>,
    pub(crate) feedbacks: Vec<Feedback>,
    pub(crate) wb_chats: Vec<WbChat>,
    /// Sorted by `at_ms`.
    pub(crate) wb_events: Vec<WbEvent>,
    pub(crate) ozon_chats: Vec<OzonChat>,
    /// Ozon product questions, oldest first.
    pub(crate) ozon_questions: Vec<super::ozon_public::OzonQuestion>,
    /// Ozon product reviews, oldest first.
    pub(crate) ozon_reviews: Vec<super::ozon_public::OzonReview>,
    ozon_message_id: u64,
    ozon_seller_id: String,
    /// Texts generated shoppers already wrote: the next picks another while there is one.
    used: HashSet<&'static str>,
}

/// What a seller's write to a question or review did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Done,
    Unknown,
    /// A review already has an answer (POST instead of PATCH).
    AlreadyAnswered,
    /// An edit of something nobody answered yet.
    NothingToEdit,
    /// The one edit is used up or its 60 days are over.
    EditRefused,
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// A 20-character id like WB's question and review ids (`2ncBtX4B9I0UHoornoqG`).
fn es_id(rng: &mut StdRng) -> String {
    (0..20)
        .map(|_| char::from(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())]))
        .collect()
}

pub(crate) fn uuid(rng: &mut StdRng) -> String {
    let hex = format!("{:032x}", rng.random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn reply_sign(rng: &mut StdRng, chat_id: &str) -> String {
    let signature: String = (0..4)
        .map(|_| format!("{:032x}", rng.random::<u128>()))
        .collect();
    format!(
        "{chat_id}:{}:{signature}",
        rng.random_range(10_000_000..100_000_000)
    )
}

/// Nanosecond-precise time `seconds` (plus a fraction) before `now`, as WB stores questions.
fn before(rng: &mut StdRng, now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    now - Duration::seconds(seconds) - Duration::nanoseconds(rng.random_range(0..1_000_000_000))
}

impl SellerData {
    /// Index of the product with this WB `nmID`.
    fn card(&self, nm_id: u64) -> Option<usize> {
        self.products
            .iter()
            .position(|product| product.wb.as_ref().is_some_and(|card| card.nm_id == nm_id))
    }

    /// The kind of goods and WB subject of a product, for picking what shoppers write.
    pub(crate) fn kind_of(&self, product: usize) -> (Goods, &'static str) {
        self.products
            .get(product)
            .map_or((Goods::Tops, ""), |product| {
                (product.category.goods(), product.category.subject)
            })
    }

    /// One of `pool`, preferring what no generated shopper wrote yet, so the history reads as
    /// many people.
    pub(crate) fn fresh<T>(
        &mut self,
        pool: &[&'static T],
        text: impl Fn(&'static T) -> &'static str,
    ) -> Option<&'static T> {
        let unused: Vec<&'static T> = pool
            .iter()
            .copied()
            .filter(|voice| !self.shoppers.used.contains(text(voice)))
            .collect();
        let choice = if unused.is_empty() {
            pool.choose(&mut self.rng).copied()
        } else {
            unused.choose(&mut self.rng).copied()
        }?;
        self.shoppers.used.insert(text(choice));
        Some(choice)
    }

    /// The `n`-th product (counting round) that a shopper's text of `goods` naming `subject`
    /// is about, so tests can put every voice on a fitting card.
    pub(crate) fn fitting(&self, goods: Goods, subject: Option<&str>, n: usize) -> Option<usize> {
        let fit: Vec<usize> = (0..self.products.len())
            .filter(|&product| {
                let (kind, product_subject) = self.kind_of(product);
                voices::belongs(goods, subject, kind, product_subject)
            })
            .collect();
        (!fit.is_empty()).then(|| fit[n % fit.len()])
    }

    pub(crate) fn fresh_question(
        &mut self,
        pool: &[&'static QuestionVoice],
    ) -> Option<&'static QuestionVoice> {
        self.fresh(pool, |voice| voice.text.as_str())
    }

    pub(crate) fn fresh_review(
        &mut self,
        pool: &[&'static ReviewVoice],
    ) -> Option<&'static ReviewVoice> {
        self.fresh(pool, |voice| voice.text.as_str())
    }

    /// A chat opener about an order of `product` (any product when unknown).
    fn opener(&mut self, product: Option<usize>) -> &'static QuestionVoice {
        let (kind, subject) = product.map_or((Goods::Tops, ""), |index| self.kind_of(index));
        let openers = voices::chat_openers(kind, subject);
        self.fresh_question(&openers)
            .unwrap_or(&voices::questions()[0])
    }

    fn nm_id(&self, product: usize) -> u64 {
        self.products
            .get(product)
            .and_then(|product| product.wb.as_ref())
            .map_or(0, |card| card.nm_id)
    }

    /// `goodCard` of an FBS order (by index into `wb_fbs`).
    fn good_card_of_order(&self, order: usize) -> Option<GoodCard> {
        let order = self.wb_fbs.get(order)?;
        let product = self.products.get(order.product)?;
        Some(GoodCard {
            nm_id: product.wb.as_ref()?.nm_id,
            price: product.sale_price() * (100 - order.spp) / 100,
            rid: order.srid(),
            size: product
                .sizes
                .get(order.size)
                .map_or("0", |size| size.wb_size)
                .to_owned(),
        })
    }

    /// `goodCard` of a shopper writing about a card: their latest FBS order of it, else the
    /// card with a fresh order id.
    fn good_card_of_card(&mut self, nm_id: u64) -> GoodCard {
        let product = self.card(nm_id);
        let order = product.and_then(|product| {
            self.wb_fbs
                .iter()
                .rposition(|order| order.product == product)
        });
        if let Some(card) = order.and_then(|order| self.good_card_of_order(order)) {
            return card;
        }
        let product = product.and_then(|product| self.products.get(product));
        GoodCard {
            nm_id,
            price: product.map_or(0, |product| product.sale_price()),
            rid: format!("{:032x}", self.rng.random::<u128>()),
            size: product
                .and_then(|product| product.sizes.first())
                .map_or("0", |size| size.wb_size)
                .to_owned(),
        }
    }

    pub(super) fn generate_shoppers(&mut self, count: usize, now: DateTime<Utc>, history: i64) {
        self.shoppers.ozon_message_id = FIRST_OZON_MESSAGE_ID;
        self.shoppers.ozon_seller_id = self.rng.random_range(100_000..1_000_000).to_string();
        let history = history.max(1);
        let cards = self.listed(Marketplace::Wb);
        for _ in 0..count / 25 {
            self.generate_question(&cards, now, history);
        }
        for _ in 0..count / 10 {
            self.generate_feedback(&cards, now, history);
        }
        self.generate_wb_chats(count / 40, now, history.min(30 * 86_400));
        self.generate_ozon_chats(count / 40, now, history.min(30 * 86_400));
        let listed = self.listed(Marketplace::Ozon);
        for _ in 0..count / 25 {
            self.generate_ozon_question(&listed, now, history);
        }
        for _ in 0..count / 10 {
            self.generate_ozon_review(&listed, now, history);
        }
    }

    fn generate_question(&mut self, cards: &[usize], now: DateTime<Utc>, history: i64) {
        let Some(product) = popular(&mut self.rng, cards) else {
            return;
        };
        let nm_id = self.nm_id(product);
        let (kind, subject) = self.kind_of(product);
        let Some(voice) = self.fresh_question(&voices::card_questions(kind, subject)) else {
            return;
        };
        let rng = &mut self.rng;
        let (text, answer) = (voice.text.as_str(), seller_answer(voice.asks));
        let age = rng.random_range(0..history);
        let created_at = before(rng, now, age);
        let answered = rng.random_bool(if age > 2 * 86_400 { 0.85 } else { 0.3 });
        let answer = answered.then(|| Reply {
            text: answer.to_owned(),
            at: (created_at + Duration::seconds(rng.random_range(600..86_400))).min(now),
        });
        self.shoppers.questions.push(Question {
            id: es_id(rng),
            product: Some(product),
            nm_id,
            text: text.to_owned(),
            created_at,
            state: if answered { PUBLISHED } else { QUESTION_NEW },
            writes: u32::from(answered),
            was_viewed: answered || rng.random_bool(0.3),
            is_warned: rng.random_bool(0.02),
            answer,
        });
    }

    fn generate_feedback(&mut self, cards: &[usize], now: DateTime<Utc>, history: i64) {
        let Some(product) = popular(&mut self.rng, cards) else {
            return;
        };
        let sizes = self.products[product].sizes.len().max(1);
        let nm_id = self.nm_id(product);
        let (kind, subject) = self.kind_of(product);
        let valuation = stars(&mut self.rng);
        let Some(voice) = self.fresh_review(&voices::reviews_for(valuation, kind, subject)) else {
            return;
        };
        let rng = &mut self.rng;
        let age = rng.random_range(0..history);
        let created_at = now - Duration::seconds(age);
        let (text, pros, cons) = (
            voice.text.as_str(),
            voice.pros.as_str(),
            voice.cons.as_str(),
        );
        let answered = rng.random_bool(if age > 3 * 86_400 { 0.8 } else { 0.2 });
        let answer = answered.then(|| Reply {
            text: FEEDBACK_ANSWERS[usize::from(valuation >= 4)].to_owned(),
            at: (created_at + Duration::seconds(rng.random_range(600..86_400))).min(now),
        });
        self.shoppers.feedbacks.push(Feedback {
            id: es_id(rng),
            product: Some(product),
            nm_id,
            size: rng.random_range(0..sizes),
            text: text.to_owned(),
            pros: pros.to_owned(),
            cons: cons.to_owned(),
            valuation,
            created_at,
            bought_at: created_at - Duration::days(rng.random_range(1..15)),
            user_name: name(rng),
            shk_id: rng.random_range(10_000_000_000..100_000_000_000),
            writes: u32::from(answered),
            was_viewed: answered || rng.random_bool(0.3),
            answer,
        });
    }

    fn generate_wb_chats(&mut self, count: usize, now: DateTime<Utc>, history: i64) {
        let mut events = Vec::new();
        for _ in 0..count {
            let order =
                (!self.wb_fbs.is_empty()).then(|| self.rng.random_range(0..self.wb_fbs.len()));
            let good = order.and_then(|order| self.good_card_of_order(order));
            let product = order
                .and_then(|order| self.wb_fbs.get(order))
                .map(|o| o.product);
            let opener = self.opener(product);
            let (question, answer) = (opener.text.as_str(), seller_answer(opener.asks));
            let rng = &mut self.rng;
            let id = format!("1:{}", uuid(rng));
            let chat = self.shoppers.wb_chats.len();
            self.shoppers.wb_chats.push(WbChat {
                reply_sign: reply_sign(rng, &id),
                id,
                client_name: name(rng).to_owned(),
                good,
            });
            let source = ["rusite", "android", "ios"]
                .choose(rng)
                .copied()
                .unwrap_or("rusite");
            let now_ms = now.timestamp_millis();
            let mut at = now_ms - rng.random_range(0..history * 1000);
            let mut lines = vec![(Author::Buyer, source, question)];
            if rng.random_bool(0.8) {
                lines.push((Author::Seller, "seller-portal", answer));
                if rng.random_bool(0.5) {
                    let thanks = THANKS.choose(rng).copied().unwrap_or("Спасибо!");
                    lines.push((Author::Buyer, source, thanks));
                }
            }
            for (index, (author, source, text)) in lines.into_iter().enumerate() {
                if index > 0 {
                    at += rng.random_range(60_000..6 * 3_600_000);
                }
                if at > now_ms {
                    break;
                }
                events.push(WbEvent {
                    chat,
                    id: uuid(rng),
                    at_ms: at,
                    author,
                    source,
                    text: text.to_owned(),
                    new_chat: index == 0,
                    files: Vec::new(),
                });
            }
        }
        events.sort_by_key(|event| event.at_ms);
        for event in events {
            self.insert_wb_event(event);
        }
    }

    /// Files an event in time order; a taken millisecond moves it (and any later events it
    /// then meets) one millisecond on, so times stay unique.
    pub(super) fn insert_wb_event(&mut self, mut event: WbEvent) {
        let events = &mut self.shoppers.wb_events;
        let position = events.partition_point(|other| other.at_ms <= event.at_ms);
        if let Some(previous) = position.checked_sub(1).and_then(|index| events.get(index)) {
            event.at_ms = event.at_ms.max(previous.at_ms + 1);
        }
        events.insert(position, event);
        for index in position + 1..events.len() {
            if events[index].at_ms > events[index - 1].at_ms {
                break;
            }
            events[index].at_ms = events[index - 1].at_ms + 1;
        }
    }

    /// The next event time: now, or just after the newest event.
    fn next_event_ms(&self, now: DateTime<Utc>) -> i64 {
        let last = self
            .shoppers
            .wb_events
            .last()
            .map_or(0, |event| event.at_ms);
        now.timestamp_millis().max(last + 1)
    }

    fn generate_ozon_chats(&mut self, count: usize, now: DateTime<Utc>, history: i64) {
        let mut chats = Vec::with_capacity(count + 1);
        let postings = self.ozon_fbs.len() + self.ozon_fbo.len();
        for _ in 0..count {
            let posting = (postings > 0).then(|| self.rng.random_range(0..postings));
            let (order_number, sku) = posting.map_or_else(
                || (String::new(), String::new()),
                |index| self.posting_context(index),
            );
            let product = posting.and_then(|index| self.posting_product(index));
            let opener = self.opener(product);
            let (question, answer) = (opener.text.as_str(), seller_answer(opener.asks));
            let rng = &mut self.rng;
            let buyer = rng.random_range(10_000_000..100_000_000).to_string();
            let age = rng.random_range(0..history);
            let mut at =
                now - Duration::seconds(age) - Duration::milliseconds(rng.random_range(0..1000));
            let answered = rng.random_bool(0.75);
            let mut messages = vec![OzonMessage {
                id: 0,
                at,
                author: Author::Buyer,
                user_id: buyer.clone(),
                text: question.to_owned(),
                read: answered,
            }];
            if answered {
                at += Duration::seconds(rng.random_range(60..6 * 3600));
                if at <= now {
                    messages.push(OzonMessage {
                        id: 0,
                        at,
                        author: Author::Seller,
                        user_id: self.shoppers.ozon_seller_id.clone(),
                        text: answer.to_owned(),
                        read: true,
                    });
                }
            }
            chats.push(OzonChat {
                id: uuid(rng),
                support: false,
                closed: answered && age > 14 * 86_400,
                created_at: messages[0].at,
                order_number,
                sku,
                messages,
            });
        }
        let rng = &mut self.rng;
        let opened = now - Duration::days(20);
        chats.push(OzonChat {
            id: uuid(rng),
            support: true,
            closed: false,
            created_at: opened,
            order_number: String::new(),
            sku: String::new(),
            messages: SUPPORT_MESSAGES
                .iter()
                .enumerate()
                .map(|(index, text)| OzonMessage {
                    id: 0,
                    at: opened + Duration::days(index as i64 * 12),
                    author: Author::Support,
                    user_id: "0".to_owned(),
                    text: (*text).to_owned(),
                    // Support's latest note is unread, so it counts in `total_unread_count`.
                    read: index + 1 < SUPPORT_MESSAGES.len(),
                })
                .collect(),
        });
        // Message ids grow with time over all chats, as Ozon's do.
        let mut order: Vec<(DateTime<Utc>, usize, usize)> = chats
            .iter()
            .enumerate()
            .flat_map(|(chat, item)| {
                item.messages
                    .iter()
                    .enumerate()
                    .map(move |(index, message)| (message.at, chat, index))
            })
            .collect();
        order.sort();
        for (_, chat, index) in order {
            let id = self.next_ozon_message_id();
            chats[chat].messages[index].id = id;
        }
        self.shoppers.ozon_chats.extend(chats);
    }

    fn next_ozon_message_id(&mut self) -> u64 {
        self.shoppers.ozon_message_id += self.rng.random_range(1..=5_000);
        self.shoppers.ozon_message_id
    }

    /// The product of a posting (index over FBS then FBO).
    fn posting_product(&self, index: usize) -> Option<usize> {
        match index.checked_sub(self.ozon_fbs.len()) {
            None => self.ozon_fbs.get(index),
            Some(fbo) => self.ozon_fbo.get(fbo),
        }
        .map(|posting| posting.product)
    }

    /// `order_number` and `sku` of a posting (index over FBS then FBO).
    fn posting_context(&self, index: usize) -> (String, String) {
        let posting = match index.checked_sub(self.ozon_fbs.len()) {
            None => self.ozon_fbs.get(index),
            Some(fbo) => self.ozon_fbo.get(fbo),
        };
        posting.map_or_else(
            || (String::new(), String::new()),
            |posting| {
                let sku = self
                    .products
                    .get(posting.product)
                    .and_then(|product| product.ozon.as_ref())
                    .map_or(String::new(), |item| item.sku.to_string());
                (posting.order_number(), sku)
            },
        )
    }

    /// Context of a chat about a posting number; unknown postings keep their order number.
    fn context_of(&self, posting_number: &str) -> (String, String) {
        let found = self
            .ozon_fbs
            .iter()
            .position(|posting| posting.posting_number() == posting_number)
            .or_else(|| {
                self.ozon_fbo
                    .iter()
                    .position(|posting| posting.posting_number() == posting_number)
                    .map(|index| index + self.ozon_fbs.len())
            });
        match found {
            Some(index) => self.posting_context(index),
            None => {
                let order = posting_number
                    .rsplit_once('-')
                    .map_or(posting_number, |(order, _)| order);
                (order.to_owned(), String::new())
            }
        }
    }

    pub(super) fn add_question(
        &mut self,
        id: Option<&str>,
        nm_id: u64,
        text: &str,
        created_at: DateTime<Utc>,
    ) -> String {
        let id = id.map_or_else(|| es_id(&mut self.rng), str::to_owned);
        self.shoppers.questions.push(Question {
            id: id.clone(),
            product: self.card(nm_id),
            nm_id,
            text: text.to_owned(),
            created_at,
            state: QUESTION_NEW,
            answer: None,
            writes: 0,
            was_viewed: false,
            is_warned: false,
        });
        id
    }

    /// A new unanswered review of card `nm_id`; returns its id.
    pub(super) fn add_feedback(
        &mut self,
        id: Option<&str>,
        nm_id: u64,
        text: &str,
        valuation: u8,
        at: DateTime<Utc>,
    ) -> String {
        let product = self.card(nm_id);
        let sizes = product.map_or(1, |product| self.products[product].sizes.len().max(1));
        let rng = &mut self.rng;
        let feedback = Feedback {
            id: id.map_or_else(|| es_id(rng), str::to_owned),
            product,
            nm_id,
            size: rng.random_range(0..sizes),
            text: text.to_owned(),
            pros: String::new(),
            cons: String::new(),
            valuation: valuation.clamp(1, 5),
            created_at: DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at),
            bought_at: at - Duration::days(rng.random_range(1..15)),
            user_name: name(rng),
            shk_id: rng.random_range(10_000_000_000..100_000_000_000),
            answer: None,
            writes: 0,
            was_viewed: false,
        };
        let id = feedback.id.clone();
        self.shoppers.feedbacks.push(feedback);
        id
    }

    /// A shopper message in a WB chat; `None` or an unknown id opens a chat (with that id).
    pub(super) fn wb_buyer_writes(
        &mut self,
        chat: Option<&str>,
        client_name: &str,
        good: Option<GoodCard>,
        text: &str,
        at_ms: i64,
    ) -> BuyerMessage {
        let existing =
            chat.and_then(|id| self.shoppers.wb_chats.iter().position(|chat| chat.id == id));
        let (index, new_chat) = match existing {
            Some(index) => (index, false),
            None => {
                let id = chat.map_or_else(|| format!("1:{}", uuid(&mut self.rng)), str::to_owned);
                self.shoppers.wb_chats.push(WbChat {
                    reply_sign: reply_sign(&mut self.rng, &id),
                    id,
                    client_name: client_name.to_owned(),
                    good,
                });
                (self.shoppers.wb_chats.len() - 1, true)
            }
        };
        let event_id = uuid(&mut self.rng);
        self.insert_wb_event(WbEvent {
            chat: index,
            id: event_id.clone(),
            at_ms,
            author: Author::Buyer,
            source: "rusite",
            text: text.to_owned(),
            new_chat,
            files: Vec::new(),
        });
        let chat = &self.shoppers.wb_chats[index];
        BuyerMessage {
            chat_id: chat.id.clone(),
            event_id,
            reply_sign: chat.reply_sign.clone(),
        }
    }

    /// A message in an Ozon chat; `None` or an unknown id opens a buyer chat.
    pub(crate) fn ozon_writes(
        &mut self,
        chat: Option<&str>,
        posting_number: Option<&str>,
        author: Author,
        text: &str,
        at: DateTime<Utc>,
    ) -> OzonBuyerMessage {
        let existing = chat.and_then(|id| self.ozon_chat(id));
        let index = match existing {
            Some(index) => index,
            None => {
                let (order_number, sku) = posting_number.map_or_else(
                    || (String::new(), String::new()),
                    |number| self.context_of(number),
                );
                let id = chat.map_or_else(|| uuid(&mut self.rng), str::to_owned);
                self.shoppers.ozon_chats.push(OzonChat {
                    id,
                    support: false,
                    closed: false,
                    created_at: at,
                    order_number,
                    sku,
                    messages: Vec::new(),
                });
                self.shoppers.ozon_chats.len() - 1
            }
        };
        let id = self.next_ozon_message_id();
        let user_id = match author {
            Author::Buyer => self.shoppers.ozon_chats[index]
                .messages
                .iter()
                .find(|message| message.author == Author::Buyer)
                .map_or_else(
                    || self.rng.random_range(10_000_000..100_000_000).to_string(),
                    |message| message.user_id.clone(),
                ),
            Author::Seller => self.shoppers.ozon_seller_id.clone(),
            Author::Support => "0".to_owned(),
        };
        let chat = &mut self.shoppers.ozon_chats[index];
        if author == Author::Seller {
            // Answering reads the chat.
            for message in &mut chat.messages {
                message.read = true;
            }
        }
        chat.closed = false;
        chat.messages.push(OzonMessage {
            id,
            at,
            author,
            user_id,
            text: text.to_owned(),
            read: author == Author::Seller,
        });
        OzonBuyerMessage {
            chat_id: chat.id.clone(),
            message_id: id.to_string(),
        }
    }

    pub(crate) fn ozon_chat(&self, id: &str) -> Option<usize> {
        self.shoppers
            .ozon_chats
            .iter()
            .position(|chat| chat.id == id)
    }

    pub(crate) fn wb_chat_by_sign(&self, sign: &str) -> Option<usize> {
        self.shoppers
            .wb_chats
            .iter()
            .position(|chat| chat.reply_sign == sign)
    }

    /// The seller's message through the chat API; returns its time in unix milliseconds.
    pub(crate) fn wb_seller_writes(
        &mut self,
        chat: usize,
        text: &str,
        files: Vec<ChatFile>,
        now: DateTime<Utc>,
    ) -> i64 {
        let at_ms = self.next_event_ms(now);
        let id = uuid(&mut self.rng);
        self.insert_wb_event(WbEvent {
            chat,
            id,
            at_ms,
            author: Author::Seller,
            source: "seller-public-api",
            text: text.to_owned(),
            new_chat: false,
            files,
        });
        at_ms
    }

    /// A download id for a file the seller sent.
    pub(crate) fn download_id(&mut self) -> String {
        uuid(&mut self.rng)
    }

    /// `PATCH /api/v1/questions` with an answer: the first write publishes (or rejects),
    /// one edit follows within 60 days, nothing after that.
    pub(crate) fn answer_question(
        &mut self,
        id: &str,
        text: &str,
        state: &'static str,
        now: DateTime<Utc>,
    ) -> Write {
        let Some(question) = self
            .shoppers
            .questions
            .iter_mut()
            .find(|question| question.id == id)
        else {
            return Write::Unknown;
        };
        if question.writes > 0 && !editable(question.writes, question.answer.as_ref(), now) {
            return Write::EditRefused;
        }
        let at = question.answer.as_ref().map_or(now, |answer| answer.at);
        question.answer = Some(Reply {
            text: text.to_owned(),
            at,
        });
        question.state = state;
        question.writes += 1;
        question.was_viewed = true;
        Write::Done
    }

    pub(crate) fn view_question(&mut self, id: &str, viewed: bool) -> bool {
        let question = self
            .shoppers
            .questions
            .iter_mut()
            .find(|question| question.id == id);
        question
            .map(|question| question.was_viewed = viewed)
            .is_some()
    }

    /// `POST` (`edit` false) or `PATCH` (`edit` true) `/api/v1/feedbacks/answer`.
    pub(crate) fn answer_feedback(
        &mut self,
        id: &str,
        text: &str,
        edit: bool,
        now: DateTime<Utc>,
    ) -> Write {
        let Some(feedback) = self
            .shoppers
            .feedbacks
            .iter_mut()
            .find(|feedback| feedback.id == id)
        else {
            return Write::Unknown;
        };
        match (edit, feedback.answer.as_ref()) {
            (false, Some(_)) => return Write::AlreadyAnswered,
            (true, None) => return Write::NothingToEdit,
            (true, Some(_)) if !editable(feedback.writes, feedback.answer.as_ref(), now) => {
                return Write::EditRefused;
            }
            _ => {}
        }
        let at = feedback.answer.as_ref().map_or(now, |answer| answer.at);
        feedback.answer = Some(Reply {
            text: text.to_owned(),
            at,
        });
        feedback.writes += 1;
        feedback.was_viewed = true;
        Write::Done
    }
}

impl Seller {
    /// A new unanswered WB question on card `nm_id`, asked now; returns its id.
    pub(crate) fn ask_question(&self, nm_id: u64, text: &str) -> String {
        self.write().add_question(None, nm_id, text, Utc::now())
    }

    /// A new unanswered WB review, left now; returns its id.
    pub(crate) fn leave_feedback(&self, nm_id: u64, text: &str, valuation: u8) -> String {
        self.write()
            .add_feedback(None, nm_id, text, valuation, Utc::now())
    }

    /// `voice` left now as a WB review of the `n`-th card it fits, with its pros and cons;
    /// the review's id and the card's `nmID`, `None` when no card fits.
    pub(crate) fn leave_wb_voice(&self, voice: &ReviewVoice, n: usize) -> Option<(String, u64)> {
        let mut data = self.write();
        let product = data.fitting(voice.goods, voice.subject, n)?;
        let nm_id = data.products[product].wb.as_ref()?.nm_id;
        let id = data.add_feedback(None, nm_id, &voice.text, voice.stars, Utc::now());
        if let Some(feedback) = data.shoppers.feedbacks.iter_mut().find(|f| f.id == id) {
            feedback.pros.clone_from(&voice.pros);
            feedback.cons.clone_from(&voice.cons);
        }
        Some((id, nm_id))
    }

    /// The WB `nmID` of the `n`-th card a question of `voice` fits.
    pub(crate) fn wb_card_for(&self, voice: &QuestionVoice, n: usize) -> Option<u64> {
        let data = self.read();
        let product = data.fitting(voice.goods, voice.subject, n)?;
        data.products[product].wb.as_ref().map(|card| card.nm_id)
    }

    /// The Ozon SKU of the `n`-th product a review of `voice` fits.
    pub(crate) fn ozon_sku_for(&self, voice: &ReviewVoice, n: usize) -> Option<u64> {
        let data = self.read();
        let product = data.fitting(voice.goods, voice.subject, n)?;
        data.products[product].ozon.as_ref().map(|item| item.sku)
    }

    pub(crate) fn wb_seller_answers_question(&self, id: &str, text: &str) -> bool {
        let written = self
            .write()
            .answer_question(id, text, PUBLISHED, Utc::now());
        written == Write::Done
    }

    pub(crate) fn wb_seller_answers_feedback(&self, id: &str, text: &str) -> bool {
        let written = self.write().answer_feedback(id, text, false, Utc::now());
        written == Write::Done
    }

    /// The seller's message typed in WB's cabinet; returns the event id.
    pub(crate) fn wb_seller_writes_in_portal(&self, chat_id: &str, text: &str) -> Option<String> {
        let now = Utc::now();
        let mut data = self.write();
        let chat = data
            .shoppers
            .wb_chats
            .iter()
            .position(|chat| chat.id == chat_id)?;
        let at_ms = data.next_event_ms(now);
        let id = uuid(&mut data.rng);
        data.insert_wb_event(WbEvent {
            chat,
            id: id.clone(),
            at_ms,
            author: Author::Seller,
            source: "seller-portal",
            text: text.to_owned(),
            new_chat: false,
            files: Vec::new(),
        });
        Some(id)
    }

    /// A shopper message in a WB chat, now.
    pub(crate) fn wb_buyer_writes(
        &self,
        chat: Option<&str>,
        client_name: &str,
        nm_id: Option<u64>,
        text: &str,
    ) -> BuyerMessage {
        let now = Utc::now();
        let mut data = self.write();
        let good = nm_id.map(|nm_id| data.good_card_of_card(nm_id));
        let at_ms = data.next_event_ms(now);
        data.wb_buyer_writes(chat, client_name, good, text, at_ms)
    }

    /// A shopper message in an Ozon chat, now.
    pub(crate) fn ozon_buyer_writes(
        &self,
        chat: Option<&str>,
        posting_number: Option<&str>,
        text: &str,
    ) -> OzonBuyerMessage {
        self.write()
            .ozon_writes(chat, posting_number, Author::Buyer, text, Utc::now())
    }

    pub(crate) fn questions(&self) -> Vec<SandboxQuestion> {
        let data = self.read();
        data.shoppers
            .questions
            .iter()
            .map(|question| SandboxQuestion {
                id: question.id.clone(),
                nm_id: i64::try_from(question.nm_id).unwrap_or(i64::MAX),
                text: question.text.clone(),
                state: question.state.to_owned(),
                answer: question.answer.as_ref().map(|answer| answer.text.clone()),
                answer_writes: question.writes,
                was_viewed: question.was_viewed,
            })
            .collect()
    }

    pub(crate) fn feedbacks(&self) -> Vec<SandboxFeedback> {
        let data = self.read();
        data.shoppers
            .feedbacks
            .iter()
            .map(|feedback| SandboxFeedback {
                id: feedback.id.clone(),
                nm_id: i64::try_from(feedback.nm_id).unwrap_or(i64::MAX),
                text: feedback.text.clone(),
                valuation: feedback.valuation,
                state: if feedback.answered() {
                    PUBLISHED
                } else {
                    HIDDEN
                }
                .to_owned(),
                answer: feedback.answer.as_ref().map(|answer| answer.text.clone()),
                answer_writes: feedback.writes,
                was_viewed: feedback.was_viewed,
            })
            .collect()
    }

    pub(crate) fn chat_messages(
        &self,
        market: Marketplace,
        chat_id: &str,
    ) -> Vec<SandboxChatMessage> {
        let data = self.read();
        match market {
            Marketplace::Wb => {
                let Some(chat) = data
                    .shoppers
                    .wb_chats
                    .iter()
                    .position(|chat| chat.id == chat_id)
                else {
                    return Vec::new();
                };
                data.shoppers
                    .wb_events
                    .iter()
                    .filter(|event| event.chat == chat)
                    .map(|event| SandboxChatMessage {
                        id: event.id.clone(),
                        sender: event.author.wb().to_owned(),
                        text: event.text.clone(),
                        at: DateTime::from_timestamp_millis(event.at_ms).unwrap_or_default(),
                    })
                    .collect()
            }
            Marketplace::Ozon => data
                .ozon_chat(chat_id)
                .map(|chat| {
                    data.shoppers.ozon_chats[chat]
                        .messages
                        .iter()
                        .map(|message| SandboxChatMessage {
                            id: message.id.to_string(),
                            sender: message.author.ozon().to_owned(),
                            text: message.text.clone(),
                            at: message.at,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// For the demo records: a chat about a known WB order.
pub(super) fn demo_good_card(data: &SellerData, order_id: u64) -> Option<GoodCard> {
    let index = data.wb_fbs.iter().position(|order| order.id == order_id)?;
    data.good_card_of_order(index)
}
