//! What a shopper is told, unasked, when an order they proved theirs moves on: it shipped, it
//! waits at the pickup point, or it was cancelled; or when its return is decided or refunded.
//! Once per stage (the order's substatuses inside one stage are not news), in the language the
//! shopper last wrote in, with the details an owner may hear.

use otklik_db::order_news::{News, ReturnNews};
use otklik_nlu::Language;

use super::catalogue::Speech;
use super::facts::OrderFacts;
use super::local;
use super::order_status::{self, Stage};
use super::return_status::{self, ReturnStage};
use super::state::State;

/// A message for the news, and the stage it announces (part of the message's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub text: String,
    pub stage: &'static str,
}

/// Stages worth a message of their own.
fn announced(stage: Stage) -> Option<&'static str> {
    match stage {
        Stage::InTransit => Some("in_transit"),
        Stage::AtPickupPoint => Some("at_pickup_point"),
        Stage::Cancelled => Some("cancelled"),
        Stage::Preparing | Stage::Received | Stage::Problem | Stage::Unknown => None,
    }
}

/// The message for this news, or `None` when it is not news: the stage did not change, the
/// shopper asked not to be written to first, or nobody needs to hear it.
pub fn announce(news: &News) -> Option<Announcement> {
    let state = State::of(&news.state);
    if state.no_news {
        return None;
    }
    let explained = order_status::explain(&news.order, news.marketplace);
    let stage = announced(explained.stage)?;
    let before = news.previous.as_ref().map(|(status, substatus)| {
        order_status::explain_status(news.marketplace, status, substatus.as_deref()).stage
    });
    if before == Some(explained.stage) {
        return None;
    }
    let speech = Speech::of(state.language.unwrap_or(Language::Ru)).unwrap_or(Speech::RUSSIAN);
    let facts = OrderFacts {
        order: news.order.clone(),
        marketplace: news.marketplace,
        explained,
        returns: Vec::new(),
        verified: true,
    };
    let status = local::order_status(speech, &state, &facts, true);
    Some(Announcement {
        text: format!("{} {}", speech.text("news-intro", &[]), status.text),
        stage,
    })
}

/// Return stages worth a message: a decision, and the money on its way.
fn announced_return(stage: ReturnStage) -> Option<&'static str> {
    match stage {
        ReturnStage::Approved => Some("return_approved"),
        // The item stays with the shopper and the money comes back: news even after «approved».
        ReturnStage::ApprovedKept => Some("return_approved_kept"),
        ReturnStage::Refunded => Some("refunded"),
        ReturnStage::Rejected => Some("return_rejected"),
        ReturnStage::Pending | ReturnStage::InProgress => None,
    }
}

/// The message for a return's change, or `None` when it is not news (still waiting for a
/// decision, on its way back) or the shopper asked not to be written to first. The stage is
/// part of the message's key, so each is told once.
pub fn announce_return(news: &ReturnNews) -> Option<Announcement> {
    let state = State::of(&news.state);
    if state.no_news {
        return None;
    }
    let stage = announced_return(return_status::stage(&news.found, news.marketplace))?;
    let speech = Speech::of(state.language.unwrap_or(Language::Ru)).unwrap_or(Speech::RUSSIAN);
    let described = return_status::describe(
        speech,
        &news.found,
        news.marketplace,
        &news.order_external_id,
    );
    Some(Announcement {
        text: format!("{} {described}", speech.text("news-intro", &[])),
        stage,
    })
}
