//! What the assistant remembers about a conversation between turns (stored as JSON in
//! `conversations.assistant_state`).

use otklik_nlu::Language;
use serde::{Deserialize, Serialize};

/// A detail the assistant asked for and is waiting to hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    OrderId,
    Article,
    /// Proof that the remembered order is the shopper's: a product from it.
    OrderOwnership,
}

impl Slot {
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::OrderId => "order_id",
            Slot::Article => "article",
            Slot::OrderOwnership => "order_ownership",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The order being discussed: once named, later questions need not repeat it.
    pub order_id: Option<String>,
    pub article: Option<String>,
    pub awaiting: Option<Slot>,
    /// The question asked before the assistant asked for a detail, resumed when it arrives.
    pub pending_intent: Option<String>,
    /// Its words, read again with the detail.
    pub pending_question: Option<String>,
    /// Turns in a row the assistant did not understand.
    pub failed_turns: u32,
    /// Times the shopper asked where their refund is.
    pub refund_asks: u32,
    /// Unix seconds of recent turns, for the per-minute cap.
    pub turns: Vec<i64>,
    /// Phrases already used in this conversation, so the wording varies.
    pub said: Vec<String>,
    /// The language the shopper writes in, kept when a message carries no signal («ok», «42»).
    pub language: Option<Language>,
    /// Orders this conversation has shown to be the shopper's: their personal details (pickup
    /// point, tracking, items) may be told.
    pub verified_orders: Vec<String>,
    /// The shopper asked not to be written to first (order news).
    pub no_news: bool,
    /// Products named for the pending proof of ownership that were not in the order.
    pub ownership_misses: u32,
}

impl State {
    /// An unreadable document starts a fresh memory rather than stopping the conversation.
    pub fn of(doc: &serde_json::Value) -> State {
        serde_json::from_value(doc.clone()).unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }

    /// Counts this turn and tells whether the conversation is over its per-minute cap.
    pub fn count_turn(&mut self, now: i64, per_minute: usize) -> bool {
        self.turns.retain(|&t| now - t < 60);
        self.turns.push(now);
        self.turns.len() > per_minute
    }

    pub fn is_verified(&self, order: &str) -> bool {
        self.verified_orders.iter().any(|o| o == order)
    }

    pub fn verify(&mut self, order: &str) {
        if !self.is_verified(order) {
            self.verified_orders.push(order.to_owned());
            if self.verified_orders.len() > 10 {
                self.verified_orders.remove(0);
            }
        }
    }

    pub fn remember_said(&mut self, key: String) {
        self.said.push(key);
        if self.said.len() > 40 {
            self.said.remove(0);
        }
    }
}
