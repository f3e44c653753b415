//! The local responder's answer for an understood, routine intent, from the facts the turn
//! looked up: or the question back, or the handoff, when the facts do not answer. What else the
//! message asked — a second question, an order it named — is answered after the first.

use otklik_db::catalogue::Product;
use otklik_nlu::Intent;

use super::Decision;
use super::card::{self, Property};
use super::catalogue::Speech;
use super::facts::Facts;
use super::handoff_note::Reason;
use super::local::{self, Gap, Reply};
use super::order_status::Stage;
use super::quotes;
use super::return_status::{self, ReturnStage};
use super::state::Slot;
use super::topics;
use super::turn::Turn;

/// A local reply, or the decision the local responder already made (ask, hand off).
pub(super) enum Composed<'a> {
    Draft(Box<Turn<'a>>, Reply),
    Done(Decision),
}

/// The local responder's answer for an understood, routine intent.
pub(super) fn compose<'a>(turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
    match primary(turn, intent, facts) {
        Composed::Draft(turn, mut reply) => {
            for more in also_asked(&turn, intent, facts) {
                reply.text.push_str("\n\n");
                reply.text.push_str(&more);
            }
            Composed::Draft(turn, reply)
        }
        done => done,
    }
}

fn primary<'a>(turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
    let speech = turn.speech;
    let state = &turn.state;
    // A cancelled order needs no return: its money comes back by itself.
    if matches!(
        intent,
        Intent::RefundStatus | Intent::ReturnRequest | Intent::OrderCancel
    ) && let Some(found) = &facts.order
        && found.explained.stage == Stage::Cancelled
    {
        let reply = local::order_status(speech, state, found, found.verified);
        return Composed::Draft(Box::new(turn), reply);
    }
    // A shopper asking where a return stands hears it, and when the money comes if the
    // marketplace has not paid it yet.
    let asks_status = intent == Intent::RefundStatus || topics::asks_return_status(&turn.text);
    if asks_status && let Some(mut reply) = local::return_status(speech, state, facts) {
        let unpaid = facts.order.as_ref().is_some_and(|order| {
            order.returns.first().is_some_and(|r| {
                return_status::stage(r, order.marketplace) != ReturnStage::Refunded
            })
        });
        if unpaid
            && intent == Intent::RefundStatus
            && let Ok(timing) = local::from_knowledge(speech, state, intent, facts, &turn.text)
        {
            reply.text.push('\n');
            reply.text.push_str(&timing.text);
        }
        return Composed::Draft(Box::new(turn), reply);
    }
    if answers_from_policy(intent, facts)
        && let Some(policy) = turn.settings.policies.covering(intent, &turn.text)
    {
        let reply = local::from_policy(speech, state, intent, policy, &turn.text);
        return Composed::Draft(Box::new(turn), reply);
    }
    let reply = match intent {
        Intent::Greeting => local::greeting(speech, state),
        Intent::ThanksBye => local::thanks(speech, state),
        Intent::Other => local::other(speech, state),
        // The bare number asked about is the shop's product, not an order: a question about it.
        Intent::OrderStatus if facts.order.is_none() && named_a_product(&turn, facts) => {
            return product(turn, Intent::ProductQuestion, facts);
        }
        Intent::OrderStatus => return order_status(turn, intent, facts),
        Intent::OrderCancel => return order_cancel(turn, intent, facts),
        Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice => {
            return product(turn, intent, facts);
        }
        Intent::ReturnRequest
        | Intent::ExchangeRequest
        | Intent::RefundStatus
        | Intent::DiscountPromo => {
            match local::from_knowledge(speech, state, intent, facts, &turn.text) {
                Ok(reply) => reply,
                Err(_) => return Composed::Done(turn.handoff(Reason::NoKnowledge)),
            }
        }
        Intent::DefectOrWrongItem
        | Intent::PaymentIssue
        | Intent::HumanRequest
        | Intent::Complaint => return Composed::Done(turn.handoff(Reason::Intent(intent))),
    };
    Composed::Draft(Box::new(turn), reply)
}

/// Whether the message's unmarked number is the product the facts hold.
fn named_a_product(turn: &Turn<'_>, facts: &Facts) -> bool {
    facts.product.as_ref().is_some_and(|product| {
        turn.analysis
            .entities
            .unplaced
            .contains(&product.external_id)
    })
}

fn order_status<'a>(turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
    let speech = turn.speech;
    let state = &turn.state;
    match (&facts.order, &facts.unknown_order) {
        (Some(found), _) => {
            let verified = found.verified || state.is_verified(&found.order.external_id);
            let reply = local::order_status(speech, state, found, verified);
            let withheld = reply
                .text
                .contains(&speech.text("order-private-details", &[]));
            let mut turn = turn;
            if !verified && withheld {
                turn.state.awaiting = Some(Slot::OrderOwnership);
                turn.state.ownership_misses = 0;
                turn.state.pending_intent = Some(intent.as_str().to_owned());
            }
            Composed::Draft(Box::new(turn), reply)
        }
        (None, Some(id)) => {
            let reply = local::unknown_order(speech, state, id);
            let mut turn = turn;
            turn.state.order_id = None;
            Composed::Done(turn.ask(Slot::OrderId, intent, reply))
        }
        // The marketplace named the order, but the shop's synced data has no such order (not
        // synced yet, or fulfilled where no API reports it): asking the shopper for it again
        // helps nobody, people look it up.
        (None, None) if turn.given.order.is_some() => {
            Composed::Done(turn.handoff(Reason::NoKnowledge))
        }
        (None, None) => {
            let reply = local::ask_order_id(speech, state);
            Composed::Done(turn.ask(Slot::OrderId, intent, reply))
        }
    }
}

fn order_cancel<'a>(turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
    let speech = turn.speech;
    let state = &turn.state;
    if let Some(reply) = local::order_cancel(speech, state, facts) {
        return Composed::Draft(Box::new(turn), reply);
    }
    match local::from_knowledge(speech, state, intent, facts, &turn.text) {
        // The rule in general, and the number to say what it means for this order.
        Ok(mut rule) if facts.order.is_none() && turn.given.order.is_none() => {
            rule.text.push_str("\n\n");
            rule.text.push_str(&speech.text("ask-order-to-check", &[]));
            rule.key = format!("ask-order:{}", state.said.len());
            Composed::Done(turn.ask(Slot::OrderId, intent, rule))
        }
        Ok(rule) => Composed::Draft(Box::new(turn), rule),
        Err(_) if facts.order.is_none() && turn.given.order.is_none() => {
            let reply = local::ask_order_id(speech, state);
            Composed::Done(turn.ask(Slot::OrderId, intent, reply))
        }
        Err(_) => Composed::Done(turn.handoff(Reason::NoKnowledge)),
    }
}

fn product<'a>(turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
    let speech = turn.speech;
    let state = &turn.state;
    let product = match (&facts.product, &facts.unknown_article) {
        (Some(product), _) => product,
        (None, Some(article)) => {
            let reply = local::unknown_article(speech, state, article);
            let mut turn = turn;
            turn.state.article = None;
            return Composed::Done(turn.ask(Slot::Article, intent, reply));
        }
        // Size advice needs a product's chart: an article about exchanges is no answer.
        (None, None) if intent == Intent::ProductQuestion => {
            match local::from_knowledge(speech, state, intent, facts, &turn.text) {
                Ok(reply) => return Composed::Draft(Box::new(turn), reply),
                Err(_) => {
                    let reply = local::ask_article(speech, state);
                    return Composed::Done(turn.ask(Slot::Article, intent, reply));
                }
            }
        }
        (None, None) => {
            let reply = local::ask_article(speech, state);
            return Composed::Done(turn.ask(Slot::Article, intent, reply));
        }
    };
    let asked_sizes = local::sizes_named(product, &turn.analysis.entities.size, &turn.text);
    let reply =
        match intent {
            Intent::ProductAvailability => {
                let (reply, sold_out) = local::availability(speech, product, &asked_sizes);
                // When it comes back is nowhere in the shop's data: people know.
                if sold_out && topics::asks_restock(&turn.text) {
                    let lead = format!("{} {}", reply.text, speech.text("restock-unknown", &[]));
                    return Composed::Done(turn.handoff_saying(Reason::NoKnowledge, lead));
                }
                reply
            }
            Intent::SizeAdvice => {
                let measurements = &turn.analysis.entities.measurements;
                match local::size_advice(speech, product, measurements, &asked_sizes) {
                    Some(reply) => reply,
                    None => {
                        return Composed::Done(turn.handoff_detailing(
                            Reason::NotInCard,
                            "В карточке нет таблицы размеров.",
                        ));
                    }
                }
            }
            _ => match local::product_question(speech, product, &turn.text) {
                Ok(mut reply) => {
                    // «в размер? брать 42?»: the card's answer, then whether 42 is there.
                    if !asked_sizes.is_empty() {
                        let (stock, _) = local::availability(speech, product, &asked_sizes);
                        reply.text.push(' ');
                        reply.text.push_str(&stock.text);
                    }
                    reply
                }
                // A shop-wide article may answer what no card field names, or a warranty when it
                // names this kind of product; any other property of it only its card can.
                Err(gap) if gap.policy_may_answer() => {
                    let article = facts.relevant_knowledge().filter(|hit| {
                        !warranty_gap(&gap) || quotes::mentions_product(hit, &product.title)
                    });
                    match article.and_then(|_| {
                        local::from_knowledge(speech, state, intent, facts, &turn.text).ok()
                    }) {
                        Some(reply) => reply,
                        None => return Composed::Done(not_in_card(turn, &gap)),
                    }
                }
                Err(gap) => return Composed::Done(not_in_card(turn, &gap)),
            },
        };
    Composed::Draft(Box::new(turn), reply)
}

fn warranty_gap(gap: &Gap) -> bool {
    matches!(gap, Gap::NotInCard(missing) if missing.contains(&Property::Warranty))
}

/// What else the message asked, answered after the main answer: the status of an order it
/// names, a second policy question, the warranty of a product with a defect, whether the size
/// to exchange for is there.
fn also_asked(turn: &Turn<'_>, intent: Intent, facts: &Facts) -> Vec<String> {
    let speech = turn.speech;
    let state = &turn.state;
    let mut more = Vec::new();
    // «Где заказ 123 и есть ли промокоды?»: the order is told whatever came first.
    if !matches!(
        intent,
        Intent::OrderStatus | Intent::OrderCancel | Intent::RefundStatus | Intent::ReturnRequest
    ) && !turn.analysis.entities.order_id.is_empty()
        && let Some(found) = &facts.order
    {
        more.push(local::order_status(speech, state, found, found.verified).text);
    }
    let primary = facts.relevant_knowledge().map(|hit| hit.article_id);
    for hit in facts
        .secondary
        .iter()
        .filter(|hit| Some(hit.article_id) != primary)
    {
        more.push(local::quoted(
            speech,
            quotes::excerpt(&hit.body, &turn.text),
        ));
    }
    if let Some(product) = &facts.product {
        if matches!(
            intent,
            Intent::ReturnRequest | Intent::ExchangeRequest | Intent::DefectOrWrongItem
        ) && mentions_defect(&turn.text)
            && let Some(warranty) = card::answer(product, Property::Warranty, "")
        {
            more.push(card_fields(speech, product, &warranty));
        }
        if intent == Intent::ExchangeRequest
            && let Some(size) = exchange_target(product, &turn.analysis.entities.size, &turn.text)
        {
            more.push(local::availability(speech, product, &[size]).0.text);
        }
    }
    more
}

fn mentions_defect(text: &str) -> bool {
    let text = text.to_lowercase();
    ["брак", "дефект", "сломал", "гарант"]
        .iter()
        .any(|w| text.contains(w))
}

fn card_fields(speech: Speech, product: &Product, fields: &[(String, String)]) -> String {
    let listed: Vec<String> = fields
        .iter()
        .map(|(name, value)| {
            speech.text(
                "card-field",
                &[
                    ("name", super::catalogue::Arg::Owned(name.to_lowercase())),
                    ("value", super::catalogue::Arg::Text(value)),
                ],
            )
        })
        .collect();
    speech.text(
        "card-answer",
        &[
            ("title", super::catalogue::Arg::Text(&product.title)),
            ("fields", super::catalogue::Arg::Owned(listed.join("; "))),
        ],
    )
}

/// The size a shopper wants to exchange for: named («на 43»), or the next one up or down from
/// the one they have («M маловат, побольше»).
fn exchange_target(product: &Product, found: &[String], text: &str) -> Option<String> {
    let sold: Vec<String> = super::sizing::sizes(product)
        .into_iter()
        .map(|(size, _)| size)
        .collect();
    let named = local::sizes_named(product, found, text);
    let lowered = text.to_lowercase();
    let bigger = ["побольше", "больше", "маловат", "мал ", "мала"]
        .iter()
        .any(|w| lowered.contains(w));
    let smaller = ["поменьше", "меньше", "великоват", "велик"]
        .iter()
        .any(|w| lowered.contains(w));
    match named.as_slice() {
        [have] if bigger || smaller => {
            let at = sold.iter().position(|s| s.eq_ignore_ascii_case(have))?;
            let next = if bigger {
                at.checked_add(1)
            } else {
                at.checked_sub(1)
            }?;
            sold.get(next).cloned()
        }
        [.., wanted] => Some(wanted.clone()),
        [] => None,
    }
}

/// People take a product question the card cannot answer, told what was asked.
fn not_in_card(turn: Turn<'_>, gap: &Gap) -> Decision {
    match gap {
        Gap::NotInCard(missing) => {
            let ru = Speech::RUSSIAN;
            let asked: Vec<String> = missing
                .iter()
                .map(|p| ru.text(&format!("property-{}", p.key()), &[]))
                .collect();
            let detail = format!("В карточке нет сведений: {}.", asked.join(", "));
            turn.handoff_detailing(Reason::NotInCard, &detail)
        }
        Gap::NoKnowledge => turn.handoff(Reason::NotInCard),
    }
}

/// Questions a shop's policy text may answer: returns and exchanges, and general questions
/// about payment, delivery or warranty that name no product or order of their own.
fn answers_from_policy(intent: Intent, facts: &Facts) -> bool {
    match intent {
        Intent::ReturnRequest | Intent::ExchangeRequest | Intent::RefundStatus => true,
        Intent::ProductQuestion | Intent::Other => facts.product.is_none(),
        _ => false,
    }
}
