//! Measures one conversation turn end to end, without the queue around it: the NLU, the
//! look-ups (orders, products, knowledge), the local responder or a handoff, the guardrails,
//! the transaction that records the reply, and the delivery enqueue. Each turn is a new
//! conversation with one routine question against the demo shop; turns run one at a time so
//! the figures are latencies. Prints one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::Data;
use clap::Parser;
use otklik_config::Config;
use otklik_db::conversations::{self, NewInbound};
use otklik_jobs::ConversationTurn;
use otklik_workers::Context;
use secrecy::ExposeSecret;

#[derive(Parser)]
struct Args {
    /// Turns to measure.
    #[arg(long, default_value_t = 2000)]
    turns: u32,
}

/// Routine questions of the kinds shoppers send, written for this benchmark.
const QUESTIONS: [&str; 8] = [
    "Здравствуйте! Где мой заказ 1456789012?",
    "Когда привезут отправление 12345678-0012-1?",
    "Как вернуть товар, если не подошёл размер?",
    "Рост 170, обхват груди 92 — какой размер пуховика 139204857?",
    "Есть кеды 51928374 в 38 размере?",
    "Можно обменять куртку на размер побольше?",
    "Товар пришёл с браком, что делать?",
    "Спасибо, всё понятно!",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = Config::load()?;
    config.redis_namespace = format!("bench{}", std::process::id());
    let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
    let slug = format!("bench-turn-{}", std::process::id());
    let tenant = otklik_db::tenants::create(&mut conn, "Bench", &slug).await?;
    otklik_workers::demo::seed_shop(&mut conn, tenant).await?;
    let vault = otklik_db::sealed::Vault::new(&config.master_keys());
    let channel = otklik_tests::telegram_channel(&mut conn, &vault, tenant, "1:BENCH").await?;
    let ctx = Arc::new(Context::connect(config).await?);

    let mut latencies = Vec::with_capacity(args.turns as usize);
    let started = Instant::now();
    for i in 0..args.turns {
        let chat = (2_000_000 + i).to_string();
        let recorded = conversations::record_inbound(
            &mut conn,
            tenant,
            &NewInbound {
                channel_id: channel,
                customer_external_id: &chat,
                customer_name: "Bench",
                customer_username: None,
                chat_id: &chat,
                external_id: &chat,
                body: QUESTIONS[i as usize % QUESTIONS.len()],
                attachments: serde_json::json!([]),
                reply_token: None,
                reply_due_at: None,
            },
        )
        .await?;
        let job = ConversationTurn {
            tenant_id: tenant.tenant_id(),
            conversation_id: recorded.conversation_id,
        };
        let turn = Instant::now();
        otklik_workers::turns::handle(job, Data::new(ctx.clone()))
            .await
            .map_err(|err| anyhow::anyhow!("turn {i}: {err}"))?;
        latencies.push(turn.elapsed());
    }
    let total = started.elapsed();
    let replies = replies(&mut conn, tenant).await?;
    anyhow::ensure!(
        replies == i64::from(args.turns),
        "{replies} replies to {} turns: the benchmark measured turns that did nothing",
        args.turns
    );
    latencies.sort();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(index).copied().unwrap_or(Duration::ZERO)
    };
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let turn_time: Duration = latencies.iter().sum();
    let result = serde_json::json!({
        "turns": latencies.len(),
        "replies": replies,
        "p50_ms": ms(at(0.5)),
        "p99_ms": ms(at(0.99)),
        "max_ms": ms(at(1.0)),
        "turns_per_second_one_at_a_time": latencies.len() as f64 / turn_time.as_secs_f64(),
        "seconds_with_setup": total.as_secs_f64(),
    });
    #[expect(clippy::print_stdout, reason = "the measurement is the output")]
    {
        println!("{result}");
    }
    Ok(())
}

async fn replies(
    conn: &mut otklik_db::AsyncPgConnection,
    tenant: otklik_db::TenantScope,
) -> anyhow::Result<i64> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let row: Row = diesel::sql_query(
        "SELECT count(*) AS n FROM messages WHERE tenant_id = $1 AND direction = 'outbound'",
    )
    .bind::<diesel::sql_types::BigInt, _>(tenant.tenant_id())
    .get_result(conn)
    .await?;
    Ok(row.n)
}
