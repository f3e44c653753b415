//! What the assistant remembers about a conversation between turns (stored as JSON in
//! `conversations.assistant_state`).

use serde::{Deserialize, Serialize};

/// A detail the assistant asked for and is waiting to hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    OrderId,
    Article,
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
    /// Turns in a row the assistant did not understand.
    pub failed_turns: u32,
    /// Times the shopper asked where their refund is.
    pub refund_asks: u32,
    /// Unix seconds of recent turns, for the per-minute cap.
    pub turns: Vec<i64>,
    /// Phrases already used in this conversation, so the wording varies.
    pub said: Vec<String>,
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

    pub fn remember_said(&mut self, key: String) {
        self.said.push(key);
        if self.said.len() > 40 {
            self.said.remove(0);
        }
    }
}
