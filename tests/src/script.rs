//! What the LLM fakes share: the requests they received and the replies scripted for the
//! next ones.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::http::HeaderMap;
use serde_json::Value;

/// One request a fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    /// Names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Value,
    pub at: Instant,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }
}

/// Received requests, and the replies to give the next ones, in order.
pub struct Script<R> {
    calls: Mutex<Vec<Call>>,
    replies: Mutex<VecDeque<R>>,
}

impl<R> Default for Script<R> {
    fn default() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            replies: Mutex::new(VecDeque::new()),
        }
    }
}

impl<R> Script<R> {
    pub fn push(&self, reply: R) {
        self.replies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(reply);
    }

    /// The next scripted reply, if any.
    pub fn next_reply(&self) -> Option<R> {
        self.replies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    /// Records a request whose body is JSON (or `null` when it is not) and takes the reply
    /// scripted for it.
    pub fn receive(&self, path: &str, headers: &HeaderMap, raw: &[u8]) -> (Value, Option<R>) {
        let body: Value = serde_json::from_slice(raw).unwrap_or(Value::Null);
        let reply = self.next_reply();
        self.record(path, headers, body.clone());
        (body, reply)
    }

    pub fn record(&self, path: &str, headers: &HeaderMap, body: Value) {
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Call {
                path: path.to_owned(),
                headers,
                body,
                at: Instant::now(),
            });
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn call_count(&self) -> usize {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
