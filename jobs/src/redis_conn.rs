use std::time::Duration;

use redis::RedisError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Connects with timeouts that survive a busy Redis: the library defaults (500 ms per response)
/// turn any stall into a fatal worker error.
pub async fn connect(url: &str) -> Result<ConnectionManager, RedisError> {
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_connection_timeout(Some(Duration::from_secs(3)))
        .set_number_of_retries(3);
    redis::Client::open(url)?
        .get_connection_manager_with_config(config)
        .await
}
