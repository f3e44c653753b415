//! What a turn looks up before anyone writes a reply: the order, the product and the
//! knowledge articles the question needs. Both responders answer from these facts only.

use otklik_db::catalogue::{self, Order, Product};
use otklik_db::knowledge::Hit;
use otklik_db::returns::{self, Return};
use otklik_db::{AsyncPgConnection, DbError, TenantScope};
use otklik_nlu::Intent;
use otklik_schema::Marketplace;

use super::order_status::{self, Explained};
use super::retrieval::Retrieval;
use super::return_status;

#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub order: Order,
    pub marketplace: Marketplace,
    pub explained: Explained,
    /// The order's returns, newest change first.
    pub returns: Vec<Return>,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub order: Option<OrderFacts>,
    /// An order number the shopper gave that the shop does not have.
    pub unknown_order: Option<String>,
    pub product: Option<Product>,
    pub unknown_article: Option<String>,
    pub knowledge: Vec<Hit>,
    /// What finding the knowledge by meaning cost, billed with the reply.
    pub embedding_tokens: u32,
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

/// Looks up what `intent` needs.
pub async fn gather(
    conn: &mut AsyncPgConnection,
    retrieval: &Retrieval,
    scope: TenantScope,
    intent: Intent,
    question: &str,
    order_id: Option<&str>,
    article: Option<&str>,
) -> Result<Facts, DbError> {
    let mut facts = Facts::default();
    if let Some(id) = order_id {
        facts.look_up_order(conn, scope, id).await?;
    }
    if let Some(article) = article {
        facts.look_up_product(conn, scope, article).await?;
    }
    if needs_knowledge(intent) {
        let query = format!("{question} {}", topic(intent));
        facts
            .search_knowledge(conn, retrieval, scope, &query)
            .await?;
    }
    Ok(facts)
}

impl Facts {
    /// Finds the order; an unknown number is remembered as such. Returns what was found.
    pub async fn look_up_order(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        id: &str,
    ) -> Result<Option<&OrderFacts>, DbError> {
        match catalogue::find_order(conn, scope, id).await? {
            Some((order, marketplace)) => {
                let explained = order_status::explain(&order, marketplace);
                // Returns name a WB FBS order by its rid, which the order keeps in its details.
                let rid = order.details.get("rid").and_then(serde_json::Value::as_str);
                let names: Vec<&str> = [Some(order.external_id.as_str()), rid]
                    .into_iter()
                    .flatten()
                    .collect();
                let returns = returns::for_order(conn, scope, &names).await?;
                self.unknown_order = None;
                self.order = Some(OrderFacts {
                    order,
                    marketplace,
                    explained,
                    returns,
                });
                Ok(self.order.as_ref())
            }
            None => {
                self.unknown_order = Some(id.to_owned());
                Ok(None)
            }
        }
    }

    pub async fn look_up_product(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        article: &str,
    ) -> Result<Option<&Product>, DbError> {
        match catalogue::find_product(conn, scope, article).await? {
            Some(product) => {
                self.unknown_article = None;
                self.product = Some(product);
                Ok(self.product.as_ref())
            }
            None => {
                self.unknown_article = Some(article.to_owned());
                Ok(None)
            }
        }
    }

    /// Adds the best articles for `query` that are not here yet, and returns them.
    pub async fn search_knowledge(
        &mut self,
        conn: &mut AsyncPgConnection,
        retrieval: &Retrieval,
        scope: TenantScope,
        query: &str,
    ) -> Result<&[Hit], DbError> {
        let before = self.knowledge.len();
        let found = retrieval.search(conn, scope, query, 3).await?;
        self.embedding_tokens += found.embedding_tokens;
        for hit in found.hits {
            if !self
                .knowledge
                .iter()
                .any(|k| k.article_id == hit.article_id)
            {
                self.knowledge.push(hit);
            }
        }
        Ok(&self.knowledge[before..])
    }

    /// Everything a reply may quote, for the guardrails and the model's context.
    pub fn grounding(&self) -> String {
        let mut out = String::new();
        if let Some(order) = &self.order {
            out.push_str(&order.describe());
        }
        if let Some(product) = &self.product {
            out.push_str(&describe_product(product));
        }
        for hit in &self.knowledge {
            out.push_str(&describe_article(hit));
        }
        out
    }

    pub fn article_ids(&self) -> Vec<i64> {
        self.knowledge.iter().map(|hit| hit.article_id).collect()
    }
}

impl OrderFacts {
    pub fn describe(&self) -> String {
        let mut out = format!(
            "Заказ {} ({}): {}. Статус: {} {}. Детали: {}\n",
            self.order.external_id,
            order_status::marketplace_name(self.marketplace),
            self.explained.predicate,
            self.order.status,
            self.order.substatus.as_deref().unwrap_or(""),
            self.order.details,
        );
        for found in &self.returns {
            out.push_str(&format!(
                "Возврат {}: {} Причина: {}\n",
                found.external_id,
                return_status::describe(found, self.marketplace, &self.order.external_id),
                found.reason.as_deref().unwrap_or("не указана"),
            ));
        }
        out
    }
}

pub fn describe_product(product: &Product) -> String {
    format!(
        "Товар {} «{}» ({}), цена {} {}, остаток {:?}, характеристики: {}\n",
        product.external_id,
        product.title,
        product.brand,
        product.price_minor.map_or(0, |p| p / 100),
        product.currency,
        product.stock,
        product.attributes,
    )
}

pub fn describe_article(hit: &Hit) -> String {
    format!("Статья «{}»: {}\n", hit.title, hit.body)
}
