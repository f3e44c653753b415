//! Provider rate limits shared by every worker process: GCRA in Redis (one key per limited
//! entity holding its theoretical arrival time), using Redis's clock so worker clocks do not
//! matter. Checks the chat, the bot and the bot's "frozen until" (set from a 429's
//! `retry_after`) in one atomic script, and consumes a cell only when all allow.

use std::time::Duration;

use otklik_config::Config;
use otklik_schema::ChannelId;
use redis::Script;
use redis::aio::ConnectionManager;

const GCRA: &str = r"
-- KEYS: chat limiter, bot limiter, bot frozen-until
-- ARGV: chat interval ms, bot interval ms, bot burst
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local frozen = redis.call('PTTL', KEYS[3])
if frozen > 0 then return frozen end
local function wait_for(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if allow_at > now then return allow_at - now, new_tat end
  return 0, new_tat
end
local chat_wait, chat_tat = wait_for(KEYS[1], tonumber(ARGV[1]), 1)
local bot_wait, bot_tat = wait_for(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
if chat_wait > 0 or bot_wait > 0 then return math.max(chat_wait, bot_wait) end
redis.call('SET', KEYS[1], chat_tat, 'PX', chat_tat - now + 1)
redis.call('SET', KEYS[2], bot_tat, 'PX', bot_tat - now + 1)
return 0
";

pub struct Limiter {
    redis: ConnectionManager,
    script: Script,
    namespace: String,
    chat_interval_ms: u64,
    bot_interval_ms: u64,
    bot_burst: u32,
}

impl Limiter {
    pub fn new(redis: ConnectionManager, config: &Config) -> Self {
        Self {
            redis,
            script: Script::new(GCRA),
            namespace: config.redis_namespace.clone(),
            chat_interval_ms: 1000 / u64::from(config.telegram_per_chat_per_sec),
            bot_interval_ms: 1000 / u64::from(config.telegram_per_bot_per_sec),
            bot_burst: config.telegram_per_bot_per_sec,
        }
    }

    fn key(&self, channel: ChannelId, what: &str) -> String {
        format!("{}:limits:telegram:{channel}:{what}", self.namespace)
    }

    /// Takes a send slot for this bot and chat, or says how long to wait for one.
    pub async fn telegram(
        &self,
        channel: ChannelId,
        chat_id: &str,
    ) -> Result<Option<Duration>, redis::RedisError> {
        let wait_ms: u64 = self
            .script
            .key(self.key(channel, &format!("chat:{chat_id}")))
            .key(self.key(channel, "bot"))
            .key(self.key(channel, "frozen"))
            .arg(self.chat_interval_ms)
            .arg(self.bot_interval_ms.max(1))
            .arg(self.bot_burst)
            .invoke_async(&mut self.redis.clone())
            .await?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }

    /// Stops every send through this bot for `wait`, as Telegram's 429 asks.
    pub async fn freeze_telegram(
        &self,
        channel: ChannelId,
        wait: Duration,
    ) -> Result<(), redis::RedisError> {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(self.key(channel, "frozen"))
            .arg(1)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut self.redis.clone())
            .await
    }
}
