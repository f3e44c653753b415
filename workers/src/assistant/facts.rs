//! What a turn looks up before anyone writes a reply: the order, the product and the
//! knowledge articles the question needs. Both responders answer from these facts only, and
//! an order's personal details (pickup point, tracking, items) are among them only once the
//! conversation has shown the order to be the shopper's.

use otklik_db::catalogue::{self, Order, Product};
use otklik_db::knowledge::Hit;
use otklik_db::returns::{self, Return};
use otklik_db::{AsyncPgConnection, DbError, TenantScope};
use otklik_schema::Marketplace;

use super::catalogue::Speech;
use super::given::OrderRef;
use super::order_status::{self, Explained};
use super::quotes;
use super::retrieval::Retrieval;
use super::return_status;

#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub order: Order,
    pub marketplace: Marketplace,
    pub explained: Explained,
    /// The order's returns, newest change first.
    pub returns: Vec<Return>,
    /// The conversation has shown this order to be the shopper's.
    pub verified: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub order: Option<OrderFacts>,
    /// An order number the shopper gave that the shop does not have.
    pub unknown_order: Option<String>,
    pub product: Option<Product>,
    pub unknown_article: Option<String>,
    /// Articles that speak to the question, best first.
    pub knowledge: Vec<Hit>,
    /// What finding the knowledge by meaning cost, billed with the reply.
    pub embedding_tokens: u32,
    /// Orders whose personal details may be told (the conversation's verified orders).
    pub verified_orders: Vec<String>,
    /// The question the knowledge was searched for.
    pub question: String,
    /// The words the search was steered with: what the question is about.
    pub steer: String,
    /// What the articles were matched with: the question, or for a question in another
    /// language, the words of what it is about.
    pub asked: String,
    /// Articles answering the message's other questions («…и есть ли промокоды?»).
    pub secondary: Vec<Hit>,
}

/// Articles a search weighs: the full-text ranking only shortlists them, the question's own words
/// choose among them.
const CANDIDATES: usize = 5;

/// What a knowledge search is for: the shopper's words, the words that steer the search, and
/// the topic stems a relevant article must contain.
pub struct Search<'a> {
    pub question: &'a str,
    pub steer: &'a str,
    pub topic: &'a [&'a str],
    /// The question's language: the shop's Russian articles are searched by `steer` for others.
    pub language: otklik_nlu::Language,
}

impl Facts {
    pub fn verified(orders: &[String]) -> Facts {
        Facts {
            verified_orders: orders.to_vec(),
            ..Facts::default()
        }
    }

    /// Finds the order; an unknown number is remembered as such. Returns what was found.
    pub async fn look_up_order(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        id: &str,
    ) -> Result<Option<&OrderFacts>, DbError> {
        match catalogue::find_order(conn, scope, id).await? {
            Some((order, marketplace)) => self.found_order(conn, scope, order, marketplace).await,
            None => {
                self.unknown_order = Some(id.to_owned());
                Ok(None)
            }
        }
    }

    /// Finds the order a marketplace named. An order a marketplace chat names is the chat's
    /// shopper's own: it is verified.
    pub async fn look_up_given_order(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        given: &OrderRef,
    ) -> Result<Option<&OrderFacts>, DbError> {
        let found = match given {
            OrderRef::Number(number) => catalogue::find_order(conn, scope, number).await?,
            OrderRef::Rid(rid) => catalogue::find_order_by_rid(conn, scope, rid).await?,
        };
        let Some((order, marketplace)) = found else {
            return Ok(None);
        };
        self.verified_orders.push(order.external_id.clone());
        self.found_order(conn, scope, order, marketplace).await
    }

    async fn found_order(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        order: Order,
        marketplace: Marketplace,
    ) -> Result<Option<&OrderFacts>, DbError> {
        let explained = order_status::explain(&order, marketplace);
        // Returns name a WB FBS order by its rid, which the order keeps in its details.
        let rid = order.details.get("rid").and_then(serde_json::Value::as_str);
        let names: Vec<&str> = [Some(order.external_id.as_str()), rid]
            .into_iter()
            .flatten()
            .collect();
        let returns = returns::for_order(conn, scope, &names).await?;
        let verified = self.verified_orders.contains(&order.external_id);
        self.unknown_order = None;
        self.order = Some(OrderFacts {
            order,
            marketplace,
            explained,
            returns,
            verified,
        });
        Ok(self.order.as_ref())
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

    /// The product a question names by its kind («какой размер футболки брать?»), when one
    /// product of the shop matches the question's words better than any other. Nothing when
    /// the words fit several equally: then the article is asked for.
    pub async fn look_up_by_kind(
        &mut self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        question: &str,
    ) -> Result<Option<&Product>, DbError> {
        let stems = kind_stems(question);
        if stems.is_empty() {
            return Ok(None);
        }
        let candidates = catalogue::products_titled(conn, scope, &stems, 20).await?;
        let score = |product: &Product| {
            let title = product.title.to_lowercase().replace('ё', "е");
            stems
                .iter()
                .filter(|stem| title.contains(stem.as_str()))
                .count()
        };
        let best = candidates.iter().map(score).max().unwrap_or(0);
        let mut leaders = candidates
            .into_iter()
            .filter(|p| best > 0 && score(p) == best);
        match (leaders.next(), leaders.next()) {
            (Some(only), None) => {
                self.product = Some(only);
                Ok(self.product.as_ref())
            }
            _ => Ok(None),
        }
    }

    /// Adds the articles found for a search that speak to its question and are not here yet,
    /// and returns them.
    pub async fn search_knowledge(
        &mut self,
        conn: &mut AsyncPgConnection,
        retrieval: &Retrieval,
        scope: TenantScope,
        search: &Search<'_>,
    ) -> Result<&[Hit], DbError> {
        let before = self.knowledge.len();
        if self.question.is_empty() {
            self.question = search.question.to_owned();
            self.steer = search.steer.to_owned();
        }
        // The shop's articles are Russian: a question in another language is searched by what
        // it is about, and an article is relevant when it speaks to that.
        let foreign = search.language != otklik_nlu::Language::Ru;
        let (asked, topic): (&str, &[&str]) = if foreign && !search.steer.is_empty() {
            (search.steer, &[])
        } else {
            (search.question, search.topic)
        };
        if self.asked.is_empty() {
            self.asked = asked.to_owned();
        }
        let query = format!("{asked} {}", search.steer);
        let found = retrieval
            .search(conn, scope, query.trim(), CANDIDATES)
            .await?;
        self.embedding_tokens += found.embedding_tokens;
        for hit in found.hits {
            let new = !self
                .knowledge
                .iter()
                .any(|k| k.article_id == hit.article_id);
            if new && quotes::relevant(&hit, asked, topic) {
                self.knowledge.push(hit);
            }
        }
        Ok(&self.knowledge[before..])
    }

    /// The article that speaks to most of the question's own words, titled for what the
    /// question is about counting double; the search's order among equals.
    pub fn relevant_knowledge(&self) -> Option<&Hit> {
        let keys = quotes::key_stems(&self.asked);
        let about = quotes::stems(&self.steer);
        let covered = |hit: &Hit| {
            let article = quotes::stems(&format!("{} {}", hit.title, hit.body));
            let titled = quotes::stems(&hit.title)
                .iter()
                .filter(|s| about.contains(s))
                .count();
            keys.iter().filter(|k| article.contains(k)).count() + 2 * titled
        };
        let best = self.knowledge.iter().map(covered).max()?;
        self.knowledge.iter().find(|hit| covered(hit) == best)
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

/// Order details a reply may use; the personal ones only for a verified order.
const PUBLIC_DETAILS: [&str; 3] = ["delivery_date", "storage_until", "fulfilment"];
const PERSONAL_DETAILS: [&str; 4] = ["pickup_point", "city", "tracking_number", "address"];

impl OrderFacts {
    /// The order for the model and the guardrails: only the fields a reply needs, never the
    /// marketplace's whole record.
    pub fn describe(&self) -> String {
        let ru = Speech::RUSSIAN;
        let mut fields: Vec<String> = Vec::new();
        let shown = PUBLIC_DETAILS
            .iter()
            .chain(PERSONAL_DETAILS.iter().filter(|_| self.verified));
        for name in shown {
            if let Some(value) = self.order.details.get(*name).and_then(|v| v.as_str()) {
                fields.push(format!("{name}: {value}"));
            }
        }
        if self.verified {
            let items: Vec<String> = self
                .order
                .items
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| {
                            i.get("name")
                                .or_else(|| i.get("article"))
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !items.is_empty() {
                fields.push(format!("товары: {}", items.join(", ")));
            }
        } else {
            fields.push(
                "адрес пункта выдачи, трек-номер и состав заказа не раскрываются: покупатель ещё \
                 не подтвердил, что заказ его"
                    .to_owned(),
            );
        }
        let mut out = format!(
            "Заказ {} ({}): {}. Статус: {} {}. {}\n",
            self.order.external_id,
            self.marketplace.name(),
            self.explained.predicate(ru),
            self.order.status,
            self.order.substatus.as_deref().unwrap_or(""),
            fields.join("; "),
        );
        for found in &self.returns {
            out.push_str(&format!(
                "Возврат {}: {} Причина: {}\n",
                found.external_id,
                return_status::describe(ru, found, self.marketplace, &self.order.external_id),
                found.reason.as_deref().unwrap_or("не указана"),
            ));
        }
        out
    }
}

/// Words of size and price questions, beyond the chatter every question has
/// ([`quotes::key_stems`]): what is asked, not which product.
const NOT_A_KIND: &[&str] = &[
    "разме",
    "каког",
    "скока",
    "стоит",
    "стоят",
    "обхва",
    "груди",
    "стопа",
    "стопы",
    "брать",
    "взять",
    "нужен",
    "нужна",
    "купит",
    "этих",
    "этой",
    "цена",
    "подой",
    "вашу",
    "ваши",
    "ваше",
    "ваша",
    "налич",
    "рост",
    "весом",
    "длина",
    "длину",
    "ноги",
];

/// The stems of a question's words that may name a product's kind: words of four letters or
/// more, the question's own words («размер», «сколько») left out.
fn kind_stems(question: &str) -> Vec<String> {
    quotes::key_stems(question)
        .into_iter()
        .filter(|stem| stem.chars().count() >= 4)
        .filter(|stem| !NOT_A_KIND.iter().any(|not| stem.starts_with(not)))
        .collect()
}

pub fn describe_product(product: &Product) -> String {
    let price = super::card::price(product).unwrap_or_else(|| "неизвестна".to_owned());
    let stock = product
        .stock
        .map_or_else(|| "неизвестен".to_owned(), |n| n.to_string());
    format!(
        "Товар {} «{}» ({}), цена {price}, остаток {stock}, характеристики: {}\n",
        product.external_id, product.title, product.brand, product.attributes,
    )
}

pub fn describe_article(hit: &Hit) -> String {
    format!("Статья «{}»: {}\n", hit.title, hit.body)
}

#[cfg(test)]
mod tests {
    use otklik_db::catalogue::Order;
    use otklik_schema::Marketplace;
    use serde_json::json;

    use super::OrderFacts;
    use crate::assistant::order_status;

    #[test]
    fn a_kind_is_named_by_the_words_that_are_not_the_question() {
        assert_eq!(
            super::kind_stems("Какой размер футболки брать при росте 178?"),
            ["футбо"]
        );
        assert!(super::kind_stems("сколько стоит?").is_empty());
    }

    fn posting(verified: bool) -> OrderFacts {
        let order = Order {
            id: 1,
            external_id: "12345678-0012-1".into(),
            status: "delivering".into(),
            substatus: Some("posting_on_way_to_pickup_point".into()),
            items: json!([{"article": "139204857", "name": "Пуховик женский", "quantity": 1}]),
            total_minor: Some(899_000),
            currency: "RUB".into(),
            details: json!({
                "tracking_number": "RU1234567890",
                "city": "Казань",
                "pickup_point": "Казань, ул. Баумана, 1",
                "delivery_date": "2026-12-08",
                "phone": "+79001234567",
                "buyer": "Анна Смирнова"
            }),
            placed_at: None,
            changed_at: None,
        };
        OrderFacts {
            explained: order_status::explain(&order, Marketplace::Ozon),
            order,
            marketplace: Marketplace::Ozon,
            returns: Vec::new(),
            verified,
        }
    }

    /// What the external model is told of an order: the status and dates for anyone who names
    /// it, the pickup point, tracking and items only once the shopper proved it theirs, and never
    /// the marketplace's whole record (the phone, the buyer's name).
    #[test]
    fn the_model_reads_personal_details_only_of_a_proven_order() {
        let unproven = posting(false).describe();
        assert!(unproven.contains("2026-12-08"), "{unproven}");
        for private in ["RU1234567890", "Баумана", "Казань", "Пуховик"] {
            assert!(!unproven.contains(private), "{private} in {unproven}");
        }
        let proven = posting(true).describe();
        for told in ["RU1234567890", "Баумана", "Пуховик"] {
            assert!(proven.contains(told), "{told} missing in {proven}");
        }
        for never in ["+7900", "9001234567", "Смирнова"] {
            assert!(!proven.contains(never), "{never} in {proven}");
            assert!(!unproven.contains(never), "{never} in {unproven}");
        }
    }
}
