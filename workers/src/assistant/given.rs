//! What the marketplace already told us with a shopper's message: the product a question or
//! review is about, the order a chat names (WB's `goodCard`, Ozon's chat context) and a
//! review's stars. A turn starts from these and never asks for them.

use otklik_db::conversations::Unanswered;
use serde_json::Value;

/// How a marketplace names an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// A WB order id or an Ozon posting number.
    Number(String),
    /// WB's `rid` of an order, which chats carry instead of its number.
    Rid(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    /// The product's marketplace article (nmID / SKU).
    pub article: Option<String>,
    /// The product's name as the marketplace showed it.
    pub product_name: Option<String>,
    pub order: Option<OrderRef>,
    /// A review's rating, 1 to 5.
    pub stars: Option<u8>,
}

/// A string or a number of an attachment's field, as text.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Given {
    /// Reads the attachments of the turn's messages; a later message's value wins.
    pub fn of(messages: &[Unanswered]) -> Given {
        let mut given = Given::default();
        for message in messages {
            let Some(attachments) = message.attachments.as_array() else {
                continue;
            };
            for attachment in attachments {
                given.read(attachment);
            }
        }
        given
    }

    fn read(&mut self, attachment: &Value) {
        match attachment.get("kind").and_then(Value::as_str) {
            Some("product") => {
                if let Some(article) =
                    text(attachment.get("article")).or_else(|| text(attachment.get("sku")))
                {
                    self.article = Some(article);
                }
                if let Some(name) = text(attachment.get("name")) {
                    self.product_name = Some(name);
                }
            }
            Some("order") => {
                if let Some(number) = text(attachment.get("number"))
                    .or_else(|| text(attachment.get("posting_number")))
                    .or_else(|| text(attachment.get("order_number")))
                {
                    self.order = Some(OrderRef::Number(number));
                } else if let Some(rid) = text(attachment.get("rid")) {
                    self.order = Some(OrderRef::Rid(rid));
                }
            }
            Some("rating") => {
                if let Some(stars) = attachment
                    .get("stars")
                    .and_then(Value::as_u64)
                    .filter(|s| (1..=5).contains(s))
                {
                    self.stars = u8::try_from(stars).ok();
                }
            }
            // A WB chat message as WB sent it: its `goodCard` names the product and the order.
            Some("wb_chat") => {
                if let Some(card) = attachment.get("content").and_then(|c| c.get("goodCard")) {
                    if let Some(article) = text(card.get("nmID")) {
                        self.article = Some(article);
                    }
                    if let Some(rid) = text(card.get("rid")) {
                        self.order = Some(OrderRef::Rid(rid));
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use otklik_schema::MessageId;
    use serde_json::json;

    use super::*;

    fn message(attachments: Value) -> Unanswered {
        Unanswered {
            id: MessageId(1),
            body: String::new(),
            attachments,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn reviews_questions_and_chats_name_what_they_are_about() {
        let review = Given::of(&[message(json!([
            {"kind": "product", "article": 139204857, "name": "Пуховик"},
            {"kind": "rating", "stars": 5}
        ]))]);
        assert_eq!(review.article.as_deref(), Some("139204857"));
        assert_eq!(review.stars, Some(5));

        let wb_chat = Given::of(&[message(json!([
            {"kind": "wb_chat", "content": {"goodCard": {"nmID": 12345678, "rid": "2fb52cd9", "size": "0"}}}
        ]))]);
        assert_eq!(wb_chat.order, Some(OrderRef::Rid("2fb52cd9".into())));
        assert_eq!(wb_chat.article.as_deref(), Some("12345678"));

        let ozon_chat = Given::of(&[
            message(json!([])),
            message(json!([
                {"kind": "order", "number": "12345678-0012-1"},
                {"kind": "product", "article": "51928374"}
            ])),
        ]);
        assert_eq!(
            ozon_chat.order,
            Some(OrderRef::Number("12345678-0012-1".into()))
        );

        let odd = Given::of(&[message(json!([{"kind": "rating", "stars": 9}, "x", 3]))]);
        assert_eq!(odd, Given::default(), "nonsense is ignored");
    }
}
