//! `workers eval conversations FILE.jsonl`: scripted conversations run through the real turn
//! pipeline against a seeded shop, each turn judged, with totals a seller can read before going
//! live. Everything happens in a scratch database and Redis namespace of its own, dropped at the
//! end, so it can run beside a live installation.

mod script;

use std::path::Path;
use std::time::Instant;

use otklik_config::Config;
use otklik_db::conversations::{self, NewInbound};
use otklik_db::sealed::Sealed;
use otklik_db::{TenantScope, accounts, channels, tenants};
use otklik_nlu::Language;
use otklik_schema::Marketplace;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

pub use script::{Expected, Miss, Outcome, Script, Step};

use crate::Context;
use crate::demo::{Shop, ShopError};
use crate::turns::{self, Taken};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a conversation script: {source}")]
    Script {
        path: String,
        line: usize,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Shop(#[from] ShopError),
    #[error("could not prepare the scratch database: {0}")]
    Database(#[from] otklik_db::DbError),
    #[error("could not start the pipeline: {0}")]
    Start(#[from] crate::context::StartError),
    #[error("a turn failed: {0}")]
    Turn(String),
    #[error("invalid DATABASE_URL: {0}")]
    Url(String),
}

/// A conversation's verdict: correct by its last expectation, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Resolved,
    Asked,
    HandedOff,
    /// A turn got another outcome or missed a fact.
    Missed,
    /// A reply said something the data contradicts.
    Wrong,
    WrongLanguage,
}

impl Verdict {
    pub fn correct(self) -> bool {
        matches!(
            self,
            Verdict::Resolved | Verdict::Asked | Verdict::HandedOff
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Resolved => "resolved",
            Verdict::Asked => "asked",
            Verdict::HandedOff => "handed_off",
            Verdict::Missed => "missed",
            Verdict::Wrong => "wrong",
            Verdict::WrongLanguage => "wrong_language",
        }
    }
}

/// Counts by verdict, printed as the last line.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub conversations: usize,
    pub resolved: usize,
    pub asked: usize,
    pub handed_off: usize,
    pub missed: usize,
    pub wrong: usize,
    pub wrong_language: usize,
}

impl Totals {
    fn add(&mut self, verdict: Verdict) {
        self.conversations += 1;
        match verdict {
            Verdict::Resolved => self.resolved += 1,
            Verdict::Asked => self.asked += 1,
            Verdict::HandedOff => self.handed_off += 1,
            Verdict::Missed => self.missed += 1,
            Verdict::Wrong => self.wrong += 1,
            Verdict::WrongLanguage => self.wrong_language += 1,
        }
    }

    pub fn correct(&self) -> usize {
        self.resolved + self.asked + self.handed_off
    }

    pub fn line(&self) -> String {
        let share = if self.conversations == 0 {
            0.0
        } else {
            100.0 * self.correct() as f64 / self.conversations as f64
        };
        format!(
            "conversations={} resolved={} asked={} handed_off={} missed={} wrong={} wrong_language={} correct={:.1}%",
            self.conversations,
            self.resolved,
            self.asked,
            self.handed_off,
            self.missed,
            self.wrong,
            self.wrong_language,
            share
        )
    }
}

/// One conversation's run: its verdict and every turn taken.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: String,
    pub verdict: Verdict,
    pub turns: Vec<TurnReport>,
}

/// One turn: what the shopper wrote, what came back, and what was missed.
#[derive(Debug, Clone)]
pub struct TurnReport {
    pub shopper: String,
    pub reply: Option<String>,
    pub outcome: Outcome,
    pub misses: Vec<Miss>,
}

/// Reads a scripts file: one JSON object per line; blank lines and `#` lines are skipped.
pub fn read_scripts(path: &Path) -> Result<Vec<Script>, EvalError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: shown.clone(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(n, line)| {
            serde_json::from_str(line).map_err(|source| EvalError::Script {
                path: shown.clone(),
                line: n + 1,
                source,
            })
        })
        .collect()
}

/// The scratch database's URL, on the same server as `url`.
fn with_database(url: &str, name: &str) -> Result<String, EvalError> {
    let mut parsed = reqwest::Url::parse(url).map_err(|e| EvalError::Url(e.to_string()))?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

/// A scratch database and Redis namespace, dropped with it.
struct Scratch {
    admin_url: String,
    name: String,
}

impl Scratch {
    async fn create(config: &Config) -> Result<(Scratch, Config), EvalError> {
        use diesel_async::RunQueryDsl;
        // One per run, so runs in one process (tests) or beside each other never meet.
        let name = format!("otklik_eval_{}_{}", std::process::id(), uuid_like());
        let admin_url = with_database(config.database_url.expose_secret(), "postgres")?;
        let mut admin = otklik_db::connect(&admin_url).await?;
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .map_err(otklik_db::DbError::from)?;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .map_err(otklik_db::DbError::from)?;
        let url = with_database(config.database_url.expose_secret(), &name)?;
        otklik_db::run_migrations(&url).await?;
        let mut scratch_config = config.clone();
        scratch_config.database_url = SecretString::from(url);
        scratch_config.redis_namespace = name.clone();
        Ok((Scratch { admin_url, name }, scratch_config))
    }

    async fn drop_all(self, ctx: &Context) {
        use diesel_async::RunQueryDsl;
        let mut redis = ctx.redis.clone();
        let pattern = format!("{}:*", self.name);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query_async(&mut redis)
            .await
            .unwrap_or_default();
        for chunk in keys.chunks(500) {
            let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query_async(&mut redis).await;
        }
        ctx.db.close();
        if let Ok(mut admin) = otklik_db::connect(&self.admin_url).await {
            let dropped = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin)
            .await;
            if let Err(err) = dropped {
                tracing::warn!(error = %err, database = %self.name, "the scratch database was left behind");
            }
        }
    }
}

/// A short random suffix.
fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..8)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect()
}

/// Runs every script and returns one report per conversation, printing progress with `print`.
pub async fn run(
    config: &Config,
    scripts: &[Script],
    shop: &Shop,
    mut print: impl FnMut(&Report),
) -> Result<Totals, EvalError> {
    let (scratch, scratch_config) = Scratch::create(config).await?;
    let ctx = std::sync::Arc::new(Context::connect(scratch_config).await?);
    let result = run_all(&ctx, scripts, shop, &mut print).await;
    scratch.drop_all(&ctx).await;
    result
}

async fn run_all(
    ctx: &std::sync::Arc<Context>,
    scripts: &[Script],
    shop: &Shop,
    print: &mut impl FnMut(&Report),
) -> Result<Totals, EvalError> {
    let mut totals = Totals::default();
    let started = Instant::now();
    for (index, script) in scripts.iter().enumerate() {
        let report = converse(ctx, index, script, shop).await?;
        totals.add(report.verdict);
        print(&report);
    }
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "conversations evaluated"
    );
    Ok(totals)
}

/// A shop of its own for each conversation, so no conversation sees another's customers,
/// remembered orders or reply counts.
async fn converse(
    ctx: &std::sync::Arc<Context>,
    index: usize,
    script: &Script,
    shop: &Shop,
) -> Result<Report, EvalError> {
    let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
    let scope = tenants::create(&mut conn, "Демо-магазин", &format!("eval-{index}")).await?;
    tenants::set_operator_only(&mut conn, scope, false).await?;
    if let Some(assistant) = &shop.assistant {
        tenants::seed_assistant_settings(&mut conn, scope, assistant).await?;
    }
    let none = Sealed::none();
    let wb = accounts::create(&mut conn, scope, Marketplace::Wb, "Wildberries", &none).await?;
    let ozon = accounts::create(&mut conn, scope, Marketplace::Ozon, "Ozon", &none).await?;
    shop.store(
        &mut conn,
        scope,
        |marketplace| match marketplace {
            Marketplace::Wb => wb,
            Marketplace::Ozon => ozon,
        },
        true,
    )
    .await?;
    let channel = match script.channel.marketplace() {
        Some(marketplace) => {
            let account = match marketplace {
                Marketplace::Wb => wb,
                Marketplace::Ozon => ozon,
            };
            channels::open_for_account(&mut conn, scope, account, marketplace, &[])
                .await?
                .into_iter()
                .find(|c| c.kind == script.channel)
                .ok_or_else(|| EvalError::Turn(format!("no {} channel", script.channel)))?
        }
        None => channels::create(&mut conn, scope, script.channel, "Канал", &none).await?,
    };
    drop(conn);

    let language = script.language.unwrap_or(Language::Ru);
    let mut turns = Vec::new();
    let mut verdict = Verdict::Missed;
    for (turn, step) in script.turns.iter().enumerate() {
        let (outcome, reply) = say(ctx, scope, &channel, script, turn, step).await?;
        let missed = script::judge(step, &outcome, reply.as_deref(), language);
        verdict = if missed.iter().any(|m| matches!(m, Miss::Language { .. })) {
            Verdict::WrongLanguage
        } else if missed.iter().any(Miss::is_wrong_fact) {
            Verdict::Wrong
        } else if !missed.is_empty() {
            Verdict::Missed
        } else {
            match step.expect {
                Expected::Answer => Verdict::Resolved,
                Expected::Ask => Verdict::Asked,
                Expected::Handoff => Verdict::HandedOff,
            }
        };
        let stop = !missed.is_empty() || matches!(outcome, Outcome::Handoff(_));
        turns.push(TurnReport {
            shopper: step.shopper.clone(),
            reply,
            outcome,
            misses: missed,
        });
        if stop {
            break;
        }
    }
    Ok(Report {
        id: script.id.clone(),
        verdict,
        turns,
    })
}

/// The shopper writes one message (with the marketplace's attachments on the first) and the
/// turn answers it.
async fn say(
    ctx: &std::sync::Arc<Context>,
    scope: TenantScope,
    channel: &channels::Channel,
    script: &Script,
    turn: usize,
    step: &Step,
) -> Result<(Outcome, Option<String>), EvalError> {
    let given = &script.context;
    let mut attachments = Vec::new();
    if turn == 0 {
        if let Some(article) = &given.product {
            attachments.push(json!({"kind": "product", "article": article}));
        }
        if let Some(number) = &given.order {
            attachments.push(json!({"kind": "order", "number": number}));
        }
        if let Some(rid) = &given.rid {
            attachments.push(json!({"kind": "order", "rid": rid}));
        }
        if let Some(stars) = given.stars {
            attachments.push(json!({"kind": "rating", "stars": stars}));
        }
    }
    let external_id = format!("{}-{turn}", script.id);
    let message = NewInbound {
        channel_id: channel.id,
        customer_external_id: &script.id,
        customer_name: given.author.as_deref().unwrap_or(""),
        customer_username: None,
        chat_id: &script.id,
        external_id: &external_id,
        body: &step.shopper,
        attachments: json!(attachments),
        reply_token: None,
        reply_due_at: None,
    };
    let recorded = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        conversations::record_inbound(&mut conn, scope, &message).await?
    };
    let turned = match turns::take(ctx, scope, recorded.conversation_id)
        .await
        .map_err(|e| EvalError::Turn(e.to_string()))?
    {
        Taken::Done(turned) => turned,
        Taken::Busy | Taken::Missing => return Ok((Outcome::Silent, None)),
    };
    let state = turned
        .state
        .as_ref()
        .map(crate::assistant::State::of)
        .unwrap_or_default();
    let outcome = match (&turned.handoff, &turned.reply) {
        (Some(reason), _) => Outcome::Handoff(reason.as_str().to_owned()),
        (None, Some(_)) => match state.awaiting {
            // The status is told; only its private details wait for the proof.
            Some(crate::assistant::Slot::OrderOwnership) => {
                Outcome::AnswerAsking("order_ownership".to_owned())
            }
            Some(slot) => Outcome::Ask(slot.as_str().to_owned()),
            None if state.failed_turns > 0 => Outcome::Ask("clarify".to_owned()),
            None => Outcome::Answer,
        },
        (None, None) => Outcome::Silent,
    };
    Ok((outcome, turned.reply))
}
