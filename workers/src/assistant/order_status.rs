//! Marketplace order statuses in plain words (`reference/marketplaces.md` §5, §11): each status
//! has a message in the assistant's catalogues (`status-<key>`).
//!
//! WB orders are stored with `status` = `supplierStatus` and `substatus` = `wbStatus`; Ozon
//! postings with their `status` and `substatus`. Unknown values are never an error: the
//! shopper hears what is known, and the raw value stays in the operator's view.

use otklik_db::catalogue::Order;
use otklik_schema::Marketplace;

use super::catalogue::Speech;

/// What a status means for the shopper: the catalogue key of the rest of «Заказ 123 …», and
/// the stage the decisions depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub key: &'static str,
    pub stage: Stage,
}

impl Explained {
    /// «уже ждёт вас в пункте выдачи — можно забирать», in the reply's language.
    pub fn predicate(&self, speech: Speech) -> String {
        speech.text(&format!("status-{}", self.key), &[])
    }
}

/// Where the order is, for the decisions that depend on it (can it still be cancelled?).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not yet handed to delivery: the shopper can cancel it in the app.
    Preparing,
    InTransit,
    AtPickupPoint,
    Received,
    Cancelled,
    /// A dispute or a failure people must look at.
    Problem,
    Unknown,
}

fn wb(supplier: &str, wb: Option<&str>) -> Explained {
    use Stage::*;
    let (key, stage) = match wb.unwrap_or("") {
        "ready_for_pickup" => ("wb-ready_for_pickup", AtPickupPoint),
        "sold" => ("wb-sold", Received),
        "sorted" => ("wb-sorted", InTransit),
        "canceled" => ("wb-canceled", Cancelled),
        "canceled_by_client" => ("wb-canceled_by_client", Cancelled),
        "declined_by_client" => ("wb-declined_by_client", Cancelled),
        "defect" => ("wb-defect", Cancelled),
        "postponed_delivery" => ("wb-postponed_delivery", InTransit),
        "canceled_by_missed_call" => ("wb-canceled_by_missed_call", Cancelled),
        "accepted_by_carrier" => ("wb-accepted_by_carrier", InTransit),
        "sent_to_carrier" => ("wb-sent_to_carrier", InTransit),
        "canceled_by_carrier" => ("wb-canceled_by_carrier", Cancelled),
        _ => match supplier {
            "new" => ("wb-supplier-new", Preparing),
            "confirm" => ("wb-supplier-confirm", Preparing),
            "complete" | "deliver" => ("wb-supplier-complete", InTransit),
            "prepare" => ("wb-supplier-prepare", AtPickupPoint),
            "receive" => ("wb-supplier-receive", Received),
            "reject" => ("wb-supplier-reject", Cancelled),
            "cancel" => ("wb-supplier-cancel", Cancelled),
            "cancel_missed_call" => ("wb-supplier-cancel_missed_call", Cancelled),
            "cancel_shelf_life" => ("wb-supplier-cancel_shelf_life", Cancelled),
            _ => ("wb-unknown", Unknown),
        },
    };
    Explained { key, stage }
}

fn ozon(status: &str, substatus: Option<&str>) -> Explained {
    use Stage::*;
    let (key, stage) = match substatus.unwrap_or("") {
        "posting_in_pickup_point" => ("ozon-posting_in_pickup_point", AtPickupPoint),
        "posting_on_way_to_pickup_point" => ("ozon-posting_on_way_to_pickup_point", InTransit),
        "posting_on_way_to_city" => ("ozon-posting_on_way_to_city", InTransit),
        "posting_in_courier_service" | "posting_transferred_to_courier_service" => {
            ("ozon-posting_in_courier_service", InTransit)
        }
        "posting_awaiting_passport_data" => ("ozon-posting_awaiting_passport_data", Problem),
        "posting_returned_to_warehouse" => ("ozon-posting_returned_to_warehouse", Problem),
        "posting_split_pending" => ("ozon-posting_split_pending", Preparing),
        _ => match status {
            "awaiting_registration" => ("ozon-awaiting_registration", Preparing),
            "acceptance_in_progress" => ("ozon-acceptance_in_progress", Preparing),
            "awaiting_approve" => ("ozon-awaiting_approve", Preparing),
            "awaiting_verification" => ("ozon-awaiting_verification", Preparing),
            "awaiting_packaging" => ("ozon-awaiting_packaging", Preparing),
            "awaiting_deliver" => ("ozon-awaiting_deliver", Preparing),
            "arbitration" | "client_arbitration" => ("ozon-arbitration", Problem),
            "delivering" => ("ozon-delivering", InTransit),
            "driver_pickup" => ("ozon-driver_pickup", InTransit),
            "delivered" => ("ozon-delivered", Received),
            "cancelled" => ("ozon-cancelled", Cancelled),
            "cancelled_from_split_pending" => ("ozon-cancelled_from_split_pending", Cancelled),
            "not_accepted" => ("ozon-not_accepted", Problem),
            "sent_by_seller" => ("ozon-sent_by_seller", InTransit),
            _ => ("ozon-unknown", Unknown),
        },
    };
    Explained { key, stage }
}

/// The order's status in words, by its marketplace.
pub fn explain(order: &Order, marketplace: Marketplace) -> Explained {
    explain_status(marketplace, &order.status, order.substatus.as_deref())
}

/// A status and substatus in words, by their marketplace.
pub fn explain_status(
    marketplace: Marketplace,
    status: &str,
    substatus: Option<&str>,
) -> Explained {
    match marketplace {
        Marketplace::Ozon => ozon(status, substatus),
        Marketplace::Wb => wb(status, substatus),
    }
}
