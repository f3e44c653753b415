use diesel_async::pooled_connection::deadpool::{BuildError, PoolError};

/// What can go wrong talking to PostgreSQL.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection within the wait timeout, or PostgreSQL refused a new one.
    #[error("no PostgreSQL connection available: {0}")]
    Unavailable(#[from] PoolError),
    #[error("invalid database pool settings: {0}")]
    Build(#[from] BuildError),
    #[error("could not connect to PostgreSQL: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
}
