//! What a turn looks up before anyone writes a reply: the order, the product and the
//! knowledge articles the question needs. Both responders answer from these facts only.

use otklik_db::catalogue::{self, Order, Product};
use otklik_db::knowledge::{self, Hit};
use otklik_db::{AsyncPgConnection, DbError, TenantScope};
use otklik_nlu::Intent;

use super::order_status::{self, Explained};

#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub order: Order,
    pub marketplace: String,
    pub explained: Explained,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub order: Option<OrderFacts>,
    /// An order number the shopper gave that the shop does not have.
    pub unknown_order: Option<String>,
    pub product: Option<Product>,
    pub unknown_article: Option<String>,
    pub knowledge: Vec<Hit>,
}

/// Words that steer the knowledge search toward the policy an intent needs; the search is an
/// OR over lexemes, so they add recall without excluding anything.
fn topic(intent: Intent) -> &'static str {
    match intent {
        Intent::ReturnRequest => "возврат вернуть товар",
        Intent::ExchangeRequest => "обмен поменять размер",
        Intent::RefundStatus => "возврат денег срок деньги",
        Intent::DiscountPromo => "скидки промокод акции",
        Intent::OrderCancel => "отмена заказа отменить",
        Intent::OrderStatus => "доставка сроки",
        Intent::SizeAdvice => "размер таблица размеров",
        Intent::ProductQuestion | Intent::ProductAvailability => "товар",
        Intent::PaymentIssue => "оплата",
        _ => "",
    }
}

fn needs_knowledge(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ReturnRequest
            | Intent::ExchangeRequest
            | Intent::RefundStatus
            | Intent::DiscountPromo
            | Intent::OrderCancel
            | Intent::ProductQuestion
            | Intent::SizeAdvice
    )
}

/// Looks up what `intent` needs. Knowledge hits below this score are noise.
pub async fn gather(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    intent: Intent,
    question: &str,
    order_id: Option<&str>,
    article: Option<&str>,
) -> Result<Facts, DbError> {
    const MIN_SCORE: f32 = 0.05;
    let mut facts = Facts::default();
    if let Some(id) = order_id {
        match catalogue::find_order(conn, scope, id).await? {
            Some((order, marketplace)) => {
                let explained = order_status::explain(&order, &marketplace);
                facts.order = Some(OrderFacts {
                    order,
                    marketplace,
                    explained,
                });
            }
            None => facts.unknown_order = Some(id.to_owned()),
        }
    }
    if let Some(article) = article {
        match catalogue::find_product(conn, scope, article).await? {
            Some(product) => facts.product = Some(product),
            None => facts.unknown_article = Some(article.to_owned()),
        }
    }
    if needs_knowledge(intent) {
        let query = format!("{question} {}", topic(intent));
        facts.knowledge = knowledge::search(conn, scope, &query, 3)
            .await?
            .into_iter()
            .filter(|hit| hit.score >= MIN_SCORE)
            .collect();
    }
    Ok(facts)
}

impl Facts {
    /// Everything a reply may quote, for the guardrails and the model's context.
    pub fn grounding(&self) -> String {
        let mut out = String::new();
        if let Some(order) = &self.order {
            out.push_str(&format!(
                "Заказ {} ({}): {}. Статус: {} {}. Детали: {}\n",
                order.order.external_id,
                order_status::marketplace_name(&order.marketplace),
                order.explained.predicate,
                order.order.status,
                order.order.substatus.as_deref().unwrap_or(""),
                order.order.details,
            ));
        }
        if let Some(product) = &self.product {
            out.push_str(&format!(
                "Товар {} «{}» ({}), цена {} {}, остаток {:?}, характеристики: {}\n",
                product.external_id,
                product.title,
                product.brand,
                product.price_minor.map_or(0, |p| p / 100),
                product.currency,
                product.stock,
                product.attributes,
            ));
        }
        for hit in &self.knowledge {
            out.push_str(&format!("Статья «{}»: {}\n", hit.title, hit.body));
        }
        out
    }

    pub fn article_ids(&self) -> Vec<i64> {
        self.knowledge.iter().map(|hit| hit.article_id).collect()
    }
}
