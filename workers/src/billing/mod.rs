//! Billing in the workers: the payment provider's events applied to tenants' standing and the
//! scheduled billing run (usage reported as meter events, lapses, reconciliation). The standing
//! every turn checks and the merchant's functions live in `otklik_billing::accounts`.

mod events;
mod runs;

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use otklik_jobs::BillingJob;

pub use otklik_billing::accounts::{
    Billing, BillingError, BillingSetupError, Standing, merchant, standing,
};
pub use runs::{RunSummary, run, schedule_tick};

use crate::Context;

/// The billing pool's job handler.
pub async fn handle(job: BillingJob, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    match job {
        BillingJob::ProviderEvent { id, body } => events::apply(&ctx, &id, &body).await?,
        BillingJob::YooKassaNotification { event, object } => {
            events::apply_yookassa(&ctx, &event, &object).await?;
        }
        BillingJob::Run { tick } => {
            run(&ctx, &tick).await?;
        }
    }
    Ok(())
}
