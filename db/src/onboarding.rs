//! How far a new shop has got with setting itself up, for the dashboard's first-run checklist.
//! Each step is read from the rows it creates, so the checklist never ticks what is not there;
//! each looks for one row under the tenant's index (people are counted: a handful), so the cost
//! does not grow with the shop.

use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{
    channels, conversations, invitations, knowledge_articles, marketplace_accounts, users,
};
use otklik_schema::{ChannelKind, Connection};

use crate::knowledge_admin::Status;
use crate::{DbError, TenantScope};

/// Channels shoppers write to the shop through, besides the marketplaces' own.
const MESSENGERS: [ChannelKind; 5] = [
    ChannelKind::Telegram,
    ChannelKind::Max,
    ChannelKind::Vk,
    ChannelKind::Whatsapp,
    ChannelKind::Webchat,
];

/// Which first-run steps are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// A Wildberries or Ozon seller account is connected (its credentials passed the check).
    pub marketplace_account: bool,
    /// A messenger or web-chat channel is switched on.
    pub channel: bool,
    /// The knowledge base holds an article that is not archived.
    pub knowledge_article: bool,
    /// Someone besides the first admin works in the shop, or has an open invitation.
    pub colleague: bool,
    /// A conversation exists on one of the shop's web chats: somebody wrote in it.
    pub webchat_tried: bool,
}

pub async fn progress(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Progress, DbError> {
    let tenant = scope.tenant_id();
    let marketplace_account = diesel::select(exists(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(tenant))
            .filter(marketplace_accounts::status.eq(Connection::Connected)),
    ))
    .get_result(conn)
    .await?;
    let channel = diesel::select(exists(
        channels::table
            .filter(channels::tenant_id.eq(tenant))
            // Held off until the owner confirms their address, a channel is set up all the same.
            .filter(channels::enabled.or(channels::awaiting_verification))
            .filter(channels::kind.eq_any(MESSENGERS)),
    ))
    .get_result(conn)
    .await?;
    let knowledge_article = diesel::select(exists(
        knowledge_articles::table
            .filter(knowledge_articles::tenant_id.eq(tenant))
            .filter(knowledge_articles::status.ne(Status::Archived.as_str())),
    ))
    .get_result(conn)
    .await?;
    let people: i64 = users::table
        .filter(users::tenant_id.eq(tenant))
        .filter(users::disabled_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    let invited = diesel::select(exists(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant))
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::expires_at.gt(diesel::dsl::now)),
    ))
    .get_result::<bool>(conn)
    .await?;
    let colleague = people > 1 || invited;
    let webchats = channels::table
        .filter(channels::tenant_id.eq(tenant))
        .filter(channels::kind.eq(ChannelKind::Webchat))
        .select(channels::id);
    let webchat_tried = diesel::select(exists(
        conversations::table
            .filter(conversations::tenant_id.eq(tenant))
            .filter(conversations::channel_id.eq_any(webchats)),
    ))
    .get_result(conn)
    .await?;
    Ok(Progress {
        marketplace_account,
        channel,
        knowledge_article,
        colleague,
        webchat_tried,
    })
}
