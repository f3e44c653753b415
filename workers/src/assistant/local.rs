//! The local responder: replies written from templates, live data and the knowledge base,
//! with no network. Wording varies between turns so a conversation never repeats itself.

use std::sync::LazyLock;

use otklik_db::catalogue::Product;
use otklik_nlu::Intent;
use regex::Regex;

use super::facts::{Facts, OrderFacts};
use super::order_status::{Stage, marketplace_name};
use super::return_status;
use super::settings::Tone;
use super::state::State;

/// A reply, and the key of the wording used, so the next turn can pick another.
#[derive(Debug, Clone)]
pub struct Reply {
    pub text: String,
    pub key: String,
}

/// What the local responder cannot answer: the caller hands the conversation to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    NoKnowledge,
}

/// Picks a variant not yet said in this conversation (or the least recently said).
fn pick(state: &State, family: &str, variants: &[&str]) -> (usize, String) {
    let fresh = (0..variants.len()).find(|i| !state.said.contains(&format!("{family}:{i}")));
    let index = fresh.unwrap_or_else(|| {
        (0..variants.len())
            .min_by_key(|i| {
                let key = format!("{family}:{i}");
                state.said.iter().rposition(|k| *k == key).unwrap_or(0)
            })
            .unwrap_or(0)
    });
    (index, format!("{family}:{index}"))
}

fn say(state: &State, family: &str, variants: &[&str]) -> Reply {
    let (index, key) = pick(state, family, variants);
    Reply {
        text: variants[index].to_owned(),
        key,
    }
}

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// «14 ноября» from a date in the order details (`YYYY-MM-DD…`).
fn russian_date(value: &serde_json::Value) -> Option<String> {
    let text = value.as_str()?;
    let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(day_month(date))
}

/// «14 ноября».
pub fn day_month(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", date.day(), MONTHS[date.month0() as usize])
}

/// The latest return of the order the shopper named, when there is one.
pub fn return_status(state: &State, facts: &Facts) -> Option<Reply> {
    let found = facts.order.as_ref()?;
    let latest = found.returns.first()?;
    let (_, key) = pick(state, "return_status", &["a"]);
    Some(Reply {
        text: return_status::describe(latest, found.marketplace, &found.order.external_id),
        key,
    })
}

pub fn order_status(state: &State, found: &OrderFacts) -> Reply {
    let id = &found.order.external_id;
    let (index, key) = pick(state, "order_status", &["a", "b"]);
    let mut text = if index == 0 {
        format!("Заказ {id} {}.", found.explained.predicate)
    } else {
        format!(
            "По данным {}, заказ {id} {}.",
            marketplace_name(found.marketplace),
            found.explained.predicate
        )
    };
    let details = &found.order.details;
    match found.explained.stage {
        Stage::AtPickupPoint => {
            if let Some(point) = details.get("pickup_point").and_then(|v| v.as_str()) {
                text.push_str(&format!(" Пункт выдачи: {point}."));
            }
            if let Some(until) = details.get("storage_until").and_then(russian_date) {
                text.push_str(&format!(" Он будет храниться там до {until}."));
            }
        }
        Stage::InTransit | Stage::Preparing => {
            if let Some(date) = details.get("delivery_date").and_then(russian_date) {
                text.push_str(&format!(" Ожидаемая дата доставки — {date}."));
            }
        }
        Stage::Problem => {
            text.push_str(" Если нужна помощь с этим, напишите — подключу сотрудника.")
        }
        Stage::Received | Stage::Cancelled | Stage::Unknown => {}
    }
    Reply { text, key }
}

pub fn ask_order_id(state: &State) -> Reply {
    say(
        state,
        "ask_order",
        &[
            "Подскажите, пожалуйста, номер заказа — он есть в личном кабинете: на Wildberries в разделе «Доставки», на Ozon — в «Заказах».",
            "Чтобы проверить заказ, пришлите, пожалуйста, его номер. На Wildberries он в разделе «Доставки», на Ozon — номер отправления в «Заказах».",
        ],
    )
}

pub fn unknown_order(state: &State, id: &str) -> Reply {
    let (index, key) = pick(state, "unknown_order", &["a", "b"]);
    let text = if index == 0 {
        format!(
            "Заказ {id} не нахожу среди заказов нашего магазина. Проверьте, пожалуйста, номер — возможно, в нём опечатка или заказ оформлен у другого продавца."
        )
    } else {
        format!(
            "По номеру {id} заказа у нас не видно. Пришлите, пожалуйста, номер ещё раз — я проверю."
        )
    };
    Reply { text, key }
}

pub fn order_cancel(state: &State, facts: &Facts) -> Option<Reply> {
    let found = facts.order.as_ref()?;
    let id = &found.order.external_id;
    let app = marketplace_name(found.marketplace);
    let text = match found.explained.stage {
        Stage::Preparing => format!(
            "Заказ {id} ещё не передан в доставку, поэтому его можно отменить самостоятельно: откройте заказ в приложении {app} и нажмите «Отменить». Деньги вернутся на карту автоматически."
        ),
        Stage::InTransit => format!(
            "Заказ {id} уже в пути, отменить его в приложении не получится. Вы можете просто не забирать его или отказаться при получении в пункте выдачи — деньги вернутся автоматически."
        ),
        Stage::AtPickupPoint => format!(
            "Заказ {id} уже в пункте выдачи. Если он не нужен, просто откажитесь от него при получении или не забирайте — деньги вернутся автоматически."
        ),
        Stage::Received => format!(
            "Заказ {id} уже получен, поэтому отменить его нельзя, но можно оформить возврат в приложении {app} в разделе «Покупки»."
        ),
        Stage::Cancelled => format!(
            "Заказ {id} уже отменён, ничего делать не нужно: деньги вернутся автоматически."
        ),
        Stage::Problem | Stage::Unknown => return None,
    };
    Some(Reply {
        text,
        key: format!("order_cancel:{}", state.said.len()),
    })
}

static QUESTION_WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}]{4,}").unwrap_or_else(|e| panic!("word pattern: {e}")));

/// Word stems of a text: the first five letters of each longer word, enough to match
/// «возврата» with «возврат» and «размеры» with «размер».
fn stems(text: &str) -> Vec<String> {
    QUESTION_WORDS
        .find_iter(&text.to_lowercase())
        .map(|m| m.as_str().chars().take(5).collect())
        .collect()
}

/// The part of an article that answers the question: the paragraphs sharing the most stems
/// with it, in their original order, within a length a chat message can carry.
pub fn excerpt(body: &str, question: &str) -> String {
    const MAX: usize = 700;
    let asked = stems(question);
    let paragraphs: Vec<&str> = body
        .split("\n\n")
        .flat_map(|p| p.split('\n'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if body.chars().count() <= MAX {
        return paragraphs.join("\n");
    }
    let mut scored: Vec<(usize, usize)> = paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| (i, stems(p).iter().filter(|s| asked.contains(s)).count()))
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = Vec::new();
    let mut length = 0;
    for (i, _) in scored {
        let len = paragraphs[i].chars().count();
        if length + len > MAX && !chosen.is_empty() {
            continue;
        }
        chosen.push(i);
        length += len;
    }
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|&i| paragraphs[i])
        .collect::<Vec<_>>()
        .join("\n")
}

/// The offer of help after a return or exchange answer: a pleasantry the concise tone drops.
const HELP_CLOSING: &str = "Если что-то не получится, напишите — помогу.";

/// The shop's own policy text for the question, quoted as the answer.
pub fn from_policy(state: &State, intent: Intent, policy: &str, question: &str) -> Reply {
    Reply {
        text: with_closing(state, intent, excerpt(policy, question)),
        key: format!("closing:{}:policy", intent.as_str()),
    }
}

/// A policy answer quoted from the best knowledge article.
pub fn from_knowledge(
    state: &State,
    intent: Intent,
    facts: &Facts,
    question: &str,
) -> Result<Reply, Gap> {
    let hit = facts.knowledge.first().ok_or(Gap::NoKnowledge)?;
    Ok(Reply {
        text: with_closing(state, intent, excerpt(&hit.body, question)),
        key: format!("closing:{}:{}", intent.as_str(), hit.article_id),
    })
}

/// A policy quote and what to do if it does not work out, said once a conversation.
fn with_closing(state: &State, intent: Intent, mut text: String) -> String {
    let closing = match intent {
        Intent::RefundStatus => Some(
            "Если этот срок уже прошёл, напишите — передам вопрос сотруднику, он проверит платёж.",
        ),
        Intent::ReturnRequest | Intent::ExchangeRequest => Some(HELP_CLOSING),
        _ => None,
    };
    if let Some(closing) = closing.filter(|_| !state.said.iter().any(|k| k.starts_with("closing:")))
    {
        text.push_str("\n\n");
        text.push_str(closing);
    }
    text
}

fn characteristics(product: &Product) -> Vec<(String, String)> {
    product
        .attributes
        .get("characteristics")
        .and_then(|c| c.as_object())
        .map(|map| {
            map.iter()
                .map(|(name, value)| {
                    let value = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    (name.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Facts about a product: the characteristics the question asks about, or the main ones.
pub fn product_question(product: &Product, question: &str) -> Reply {
    let asked = stems(question);
    let all = characteristics(product);
    let matching: Vec<&(String, String)> = all
        .iter()
        .filter(|(name, value)| {
            stems(name)
                .iter()
                .chain(stems(value).iter())
                .any(|s| asked.contains(s))
        })
        .collect();
    let shown: Vec<&(String, String)> = if matching.is_empty() {
        all.iter().take(4).collect()
    } else {
        matching
    };
    let title = &product.title;
    let text = if shown.is_empty() {
        format!(
            "В карточке «{title}» подробных характеристик нет. Уточню у сотрудника, если нужно, — напишите, что именно важно."
        )
    } else {
        let list = shown
            .iter()
            .map(|(name, value)| format!("{}: {value}", name.to_lowercase()))
            .collect::<Vec<_>>()
            .join("; ");
        format!("По карточке «{title}»: {list}.")
    };
    Reply {
        text,
        key: format!("product:{}", product.external_id),
    }
}

fn sizes_in_stock(product: &Product) -> Vec<(String, i64)> {
    product
        .attributes
        .get("sizes")
        .and_then(|s| s.as_array())
        .map(|sizes| {
            sizes
                .iter()
                .filter_map(|s| {
                    let size = s.get("size")?.as_str()?.to_owned();
                    let stock = s.get("stock").and_then(|v| v.as_i64()).unwrap_or(0);
                    Some((size, stock))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn availability(product: &Product, asked_sizes: &[String]) -> Reply {
    let sizes = sizes_in_stock(product);
    let available: Vec<&str> = sizes
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| s.as_str())
        .collect();
    let title = &product.title;
    let text = if let Some(asked) = asked_sizes.first() {
        let upper = asked.to_uppercase();
        match sizes.iter().find(|(s, _)| s.to_uppercase() == upper) {
            Some((_, n)) if *n > 0 => {
                format!("Да, «{title}» в размере {asked} сейчас есть в наличии.")
            }
            _ if available.is_empty() => format!(
                "К сожалению, «{title}» сейчас нет в наличии. Когда будет поступление, пока сказать не могу."
            ),
            _ => format!(
                "Размера {asked} у «{title}» сейчас нет. В наличии: {}. Когда будет поступление, пока сказать не могу.",
                available.join(", ")
            ),
        }
    } else if !available.is_empty() {
        format!(
            "«{title}» сейчас есть в наличии, размеры: {}.",
            available.join(", ")
        )
    } else if product.stock.is_some_and(|n| n > 0) {
        format!("Да, «{title}» сейчас есть в наличии.")
    } else {
        format!(
            "К сожалению, «{title}» сейчас нет в наличии. Когда будет поступление, пока сказать не могу."
        )
    };
    Reply {
        text,
        key: format!("availability:{}", product.external_id),
    }
}

static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(рост\w*|вес\w*|обхват\w*\s+груди|груд\w*|тали\w*|бедр\w*|бёдр\w*|стоп\w*|головы|голов\w*)\D{0,12}?(\d{2,3}(?:[.,]\d)?)")
        .unwrap_or_else(|e| panic!("measurement pattern: {e}"))
});

/// The chart field a measurement word fills.
fn field(word: &str) -> Option<&'static str> {
    let w = word.to_lowercase();
    Some(if w.starts_with("рост") {
        "height"
    } else if w.starts_with("вес") {
        "weight"
    } else if w.contains("груд") {
        "chest"
    } else if w.starts_with("тали") {
        "waist"
    } else if w.starts_with("бедр") || w.starts_with("бёдр") {
        "hips"
    } else if w.starts_with("стоп") {
        "foot"
    } else if w.starts_with("голов") {
        "head"
    } else {
        return None;
    })
}

fn range(value: &serde_json::Value) -> Option<(f64, f64)> {
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    let mut parts = text
        .split('-')
        .map(|p| p.trim().replace(',', ".").parse::<f64>());
    let lo = parts.next()?.ok()?;
    let hi = parts.next().and_then(Result::ok).unwrap_or(lo);
    Some((lo, hi))
}

/// A size from the product's chart and the shopper's measurements, or the chart itself.
pub fn size_advice(product: &Product, question: &str) -> Option<Reply> {
    let chart = product.attributes.get("size_chart")?.as_array()?;
    let measured: Vec<(&'static str, f64, String)> = MEASURE
        .captures_iter(question)
        .filter_map(|c| {
            let field = field(&c[1])?;
            let value = c[2].replace(',', ".").parse().ok()?;
            Some((field, value, c[0].to_owned()))
        })
        .collect();
    let title = &product.title;
    let key = format!("size:{}", product.external_id);
    if measured.is_empty() {
        let rows: Vec<String> = chart
            .iter()
            .filter_map(|row| {
                let size = row.get("size")?.as_str()?;
                let parts: Vec<String> = [
                    ("height", "рост"),
                    ("chest", "грудь"),
                    ("waist", "талия"),
                    ("hips", "бёдра"),
                    ("foot", "стопа"),
                    ("head", "голова"),
                ]
                .iter()
                .filter_map(|(f, name)| {
                    row.get(*f).map(|v| {
                        format!(
                            "{name} {}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                })
                .collect();
                Some(format!("{size} — {}", parts.join(", ")))
            })
            .collect();
        return Some(Reply {
            text: format!(
                "Таблица размеров «{title}»:\n{}\nНапишите ваш рост и обхват груди (для обуви — длину стопы), и я подскажу размер.",
                rows.join("\n")
            ),
            key,
        });
    }
    let best = chart
        .iter()
        .filter_map(|row| {
            let size = row.get("size")?.as_str()?;
            let mut score = 0.0;
            let mut compared = 0;
            for (field, value, _) in &measured {
                if let Some((lo, hi)) = row.get(*field).and_then(range) {
                    compared += 1;
                    score += if (lo..=hi).contains(value) {
                        0.0
                    } else {
                        (value - lo).abs().min((value - hi).abs())
                    };
                }
            }
            (compared > 0).then_some((size, score))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let said: Vec<String> = measured
        .iter()
        .map(|(_, _, text)| text.to_lowercase())
        .collect();
    Some(Reply {
        text: format!(
            "По таблице размеров «{title}» при ваших параметрах ({}) подойдёт размер {}. Если любите посвободнее, можно взять на размер больше.",
            said.join(", "),
            best.0
        ),
        key,
    })
}

pub fn ask_article(state: &State) -> Reply {
    say(
        state,
        "ask_article",
        &[
            "Подскажите, пожалуйста, артикул товара — он указан в карточке товара под названием.",
            "Пришлите, пожалуйста, артикул товара из карточки — так я проверю точно.",
        ],
    )
}

pub fn unknown_article(state: &State, article: &str) -> Reply {
    let (_, key) = pick(state, "unknown_article", &["a"]);
    Reply {
        text: format!(
            "Товар с артикулом {article} среди наших товаров не нахожу. Проверьте, пожалуйста, артикул в карточке товара."
        ),
        key,
    }
}

pub fn greeting(state: &State) -> Reply {
    say(
        state,
        "greeting",
        &[
            "Здравствуйте! Чем могу помочь?",
            "Добрый день! Напишите, пожалуйста, ваш вопрос — я помогу.",
            "Здравствуйте! Слушаю вас.",
        ],
    )
}

pub fn thanks(state: &State) -> Reply {
    say(
        state,
        "thanks",
        &[
            "Пожалуйста! Если появятся вопросы — пишите.",
            "Рады помочь. Хорошего дня!",
            "Обращайтесь! Всего доброго.",
        ],
    )
}

/// Out of scope, nonsense or an attempt to change the assistant's instructions: a polite
/// refusal that says what it can do. Asked whether it is a person, it answers honestly.
pub fn other(state: &State, canonical: &str) -> Reply {
    if [
        "bot",
        "robot",
        "chelovek",
        "nastoiash",
        "iskusstv",
        "neiroset",
    ]
    .iter()
    .any(|w| canonical.contains(w))
    {
        return say(
            state,
            "identity",
            &[
                "Я виртуальный помощник магазина. Если удобнее общаться с сотрудником, напишите «позовите сотрудника» — я передам ему ваш вопрос.",
            ],
        );
    }
    say(
        state,
        "other",
        &[
            "С этим помочь не смогу, но с радостью отвечу на вопросы о заказах, товарах, возврате и обмене в нашем магазине.",
            "Я отвечаю на вопросы о заказах и товарах нашего магазина. Подскажите, что вас интересует?",
        ],
    )
}

pub fn not_understood(state: &State) -> Reply {
    say(
        state,
        "clarify",
        &[
            "Уточните, пожалуйста, что вас интересует: статус заказа, возврат или обмен, наличие или характеристики товара?",
            "Не совсем понятно, о чём вопрос. Напишите, пожалуйста, чуть подробнее — например, номер заказа или артикул товара.",
        ],
    )
}

pub fn attachment_only(state: &State) -> Reply {
    say(
        state,
        "attachment",
        &[
            "Спасибо, файл получен. Напишите, пожалуйста, ваш вопрос текстом — так я смогу помочь быстрее.",
        ],
    )
}

/// Fits a local reply to the shop's tone. Neutral leaves it; concise drops pleasantries but
/// keeps a greeting; warm adds a friendly closing after a real answer, each wording at most
/// once a conversation so it never reads as a template. Returns the closing's key to remember.
pub fn toned(reply: Reply, tone: Tone, intent: Intent, state: &State) -> (Reply, Option<String>) {
    match (tone, intent) {
        (Tone::Neutral, _) => (reply, None),
        (Tone::Concise, Intent::ThanksBye) => (
            say(state, "thanks_concise", &["Пожалуйста.", "Всего доброго."]),
            None,
        ),
        (Tone::Concise, _) => {
            let text = match reply.text.strip_suffix(HELP_CLOSING) {
                Some(rest) => rest.trim_end().to_owned(),
                None => reply.text,
            };
            (Reply { text, ..reply }, None)
        }
        (Tone::Warm, Intent::Greeting) => (
            say(
                state,
                "greeting_warm",
                &[
                    "Здравствуйте! Спасибо, что написали. Чем могу помочь?",
                    "Добрый день! С радостью помогу — напишите, пожалуйста, ваш вопрос.",
                ],
            ),
            None,
        ),
        (Tone::Warm, Intent::ThanksBye) => (
            say(
                state,
                "thanks_warm",
                &[
                    "Пожалуйста, были рады помочь! Если появятся вопросы — пишите в любое время.",
                    "Спасибо и вам! Хорошего дня.",
                ],
            ),
            None,
        ),
        (Tone::Warm, Intent::Other) => (reply, None),
        (Tone::Warm, _) => {
            // Only after an answer: not while asking for a detail or after a misunderstanding.
            let answered = state.awaiting.is_none() && state.failed_turns == 0;
            let closings = [
                "Хорошего вам дня!",
                "Будем рады помочь, если появятся ещё вопросы.",
            ];
            let fresh = (0..closings.len()).find(|i| !state.said.contains(&format!("warm:{i}")));
            match fresh.filter(|_| answered && !reply.text.ends_with(HELP_CLOSING)) {
                Some(i) => {
                    let text = format!("{}\n\n{}", reply.text, closings[i]);
                    (Reply { text, ..reply }, Some(format!("warm:{i}")))
                }
                None => (reply, None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use otklik_schema::ChannelKind;

    use super::*;
    use crate::assistant::guardrails::{self, Sources};

    const POLICY: &str = "Вернуть товар можно в течение 30 дней: оформите возврат в разделе «Покупки» и отнесите товар в пункт выдачи.";

    fn passes(text: &str, grounding: &str) -> String {
        let sources = Sources {
            system_prompt: "",
            grounding,
        };
        guardrails::check(text, ChannelKind::WbChat, &sources)
            .unwrap_or_else(|v| panic!("{text:?} failed the guardrails: {v}"))
    }

    fn in_tone(
        tone: Tone,
        intent: Intent,
        reply: Reply,
        state: &State,
    ) -> (String, Option<String>) {
        let (reply, closing) = toned(reply, tone, intent, state);
        (passes(&reply.text, POLICY), closing)
    }

    #[test]
    fn the_same_answer_differs_by_tone_and_passes_the_guardrails() {
        let state = State::default();
        let answer = from_policy(&state, Intent::ReturnRequest, POLICY, "как вернуть?");
        let (neutral, _) = in_tone(Tone::Neutral, Intent::ReturnRequest, answer.clone(), &state);
        let (warm, _) = in_tone(Tone::Warm, Intent::ReturnRequest, answer.clone(), &state);
        let (concise, _) = in_tone(Tone::Concise, Intent::ReturnRequest, answer, &state);
        for text in [&neutral, &warm, &concise] {
            assert!(text.starts_with(POLICY), "the answer comes first: {text}");
        }
        assert!(neutral.ends_with(HELP_CLOSING), "{neutral}");
        assert_eq!(concise, POLICY, "concise drops the offer of help");
        assert_eq!(warm, neutral, "the offer of help is warm enough on its own");

        let status = Reply {
            text: "Заказ 1456789012 уже ждёт вас в пункте выдачи.".into(),
            key: "order_status:0".into(),
        };
        let (plain, _) = in_tone(Tone::Neutral, Intent::OrderStatus, status.clone(), &state);
        let (warm, closing) = in_tone(Tone::Warm, Intent::OrderStatus, status.clone(), &state);
        assert!(
            warm.starts_with(&plain) && warm.len() > plain.len(),
            "{warm}"
        );
        let Some(closing) = closing else {
            panic!("a warm closing is remembered");
        };
        let mut later = State::default();
        later.remember_said(closing);
        let (again, _) = in_tone(Tone::Warm, Intent::OrderStatus, status.clone(), &later);
        assert_ne!(again, warm, "the warm line is not repeated word for word");

        let asking = State {
            awaiting: Some(crate::assistant::state::Slot::OrderId),
            ..State::default()
        };
        let ask = ask_order_id(&asking);
        let (asked, closing) = in_tone(Tone::Warm, Intent::OrderStatus, ask.clone(), &asking);
        assert_eq!(asked, ask.text, "no closing while asking for a detail");
        assert!(closing.is_none());
    }

    #[test]
    fn greetings_and_thanks_follow_the_tone_and_keep_vy() {
        let state = State::default();
        let greet = |tone| in_tone(tone, Intent::Greeting, greeting(&state), &state).0;
        let thank = |tone| in_tone(tone, Intent::ThanksBye, thanks(&state), &state).0;
        assert_eq!(
            greet(Tone::Concise),
            greet(Tone::Neutral),
            "a greeting stays"
        );
        assert!(greet(Tone::Warm).contains("Спасибо, что написали"));
        assert_eq!(thank(Tone::Concise), "Пожалуйста.");
        assert!(thank(Tone::Warm).chars().count() > thank(Tone::Neutral).chars().count());
        for tone in [Tone::Neutral, Tone::Warm, Tone::Concise] {
            for text in [greet(tone), thank(tone)] {
                let words: Vec<String> = text
                    .to_lowercase()
                    .split(|c: char| !c.is_alphabetic())
                    .map(str::to_owned)
                    .collect();
                assert!(
                    !words
                        .iter()
                        .any(|w| ["ты", "тебе", "тебя", "твой"].contains(&w.as_str())),
                    "{text}"
                );
            }
        }
    }
}
