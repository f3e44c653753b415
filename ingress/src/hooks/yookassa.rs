//! `POST /hooks/yookassa`: ЮKassa's notifications (`payment.succeeded`, `payment.canceled`,
//! `refund.succeeded`). They are unsigned, so the body is trusted for nothing but which object
//! to look at: the billing worker reads that object back from ЮKassa's API and applies its
//! current state. Here the body is only checked for shape and queued, once per event and
//! object; the answer is 200 so ЮKassa stops resending.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use otklik_billing::yookassa::{NotificationError, NotificationEvent, parse_notification};
use otklik_jobs::BillingJob;

use crate::{ApiError, AppState};

pub async fn receive(State(state): State<AppState>, body: Bytes) -> Result<StatusCode, ApiError> {
    if state.config().yookassa_shop_id.is_none() {
        return Err(ApiError::NotFound);
    }
    let notification = parse_notification(&body).map_err(|err| {
        tracing::warn!(error = %err, "a ЮKassa notification was refused");
        ApiError::BadRequest(match err {
            NotificationError::Malformed(_) => "not a ЮKassa notification: malformed JSON".into(),
            other => format!("not a ЮKassa notification: {other}"),
        })
    })?;
    // Two-stage payments are never made, so there is nothing to capture.
    if notification.event == NotificationEvent::PaymentWaitingForCapture {
        return Ok(StatusCode::OK);
    }
    super::enqueue_billing(
        &state,
        BillingJob::YooKassaNotification {
            event: notification.event.as_str().to_owned(),
            object: notification.object,
        },
    )
    .await?;
    Ok(StatusCode::OK)
}
