//! The functions the model may call: look-ups in the tenant's own orders, catalogue and
//! knowledge base, and handing the conversation to people. Every call is scoped to the turn's
//! tenant, whatever the model asks for.

use otklik_db::{AsyncPgConnection, DbError, TenantScope};
use otklik_llm::{ToolCall, ToolSpec};
use serde_json::json;

use crate::assistant::facts::{self, Facts, Search};
use crate::assistant::retrieval::Retrieval;

pub const ORDER_STATUS: &str = "order_status";
pub const PRODUCT_INFO: &str = "product_info";
pub const SEARCH_KNOWLEDGE: &str = "search_knowledge";
pub const TRANSFER_TO_OPERATOR: &str = "transfer_to_operator";

/// Longest argument taken from the model; anything longer is not an id or a question.
const MAX_ARGUMENT: usize = 300;

pub fn specs() -> Vec<ToolSpec> {
    let one_string = |name: &str, description: &str| {
        json!({
            "type": "object",
            "properties": { name: { "type": "string", "description": description } },
            "required": [name],
        })
    };
    vec![
        ToolSpec {
            name: ORDER_STATUS.into(),
            description: "Статус заказа магазина по номеру: заказ Wildberries (цифры) или \
                          отправление Ozon (вида 12345678-0012-1)."
                .into(),
            parameters: one_string("order_id", "Номер заказа или отправления"),
        },
        ToolSpec {
            name: PRODUCT_INFO.into(),
            description: "Карточка товара по артикулу (nmID Wildberries, SKU Ozon или артикул \
                          продавца): характеристики, наличие по размерам, таблица размеров."
                .into(),
            parameters: one_string("article", "Артикул товара"),
        },
        ToolSpec {
            name: SEARCH_KNOWLEDGE.into(),
            description: "Поиск в базе знаний магазина: возврат, обмен, доставка, оплата, \
                          акции, уход за товаром."
                .into(),
            parameters: one_string("query", "Вопрос покупателя своими словами"),
        },
        ToolSpec {
            name: TRANSFER_TO_OPERATOR.into(),
            description: "Передать разговор сотруднику магазина, когда нужен человек или в \
                          данных нет ответа."
                .into(),
            parameters: one_string("reason", "Коротко, почему нужен сотрудник"),
        },
    ]
}

/// What a call produced.
pub enum Outcome {
    /// Text to hand back to the model as the call's result.
    Result(String),
    /// The model handed the conversation over; the reason is its own words.
    Transfer(String),
}

/// Runs one call. A missing or oversized argument, or an unknown tool, is answered to the
/// model as an error it can correct; only the database failing is our error.
pub async fn run(
    conn: &mut AsyncPgConnection,
    retrieval: &Retrieval,
    scope: TenantScope,
    call: &ToolCall,
    facts: &mut Facts,
) -> Result<Outcome, DbError> {
    let argument = |name: &str| {
        call.arguments
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.chars().count() <= MAX_ARGUMENT)
    };
    let missing = |name: &str| {
        Ok(Outcome::Result(format!(
            "Ошибка: нужен непустой аргумент `{name}` (строка до {MAX_ARGUMENT} символов)."
        )))
    };
    match call.name.as_str() {
        ORDER_STATUS => {
            let Some(id) = argument("order_id") else {
                return missing("order_id");
            };
            Ok(Outcome::Result(
                match facts.look_up_order(conn, scope, id).await? {
                    Some(order) => order.describe(),
                    None => format!(
                        "Заказа {id} в магазине нет. Возможно, в номере ошибка или заказ \
                         оформлен в другом магазине."
                    ),
                },
            ))
        }
        PRODUCT_INFO => {
            let Some(article) = argument("article") else {
                return missing("article");
            };
            Ok(Outcome::Result(
                match facts.look_up_product(conn, scope, article).await? {
                    Some(product) => facts::describe_product(product),
                    None => format!("Товара с артикулом {article} в каталоге магазина нет."),
                },
            ))
        }
        SEARCH_KNOWLEDGE => {
            let Some(query) = argument("query") else {
                return missing("query");
            };
            let search = Search {
                question: query,
                steer: "",
                topic: &[],
                language: otklik_nlu::Language::Ru,
            };
            let found = facts
                .search_knowledge(conn, retrieval, scope, &search)
                .await?;
            Ok(Outcome::Result(if found.is_empty() {
                "В базе знаний ничего нового по этому вопросу нет.".to_owned()
            } else {
                found.iter().map(facts::describe_article).collect()
            }))
        }
        TRANSFER_TO_OPERATOR => Ok(Outcome::Transfer(
            argument("reason").unwrap_or("нужен сотрудник").to_owned(),
        )),
        other => Ok(Outcome::Result(format!(
            "Ошибка: инструмента `{other}` нет. Доступны: {ORDER_STATUS}, {PRODUCT_INFO}, \
             {SEARCH_KNOWLEDGE}, {TRANSFER_TO_OPERATOR}."
        ))),
    }
}
