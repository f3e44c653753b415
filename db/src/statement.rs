//! Raw SQL planned once per connection. diesel prepares and caches its own query builder's
//! statements, but not `sql_query` text, which it cannot know to be fixed: every call of a
//! hot-path statement then paid a round trip to prepare it and a fresh plan. The statements
//! marked here are written as constant text with binds, so their text is a safe cache key.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// A statement whose SQL text never varies between calls: cached as a prepared statement.
#[derive(Debug, Clone)]
pub struct Prepared<Q>(Q);

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // No type to key the cache by: the SQL text is the key.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// Marks a raw statement of constant text for the connection's statement cache.
pub trait PlanOnce: Sized {
    fn prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: QueryFragment<Pg>> PlanOnce for Q {}
