//! The seller's own warehouses and their stock by `chrtId` (marketplace API). Stock by barcode
//! is refused with `SKUUploadDisabled`, as WB has done since February 2026.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

use super::{AppState, incorrect_body, incorrect_parameter, json_response, service_error};
use crate::seller::SELLER_WAREHOUSES;

const MAX_IDS: usize = 1000;

/// `GET /api/v3/warehouses`.
pub(super) async fn warehouses() -> Response {
    let warehouses: Vec<Value> = SELLER_WAREHOUSES
        .iter()
        .map(|warehouse| {
            json!({
                "name": warehouse.name,
                "officeId": warehouse.office_id,
                "id": warehouse.id,
                "cargoType": warehouse.cargo_type,
                "deliveryType": 1,
            })
        })
        .collect();
    json_response(&warehouses)
}

#[derive(Serialize)]
struct Stocks {
    stocks: Vec<Stock>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Stock {
    chrt_id: u64,
    amount: u32,
}

/// `POST /api/v3/stocks/{warehouseId}` with `{"chrtIds":[…]}`: amounts of the known sizes.
/// All FBS stock lies on the first warehouse; the others answer with no rows.
pub(super) async fn stocks(
    State(app): AppState,
    Path(warehouse_id): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(warehouse_id) = warehouse_id.parse::<u64>() else {
        return incorrect_parameter();
    };
    let Some(position) = SELLER_WAREHOUSES
        .iter()
        .position(|warehouse| warehouse.id == warehouse_id)
    else {
        return service_error(StatusCode::NOT_FOUND, "NotFound", "Не найдено");
    };
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return incorrect_body();
    };
    if request.contains_key("skus") || request.contains_key("sku") {
        return service_error(
            StatusCode::BAD_REQUEST,
            "SKUUploadDisabled",
            "Uploading stock is not allowed by 'sku'. Please use the 'chrtId' key",
        );
    }
    let Some(Ok(chrt_ids)) = request
        .get("chrtIds")
        .map(|ids| serde_json::from_value::<Vec<u64>>(ids.clone()))
    else {
        return incorrect_body();
    };
    if chrt_ids.len() > MAX_IDS {
        return service_error(
            StatusCode::BAD_REQUEST,
            "IncorrectRequest",
            "Переданы некорректные данные",
        );
    }
    let data = app.seller.read();
    let stocks: Vec<Stock> = if position == 0 {
        chrt_ids
            .iter()
            .filter_map(|&chrt_id| {
                let (product, size) = data.size_of(chrt_id)?;
                Some(Stock {
                    chrt_id,
                    amount: product.sizes.get(size)?.stock,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json_response(&Stocks { stocks })
}
