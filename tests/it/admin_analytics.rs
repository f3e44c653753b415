//! Analytics over the admin API, checked against a hand-labelled set of 121 conversations
//! written straight into the database as the workers and the ingress record them (messages,
//! sends, handoffs, closes, reopens, ratings): the rollups the triggers keep must give exactly
//! the automation rate, handoff rate, response times, CSAT and knowledge gaps the labels say,
//! and `analytics rebuild` must recompute the same from the raw rows.

use diesel_async::RunQueryDsl;
use otklik_schema::ChannelId;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Options, TestApp};

/// One thing that happens in a conversation, `at` seconds after the shopper's first message.
#[derive(Clone, Copy)]
enum Event {
    Shopper(i64, &'static str),
    /// A bot answer to a request of this intent, recorded as sent.
    Bot(i64, &'static str),
    /// A bot answer queued `pending` and marked sent later, as the outbound pool does.
    BotQueued(i64, &'static str),
    /// The assistant hands off: its note to the shopper and the conversation's handoff.
    Handoff(i64, &'static str, &'static str),
    Operator(i64),
    Rating(i16),
    Close(i64),
    Reopen,
}

use Event::*;

/// What the labels say became of a conversation (docs/metrics.md, "Outcome").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    BotResolved,
    BotPending,
    NotResolved,
    HandedOff,
    Operator,
    Unanswered,
    GreetingOnly,
}

struct Written {
    label: Label,
    channel: ChannelId,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

async fn exec(app: &TestApp, sql: String) {
    diesel::sql_query(sql)
        .execute(&mut app.db().await)
        .await
        .expect("write a test row");
}

async fn new_customer(app: &TestApp, channel: ChannelId, n: usize) -> i64 {
    let tenant = app.tenant.tenant_id();
    app.count(&format!(
        "INSERT INTO customers (tenant_id, channel_id, external_id, display_name)
         VALUES ({tenant}, {channel}, 'shopper-{n}', 'Покупатель {n}') RETURNING id AS n"
    ))
    .await
}

/// Writes one conversation of `customer` that starts `ago` seconds before now.
async fn conversation(
    app: &TestApp,
    channel: ChannelId,
    customer: i64,
    ago: i64,
    events: &[Event],
) -> i64 {
    let tenant = app.tenant.tenant_id();
    let id = app
        .count(&format!(
            "INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id,
                                        created_at)
             VALUES ({tenant}, {channel}, {customer}, 'chat-{customer}',
                     now() - interval '{ago} seconds') RETURNING id AS n"
        ))
        .await;
    let at = |offset: i64| format!("now() - interval '{} seconds'", ago - offset);
    for event in events {
        match *event {
            Shopper(offset, text) => {
                exec(app, format!(
                    "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                           body, external_id, created_at)
                     VALUES ({tenant}, {id}, {channel}, 'inbound', 'shopper', '{text}',
                             'in-{id}-{offset}', {})", at(offset))).await;
            }
            Bot(offset, intent) => {
                exec(app, format!(
                    "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                           body, delivery_status, created_at, sent_at, meta)
                     VALUES ({tenant}, {id}, {channel}, 'outbound', 'bot', 'Ответ', 'sent', {t}, {t},
                             '{{\"intent\": \"{intent}\", \"responder\": \"local\"}}')",
                    t = at(offset))).await;
            }
            BotQueued(offset, intent) => {
                let message = app.count(&format!(
                    "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                           body, delivery_status, created_at, meta)
                     VALUES ({tenant}, {id}, {channel}, 'outbound', 'bot', 'Ответ', 'pending', {},
                             '{{\"intent\": \"{intent}\", \"responder\": \"local\"}}')
                     RETURNING id AS n", at(offset))).await;
                exec(
                    app,
                    format!("UPDATE messages SET delivery_status = 'sending' WHERE id = {message}"),
                )
                .await;
                exec(app, format!(
                    "UPDATE messages SET delivery_status = 'sent', sent_at = {} WHERE id = {message}",
                    at(offset))).await;
            }
            Handoff(offset, reason, intent) => {
                exec(app, format!(
                    "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                           body, delivery_status, created_at, sent_at, meta)
                     VALUES ({tenant}, {id}, {channel}, 'outbound', 'bot', 'Передаю специалисту',
                             'sent', {t}, {t},
                             '{{\"intent\": \"{intent}\", \"responder\": \"handoff\",
                                \"handoff_reason\": \"{reason}\"}}')", t = at(offset))).await;
                exec(app, format!(
                    "UPDATE conversations SET mode = 'waiting_operator', handoff_reason = '{reason}',
                            handoff_summary = 'Сводка', handoff_at = {} WHERE id = {id}",
                    at(offset))).await;
            }
            Operator(offset) => {
                exec(
                    app,
                    format!("UPDATE conversations SET mode = 'operator' WHERE id = {id}"),
                )
                .await;
                exec(app, format!(
                    "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                           body, delivery_status, created_at, sent_at)
                     VALUES ({tenant}, {id}, {channel}, 'outbound', 'operator', 'Ответ сотрудника',
                             'sent', {t}, {t})", t = at(offset))).await;
            }
            Rating(stars) => {
                let resolved_by = if events.iter().any(|e| matches!(e, Operator(_))) {
                    "operator"
                } else {
                    "bot"
                };
                exec(app, format!(
                    "INSERT INTO ratings (tenant_id, conversation_id, channel_id, stars, resolved_by)
                     VALUES ({tenant}, {id}, {channel}, {stars}, '{resolved_by}')")).await;
            }
            Close(offset) => {
                exec(
                    app,
                    format!(
                        "UPDATE conversations SET mode = 'closed', closed_at = {} WHERE id = {id}",
                        at(offset)
                    ),
                )
                .await;
            }
            Reopen => {
                exec(
                    app,
                    format!(
                        "UPDATE conversations SET mode = 'bot', closed_at = NULL WHERE id = {id}"
                    ),
                )
                .await;
            }
        }
    }
    id
}

/// Writes the labelled set; returns each conversation's label and channel.
async fn labelled_set(app: &TestApp) -> Vec<Written> {
    let telegram = app.telegram_channel;
    let webchat = app.webchat_channel;
    let mut written = Vec::new();
    let mut n = 0;
    let mut next = |_: ()| {
        n += 1;
        n
    };

    // A ×30 — bot resolved: asked three days ago, answered in 30 s, and the shopper neither
    // wrote again nor came back in the 24 hours after the answer.
    for _ in 0..30 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[Shopper(0, "Где мой заказ?"), Bot(30, "order_status")],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
    }
    // B ×10 — bot resolved: two hours ago, answered, then «Спасибо!»: confirmed by thanks, so
    // it counts before the 24 hours are over.
    for _ in 0..10 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            2 * HOUR,
            &[
                Shopper(0, "Какой срок доставки?"),
                Bot(30, "product_question"),
                Shopper(2 * MINUTE, "Спасибо!"),
            ],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
    }
    // C ×6 — bot resolved: two hours ago, answered, rated 5: confirmed by a rating of 4 or more.
    for _ in 0..6 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            2 * HOUR,
            &[
                Shopper(0, "Есть размер M?"),
                Bot(30, "product_availability"),
                Close(10 * MINUTE),
                Rating(5),
            ],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
    }
    // D ×8 — pending: answered two hours ago, nothing since; the 24 hours are not over and
    // nothing confirmed it, so it is in neither part of the rate yet.
    for _ in 0..8 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            2 * HOUR,
            &[Shopper(0, "Где заказ 123?"), Bot(30, "order_status")],
        )
        .await;
        written.push(Written {
            label: Label::BotPending,
            channel: telegram,
        });
    }
    // E ×12 — handed off (no_knowledge): the knowledge base had no answer; an operator answered
    // in 10 minutes and closed it. A handoff is never the bot's resolution.
    for _ in 0..12 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            DAY,
            &[
                Shopper(0, "Какая гарантия на чайник?"),
                Handoff(20, "no_knowledge", "product_question"),
                Operator(10 * MINUTE),
                Close(20 * MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::HandedOff,
            channel: telegram,
        });
    }
    // F ×6 — operator: the bot answered, then an operator wrote without a handoff: a person
    // wrote, so not the bot's.
    for _ in 0..6 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[
                Shopper(0, "Можно оплатить частями?"),
                Bot(30, "payment_issue"),
                Operator(5 * MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::Operator,
            channel: telegram,
        });
    }
    // G ×8 pairs — came back: answered three days ago and closed; two hours after the answer
    // the same shopper opened a new conversation, so the first is not resolved. The second was
    // handed to people at the shopper's request (human_request, not a knowledge gap) and
    // answered in 10 minutes.
    for _ in 0..8 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[
                Shopper(0, "Где мой заказ?"),
                Bot(30, "order_status"),
                Close(MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::NotResolved,
            channel: telegram,
        });
        conversation(
            app,
            telegram,
            c,
            3 * DAY - 2 * HOUR,
            &[
                Shopper(0, "Заказ так и не пришёл"),
                Handoff(20, "human_request", "order_status"),
                Operator(10 * MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::HandedOff,
            channel: telegram,
        });
    }
    // H ×8 — greetings only: «Привет» answered with a greeting and nothing else: no request,
    // so outside the rate altogether.
    for _ in 0..8 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[Shopper(0, "Привет"), Bot(30, "greeting")],
        )
        .await;
        written.push(Written {
            label: Label::GreetingOnly,
            channel: telegram,
        });
    }
    // I ×4 — not resolved: bot-only and older than a day, but rated 2: the shopper says it
    // did not help.
    for _ in 0..4 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[
                Shopper(0, "Как вернуть товар?"),
                Bot(30, "return_request"),
                Close(HOUR),
                Rating(2),
            ],
        )
        .await;
        written.push(Written {
            label: Label::NotResolved,
            channel: telegram,
        });
    }
    // J ×4 — unanswered: the shopper wrote three days ago and nobody answered: a request the
    // bot did not resolve.
    for _ in 0..4 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(app, telegram, c, 3 * DAY, &[Shopper(0, "Алло, ответьте")]).await;
        written.push(Written {
            label: Label::Unanswered,
            channel: telegram,
        });
    }
    // K ×3 — reopened: answered and closed three days ago, then opened again: a reopen revokes
    // the bot's resolution.
    for _ in 0..3 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[
                Shopper(0, "Когда привезут?"),
                Bot(30, "order_status"),
                Close(HOUR),
                Reopen,
            ],
        )
        .await;
        written.push(Written {
            label: Label::NotResolved,
            channel: telegram,
        });
    }
    // L ×3 pairs — came back after the day: answered five days ago and closed; the same shopper
    // wrote again two days later (after the 24 hours), answered, and silent since. Both are the
    // bot's.
    for _ in 0..3 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            5 * DAY,
            &[
                Shopper(0, "Где заказ?"),
                Bot(30, "order_status"),
                Close(MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[Shopper(0, "А новый заказ где?"), Bot(30, "order_status")],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
    }
    // M ×4 — handed off (not_in_card) on the web chat: the product card did not say; an
    // operator answered in 10 minutes.
    for _ in 0..4 {
        let c = new_customer(app, webchat, next(())).await;
        conversation(
            app,
            webchat,
            c,
            DAY,
            &[
                Shopper(0, "Из какого материала подошва?"),
                Handoff(20, "not_in_card", "product_question"),
                Operator(10 * MINUTE),
            ],
        )
        .await;
        written.push(Written {
            label: Label::HandedOff,
            channel: webchat,
        });
    }
    // N ×4 — bot resolved through the outbound pool: the answer was queued, then sent; three
    // days of silence since.
    for _ in 0..4 {
        let c = new_customer(app, telegram, next(())).await;
        conversation(
            app,
            telegram,
            c,
            3 * DAY,
            &[
                Shopper(0, "Сколько идёт доставка?"),
                BotQueued(30, "product_question"),
            ],
        )
        .await;
        written.push(Written {
            label: Label::BotResolved,
            channel: telegram,
        });
    }
    written
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = app.http.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, body) = get(app, path, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).expect("json")
}

async fn sign_up(app: &TestApp, slug: &str) -> String {
    let response = app
        .http
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(&json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Магазин", "slug": slug,
            "email": format!("boss@{slug}.example"), "password": "correct horse battery",
            "name": "Анна"}))
        .send()
        .await
        .expect("sign up");
    assert_eq!(response.status(), StatusCode::CREATED);
    let session: Value = response.json().await.expect("session");
    session["access_token"].as_str().expect("token").to_owned()
}

/// A token of the test shop for a new user of `role`.
async fn staff(app: &TestApp, role: &str, template: &str) -> String {
    let tenant = app.tenant.tenant_id();
    let email = format!("{role}@test-shop.example");
    exec(
        app,
        format!(
            "INSERT INTO users (tenant_id, email, role, display_name, password_hash)
         SELECT {tenant}, '{email}', '{role}', 'Сотрудник', password_hash FROM users
          WHERE email = 'boss@{template}.example'"
        ),
    )
    .await;
    let response = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .expect("login");
    let session: Value = response.json().await.expect("session");
    session["access_token"].as_str().expect("token").to_owned()
}

fn count(written: &[Written], label: Label, channel: Option<ChannelId>) -> i64 {
    written
        .iter()
        .filter(|w| w.label == label && channel.is_none_or(|c| w.channel == c))
        .count() as i64
}

fn rounded(part: i64, whole: i64) -> f64 {
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automation_rate_matches_a_hand_labelled_set_and_a_rebuild() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    let other = sign_up(&app, "other-analytics").await;
    let viewer = staff(&app, "viewer", "other-analytics").await;
    let written = labelled_set(&app).await;
    assert!(written.len() >= 100, "at least 100 labelled conversations");
    assert_eq!(written.len(), 121);

    // The default period: the last 30 days up to today, in the shop's time zone.
    let summary = get_json(&app, "/api/v1/analytics/summary", &viewer).await;

    let resolved = count(&written, Label::BotResolved, None);
    let pending = count(&written, Label::BotPending, None);
    let greetings = count(&written, Label::GreetingOnly, None);
    let handed_off = count(&written, Label::HandedOff, None);
    let total = written.len() as i64;
    let decided = total - greetings - pending;
    assert_eq!(
        (resolved, decided),
        (56, 105),
        "the labels as counted by hand"
    );
    assert_eq!(summary["conversations"], total);
    assert_eq!(summary["bot_resolved"], resolved);
    assert_eq!(summary["decided"], decided);
    assert_eq!(summary["automation_rate"], rounded(resolved, decided));
    assert_eq!(summary["requests"], total - greetings);
    assert_eq!(summary["handed_off"], handed_off);
    assert_eq!(
        summary["handoff_rate"],
        rounded(handed_off, total - greetings)
    );
    for (key, label) in [
        ("bot_resolved", Label::BotResolved),
        ("bot_pending", Label::BotPending),
        ("not_resolved", Label::NotResolved),
        ("handed_off", Label::HandedOff),
        ("operator", Label::Operator),
        ("unanswered", Label::Unanswered),
        ("greeting_only", Label::GreetingOnly),
    ] {
        assert_eq!(
            summary["outcomes"][key],
            count(&written, label, None),
            "{key}"
        );
    }
    // Answered by the bot at least once: all but the handed-off-at-once (E, G second, M) and
    // the unanswered (J).
    assert_eq!(
        summary["bot_involved"],
        total - handed_off - count(&written, Label::Unanswered, None)
    );
    // 93 conversations first answered in 30 s, 24 by an operator in 10 minutes, 4 never.
    assert_eq!(
        summary["first_response_seconds"],
        json!({"p50": 30, "p90": 600})
    );
    // C rated 5 ×6, I rated 2 ×4.
    assert_eq!(summary["csat"]["rated"], 10);
    assert_eq!(summary["csat"]["satisfied"], 6);
    assert_eq!(summary["csat"]["score"], 0.6);
    assert_eq!(summary["csat"]["average_stars"], 3.8);
    assert_eq!(
        summary["handoff_reasons"],
        json!([{"reason": "no_knowledge", "conversations": 12},
               {"reason": "human_request", "conversations": 8},
               {"reason": "not_in_card", "conversations": 4}])
    );
    // Messages by author, from the daily counters, match the messages themselves.
    let tenant = app.tenant.tenant_id();
    for author in ["shopper", "bot", "operator"] {
        let recorded = app
            .count(&format!(
                "SELECT count(*) AS n FROM messages WHERE tenant_id = {tenant} AND author = '{author}'"
            ))
            .await;
        assert_eq!(summary["messages"][author], recorded, "{author} messages");
    }
    // By channel: the web chat's four were all handed off.
    let channels = summary["channels"].as_array().expect("channels");
    assert_eq!(channels.len(), 2);
    let web = channels
        .iter()
        .find(|c| c["channel"]["id"] == app.webchat_channel.0)
        .expect("the web chat's figures");
    assert_eq!(web["channel"]["kind"], "webchat");
    assert_eq!(web["conversations"], 4);
    assert_eq!(web["handed_off"], 4);
    assert_eq!(web["automation_rate"], 0.0);
    let filtered = get_json(
        &app,
        &format!(
            "/api/v1/analytics/summary?channel={}",
            app.telegram_channel.0
        ),
        &viewer,
    )
    .await;
    assert_eq!(filtered["conversations"], total - 4);
    assert_eq!(filtered["automation_rate"], rounded(resolved, decided - 4));

    // One day: five days ago only L's first conversations started.
    let five_days_ago = app
        .count(
            "SELECT to_char((now() AT TIME ZONE 'Europe/Moscow')::date - 5, 'YYYYMMDD')::int8 AS n",
        )
        .await
        .to_string();
    let day = format!(
        "{}-{}-{}",
        &five_days_ago[..4],
        &five_days_ago[4..6],
        &five_days_ago[6..]
    );
    let one_day = get_json(
        &app,
        &format!("/api/v1/analytics/summary?from={day}&to={day}"),
        &viewer,
    )
    .await;
    assert_eq!(one_day["conversations"], 3);
    assert_eq!(one_day["automation_rate"], 1.0);
    // «The last N days» ends on the shop's today in its zone, as the dashboard asks for it.
    let last_week = get_json(&app, "/api/v1/analytics/summary?days=7", &viewer).await;
    let today = app
        .count("SELECT to_char((now() AT TIME ZONE 'Europe/Moscow')::date, 'YYYYMMDD')::int8 AS n")
        .await
        .to_string();
    assert_eq!(
        last_week["to"],
        format!("{}-{}-{}", &today[..4], &today[4..6], &today[6..]),
        "{last_week}"
    );
    let today = format!("{}-{}-{}", &today[..4], &today[4..6], &today[6..]);
    let one_day = get_json(&app, "/api/v1/analytics/summary?days=1", &viewer).await;
    let asked = get_json(
        &app,
        &format!("/api/v1/analytics/summary?from={today}&to={today}"),
        &viewer,
    )
    .await;
    assert_eq!(one_day["from"], today);
    assert_eq!(one_day["conversations"], asked["conversations"]);
    // A period given both ways is refused.
    let (status, _) = get(
        &app,
        &format!("/api/v1/analytics/summary?from={today}&days=3"),
        Some(&viewer),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Knowledge gaps: the no_knowledge and not_in_card handoffs, grouped, with examples.
    let gaps = get_json(&app, "/api/v1/analytics/gaps", &viewer).await;
    let items = gaps["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{gaps}");
    assert_eq!(items[0]["reason"], "no_knowledge");
    assert_eq!(items[0]["intent"], "product_question");
    assert_eq!(items[0]["conversations"], 12);
    assert_eq!(items[0]["examples"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        items[0]["examples"][0]["question"],
        "Какая гарантия на чайник?"
    );
    assert_eq!(items[1]["reason"], "not_in_card");
    assert_eq!(items[1]["conversations"], 4);

    // The CSV: a header and one row per conversation.
    let (status, csv) = get(&app, "/api/v1/analytics/conversations.csv", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("conversation_id,channel_id,channel,started_at,outcome"));
    assert_eq!(lines.len() as i64, total + 1);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(",bot_resolved,"))
            .count() as i64,
        resolved
    );

    // Recomputed from the raw rows, the figures are the same.
    let replayed = otklik_db::analytics::rebuild(&mut app.db().await, app.tenant)
        .await
        .expect("rebuild");
    assert!(replayed > 0);
    let rebuilt = get_json(&app, "/api/v1/analytics/summary", &viewer).await;
    assert_eq!(rebuilt, summary);

    // Another shop sees none of it.
    let theirs = get_json(&app, "/api/v1/analytics/summary", &other).await;
    assert_eq!(theirs["conversations"], 0);
    assert_eq!(theirs["automation_rate"], Value::Null);
    assert_eq!(
        get_json(&app, "/api/v1/analytics/gaps", &other).await["items"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_periods_are_refused_and_a_token_is_needed() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    let admin = sign_up(&app, "periods-analytics").await;
    for (query, expected) in [
        (
            "from=2026-12-07&to=2026-12-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "from=2025-01-01&to=2026-12-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("from=07.12.2026", StatusCode::BAD_REQUEST),
        ("channel=abc", StatusCode::BAD_REQUEST),
        ("colour=red", StatusCode::BAD_REQUEST),
        ("from=2026-12-01&to=2026-12-07", StatusCode::OK),
    ] {
        for path in ["summary", "gaps", "conversations.csv"] {
            let (status, body) = get(
                &app,
                &format!("/api/v1/analytics/{path}?{query}"),
                Some(&admin),
            )
            .await;
            assert_eq!(status, expected, "{path}?{query}: {body}");
            if expected == StatusCode::UNPROCESSABLE_ENTITY {
                let body: Value = serde_json::from_str(&body).expect("envelope");
                assert!(body.to_string().contains("invalid_period"), "{body}");
            }
        }
    }
    let (status, _) = get(&app, "/api/v1/analytics/summary", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
