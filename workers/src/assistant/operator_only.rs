//! Operator-only mode: acknowledge politely, say a person will answer, hand off. Also what a
//! suspended tenant gets: a silent handoff, no bot reply at all.

use futures::future::BoxFuture;

use super::{Assistant, AssistantError, Decision, Handoff, TurnInput};

/// Varied so that a shopper writing to several shops does not meet one template everywhere.
const ACKNOWLEDGEMENTS: [&str; 3] = [
    "Здравствуйте! Передаю ваш вопрос сотруднику магазина — он ответит здесь же в рабочее время.",
    "Здравствуйте, спасибо за сообщение. Подключаю сотрудника: ответ придёт в этот чат в рабочее время.",
    "Добрый день! Ваш вопрос уже у сотрудника магазина, он ответит в этом чате в рабочее время.",
];

/// `reason` goes to operators with the handoff: the tenant's choice, or a billing cap reached.
pub struct OperatorOnly {
    pub reason: &'static str,
}

impl OperatorOnly {
    pub const CHOSEN: Self = Self {
        reason: "operator_only",
    };
    pub const TRIAL_CAP: Self = Self {
        reason: "trial_reply_cap",
    };
    pub const REPLY_CAP: Self = Self {
        reason: "reply_cap",
    };
}

impl Assistant for OperatorOnly {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        let index = input
            .conversation
            .id
            .0
            .rem_euclid(ACKNOWLEDGEMENTS.len() as i64) as usize;
        Box::pin(async move {
            Ok(Decision {
                reply: Some(ACKNOWLEDGEMENTS[index].to_owned()),
                handoff: Some(Handoff {
                    reason: self.reason.to_owned(),
                    summary: String::new(),
                }),
                meta: serde_json::json!({ "responder": "operator_only" }),
                state: None,
                usage: Vec::new(),
            })
        })
    }
}

/// A suspended tenant: the shopper's messages wait for people, nobody answers automatically.
pub struct Suspended;

impl Assistant for Suspended {
    fn decide<'a>(
        &'a self,
        _input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        Box::pin(async move {
            Ok(Decision {
                reply: None,
                handoff: Some(Handoff {
                    reason: "billing_suspended".to_owned(),
                    summary: String::new(),
                }),
                meta: serde_json::json!({ "responder": "suspended" }),
                state: None,
                usage: Vec::new(),
            })
        })
    }
}
