//! ЮKassa's notifications: `{"type":"notification","event":"payment.succeeded","object":{…}}`.
//! They are unsigned, so nothing in them is believed: only the event name and the object's id
//! are read, to know what to fetch back from the API.

use serde::Deserialize;

/// The events billing subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationEvent {
    PaymentSucceeded,
    PaymentCanceled,
    /// Only for two-stage payments, which we do not make; acknowledged and ignored.
    PaymentWaitingForCapture,
    RefundSucceeded,
}

impl NotificationEvent {
    pub fn parse(event: &str) -> Option<Self> {
        Some(match event {
            "payment.succeeded" => Self::PaymentSucceeded,
            "payment.canceled" => Self::PaymentCanceled,
            "payment.waiting_for_capture" => Self::PaymentWaitingForCapture,
            "refund.succeeded" => Self::RefundSucceeded,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentCanceled => "payment.canceled",
            Self::PaymentWaitingForCapture => "payment.waiting_for_capture",
            Self::RefundSucceeded => "refund.succeeded",
        }
    }

    /// Whether the object is a refund (else a payment).
    pub fn is_refund(self) -> bool {
        matches!(self, Self::RefundSucceeded)
    }
}

/// What a notification claims happened, to be checked against the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub event: NotificationEvent,
    /// The payment's or refund's id.
    pub object: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("not a JSON notification: {0}")]
    Malformed(String),
    #[error("`type` is `{0}`, not `notification`")]
    NotANotification(String),
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
    #[error("the object's id is missing or malformed")]
    BadObjectId,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    object: RawObject,
}

#[derive(Deserialize)]
struct RawObject {
    id: String,
}

/// Reads a notification's event and object id; the rest of the body is ignored.
pub fn parse_notification(body: &[u8]) -> Result<Notification, NotificationError> {
    let raw: Raw = serde_json::from_slice(body)
        .map_err(|err| NotificationError::Malformed(err.to_string()))?;
    if raw.kind != "notification" {
        return Err(NotificationError::NotANotification(truncate(&raw.kind)));
    }
    let event = NotificationEvent::parse(&raw.event)
        .ok_or_else(|| NotificationError::UnknownEvent(truncate(&raw.event)))?;
    if !is_object_id(&raw.object.id) {
        return Err(NotificationError::BadObjectId);
    }
    Ok(Notification {
        event,
        object: raw.object.id,
    })
}

/// ЮKassa's ids are UUID-like (`2f3b588d-000f-5000-8000-1d6e87c7fbde`); anything else is not
/// one of its objects and must not reach a URL or a queue key.
pub(super) fn is_object_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any body is refused or read, never a panic; what is read is an id fit for a URL and
        /// a queue key, taken from the body itself.
        #[test]
        fn any_body_is_read_safely(
            raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            event in "[a-z._]{0,30}",
            id in "\\PC{0,80}",
        ) {
            let _ = parse_notification(&raw);
            let body = serde_json::json!({"type": "notification", "event": event, "object": {"id": id}});
            if let Ok(read) = parse_notification(body.to_string().as_bytes()) {
                proptest::prop_assert_eq!(&read.object, &id);
                proptest::prop_assert!(is_object_id(&read.object));
            }
        }
    }

    #[test]
    fn reads_only_the_event_and_the_object_id() {
        let body = br#"{"type":"notification","event":"payment.succeeded","object":{"id":"2f3b588d-000f-5000-8000-1d6e87c7fbde","status":"succeeded","paid":true,"amount":{"value":"1.00","currency":"RUB"}}}"#;
        assert_eq!(
            parse_notification(body),
            Ok(Notification {
                event: NotificationEvent::PaymentSucceeded,
                object: "2f3b588d-000f-5000-8000-1d6e87c7fbde".into()
            })
        );
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(
            parse_notification(b"not json"),
            Err(NotificationError::Malformed(_))
        ));
        assert!(matches!(
            parse_notification(
                br#"{"type":"payment","event":"payment.succeeded","object":{"id":"a"}}"#
            ),
            Err(NotificationError::NotANotification(_))
        ));
        assert!(matches!(
            parse_notification(
                br#"{"type":"notification","event":"payout.succeeded","object":{"id":"a"}}"#
            ),
            Err(NotificationError::UnknownEvent(_))
        ));
        for id in ["", "../payments", "a b", "a\u{0}b", &"x".repeat(65)] {
            let body = serde_json::json!({"type":"notification","event":"payment.canceled","object":{"id": id}});
            assert_eq!(
                parse_notification(body.to_string().as_bytes()),
                Err(NotificationError::BadObjectId),
                "{id:?}"
            );
        }
    }
}
