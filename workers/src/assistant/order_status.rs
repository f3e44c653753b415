//! Marketplace order statuses in plain Russian (`../shared/reference/marketplaces.md` §5, §11).
//!
//! WB orders are stored with `status` = `supplierStatus` and `substatus` = `wbStatus`; Ozon
//! postings with their `status` and `substatus`. Unknown values are never an error: the
//! shopper hears what is known, and the raw value stays in the operator's view.

use otklik_db::catalogue::Order;
use otklik_schema::Marketplace;

/// What a status means for the shopper, said as the rest of «Заказ 123 …».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub predicate: &'static str,
    pub stage: Stage,
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
    let (predicate, stage) = match wb.unwrap_or("") {
        "ready_for_pickup" => (
            "уже ждёт вас в пункте выдачи — можно забирать",
            AtPickupPoint,
        ),
        "sold" => ("получен", Received),
        "sorted" => (
            "отсортирован на складе Wildberries и едет в пункт выдачи",
            InTransit,
        ),
        "canceled" => ("отменён, деньги вернутся автоматически", Cancelled),
        "canceled_by_client" => ("отменён: от него отказались при получении", Cancelled),
        "declined_by_client" => ("отменён в первый час после оформления", Cancelled),
        "defect" => (
            "отменён из-за брака, деньги вернутся автоматически",
            Cancelled,
        ),
        "postponed_delivery" => ("в пути: курьерскую доставку перенесли", InTransit),
        "canceled_by_missed_call" => ("отменён: курьеру не удалось дозвониться", Cancelled),
        "accepted_by_carrier" => ("передан перевозчику", InTransit),
        "sent_to_carrier" => ("отправлен на склад перевозчика", InTransit),
        "canceled_by_carrier" => (
            "отменён перевозчиком, деньги вернутся автоматически",
            Cancelled,
        ),
        _ => match supplier {
            "new" => ("оформлен, продавец скоро начнёт его собирать", Preparing),
            "confirm" => ("сейчас собирается на складе продавца", Preparing),
            "complete" | "deliver" => ("передан в доставку и едет к вам", InTransit),
            "prepare" => ("готов к выдаче в магазине", AtPickupPoint),
            "receive" => ("получен", Received),
            "reject" => ("отменён: от него отказались при получении", Cancelled),
            "cancel" => (
                "отменён продавцом, деньги вернутся автоматически",
                Cancelled,
            ),
            "cancel_missed_call" => ("отменён: не удалось дозвониться", Cancelled),
            "cancel_shelf_life" => ("отменён: истёк срок хранения", Cancelled),
            _ => ("обрабатывается Wildberries", Unknown),
        },
    };
    Explained { predicate, stage }
}

fn ozon(status: &str, substatus: Option<&str>) -> Explained {
    use Stage::*;
    let (predicate, stage) = match substatus.unwrap_or("") {
        "posting_in_pickup_point" => (
            "уже ждёт вас в пункте выдачи — можно забирать",
            AtPickupPoint,
        ),
        "posting_on_way_to_pickup_point" => ("едет в пункт выдачи", InTransit),
        "posting_on_way_to_city" => ("в пути в ваш город", InTransit),
        "posting_in_courier_service" | "posting_transferred_to_courier_service" => {
            ("у курьера, он скоро привезёт заказ", InTransit)
        }
        "posting_awaiting_passport_data" => (
            "ждёт паспортные данные для таможни — их можно указать в приложении Ozon",
            Problem,
        ),
        "posting_returned_to_warehouse" => ("возвращается на склад", Problem),
        "posting_split_pending" => ("разделён на несколько отправлений", Preparing),
        _ => match status {
            "awaiting_registration" => ("регистрируется в службе доставки", Preparing),
            "acceptance_in_progress" => ("принимается на складе", Preparing),
            "awaiting_approve" => ("ожидает подтверждения продавцом", Preparing),
            "awaiting_verification" => ("создан", Preparing),
            "awaiting_packaging" => ("сейчас собирается на складе продавца", Preparing),
            "awaiting_deliver" => ("собран и ждёт передачи в доставку", Preparing),
            "arbitration" | "client_arbitration" => (
                "на рассмотрении: по нему идёт разбирательство, результат сообщим",
                Problem,
            ),
            "delivering" => ("в пути", InTransit),
            "driver_pickup" => ("у водителя, скоро будет у вас", InTransit),
            "delivered" => ("доставлен", Received),
            "cancelled" => ("отменён, деньги вернутся автоматически", Cancelled),
            "cancelled_from_split_pending" => ("разделён на несколько отправлений", Cancelled),
            "not_accepted" => (
                "задерживается: его не приняли на сортировочном центре",
                Problem,
            ),
            "sent_by_seller" => ("отправлен продавцом", InTransit),
            _ => ("обрабатывается Ozon", Unknown),
        },
    };
    Explained { predicate, stage }
}

/// The order's status in words, by its marketplace.
pub fn explain(order: &Order, marketplace: Marketplace) -> Explained {
    match marketplace {
        Marketplace::Ozon => ozon(&order.status, order.substatus.as_deref()),
        Marketplace::Wb => wb(&order.status, order.substatus.as_deref()),
    }
}

/// The marketplace's name as shoppers say it.
pub fn marketplace_name(marketplace: Marketplace) -> &'static str {
    match marketplace {
        Marketplace::Ozon => "Ozon",
        Marketplace::Wb => "Wildberries",
    }
}
