//! Who may do what: the one table every admin endpoint checks. Admins run the tenant; operators
//! answer shoppers and read the knowledge they answer from; viewers read.

use otklik_schema::Role;
use serde::Serialize;

/// Something an endpoint does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read conversations, customers, orders.
    ReadConversations,
    /// Reply, take over, return to the bot, notes, close.
    HandleConversations,
    ReadKnowledge,
    EditKnowledge,
    ReadSettings,
    EditSettings,
    ManageUsers,
    ManageChannels,
    ManageBilling,
    /// Make, list and revoke API keys.
    ManageApiKeys,
    ReadAuditLog,
    /// List and replay dead-lettered jobs.
    ManageJobs,
}

impl Permission {
    pub const ALL: [Self; 12] = [
        Self::ReadConversations,
        Self::HandleConversations,
        Self::ReadKnowledge,
        Self::EditKnowledge,
        Self::ReadSettings,
        Self::EditSettings,
        Self::ManageUsers,
        Self::ManageChannels,
        Self::ManageBilling,
        Self::ManageApiKeys,
        Self::ReadAuditLog,
        Self::ManageJobs,
    ];
}

/// The permission table.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Operator => matches!(
            permission,
            ReadConversations | HandleConversations | ReadKnowledge | ReadSettings
        ),
        Role::Viewer => matches!(permission, ReadConversations | ReadKnowledge | ReadSettings),
    }
}

/// Everything `role` may do, for the dashboard to show or hide controls.
pub fn granted(role: Role) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|&permission| allows(role, permission))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_answer_and_viewers_only_read() {
        assert_eq!(granted(Role::Admin).len(), Permission::ALL.len());
        assert!(allows(Role::Operator, Permission::HandleConversations));
        assert!(!allows(Role::Operator, Permission::EditKnowledge));
        assert!(!allows(Role::Operator, Permission::ManageBilling));
        assert!(!allows(Role::Viewer, Permission::HandleConversations));
        assert!(allows(Role::Viewer, Permission::ReadKnowledge));
    }
}
