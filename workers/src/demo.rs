//! The demo tenant: what `scripts/demo` seeds so a person can try the product at once.

use otklik_db::{AsyncPgConnection, DbError, channels, tenants};
use otklik_schema::{ChannelId, ChannelKind};

pub const DEMO_SLUG: &str = "demo";

/// Creates the demo tenant (in operator-only mode, until the answering assistant exists) and
/// its web-chat channel unless they exist; returns the channel.
pub async fn seed(conn: &mut AsyncPgConnection) -> Result<ChannelId, DbError> {
    let scope = match tenants::find_by_slug(conn, DEMO_SLUG).await? {
        Some(scope) => scope,
        None => {
            let scope = tenants::create(conn, "Демо-магазин", DEMO_SLUG).await?;
            tenants::set_operator_only(conn, scope, true).await?;
            scope
        }
    };
    if let Some(channel) = channels::list_by_kind(conn, scope, ChannelKind::Webchat)
        .await?
        .first()
    {
        return Ok(channel.id);
    }
    let channel = channels::create(
        conn,
        scope,
        ChannelKind::Webchat,
        "Чат на сайте",
        serde_json::json!({}),
    )
    .await?;
    Ok(channel.id)
}
