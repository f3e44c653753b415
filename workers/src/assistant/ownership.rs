//! Whether a shopper has shown an order to be theirs before its personal details — the pickup
//! point, the tracking number, what is in it — are told. A number alone proves nothing: order
//! numbers are seen by couriers, relatives and anyone who guesses. A marketplace chat that
//! names the order proves it (see `facts`); elsewhere the shopper names a product from the
//! order, or the last four digits of the phone on it when the marketplace gives one.

use otklik_db::catalogue::{self, Order};
use otklik_db::{AsyncPgConnection, DbError, TenantScope};

use super::quotes;

/// Words of product names that do not single a product out.
const GENERIC: &[&str] = &[
    "женск",
    "мужск",
    "детск",
    "удлин",
    "корот",
    "летни",
    "летне",
    "зимни",
    "зимне",
    "новый",
    "базов",
    "спорт",
    "униве",
    "класс",
    "модны",
    "стиль",
    "набор",
    "компл",
    "цвета",
    "разме",
];

/// Product words of a name, by stem.
fn name_stems(name: &str) -> Vec<String> {
    quotes::stems(name)
        .into_iter()
        .filter(|stem| !GENERIC.contains(&stem.as_str()))
        .collect()
}

/// The articles and names of the order's items.
fn items(order: &Order) -> Vec<(Option<String>, Option<String>)> {
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    order
        .items
        .as_array()
        .map(|items| {
            items
                .iter()
                .take(10)
                .map(|item| (text(item.get("article")), text(item.get("name"))))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `text` names something only the order's buyer would know.
pub async fn proves(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    order: &Order,
    text: &str,
) -> Result<bool, DbError> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if let Some(phone) = order.details.get("phone").and_then(|p| p.as_str()) {
        let phone: String = phone.chars().filter(char::is_ascii_digit).collect();
        if phone.len() >= 4 && digits.contains(&phone[phone.len() - 4..]) {
            return Ok(true);
        }
    }
    let said = quotes::stems(text);
    for (article, name) in items(order) {
        if article
            .as_deref()
            .is_some_and(|a| a.len() >= 5 && digits.contains(a))
        {
            return Ok(true);
        }
        let mut names: Vec<String> = name.into_iter().collect();
        if let Some(article) = &article
            && let Some(product) = catalogue::find_product(conn, scope, article).await?
        {
            names.push(product.title);
        }
        let named = names
            .iter()
            .flat_map(|name| name_stems(name))
            .any(|stem| said.contains(&stem));
        if named {
            return Ok(true);
        }
    }
    Ok(false)
}
