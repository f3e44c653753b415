//! Operator-only mode: acknowledge politely, say a person will answer, hand off.

use futures::future::BoxFuture;

use super::{Assistant, AssistantError, Decision, Handoff, TurnInput};

/// Varied so that a shopper writing to several shops does not meet one template everywhere.
const ACKNOWLEDGEMENTS: [&str; 3] = [
    "Здравствуйте! Передаю ваш вопрос сотруднику магазина — он ответит здесь же в рабочее время.",
    "Здравствуйте, спасибо за сообщение. Подключаю сотрудника: ответ придёт в этот чат в рабочее время.",
    "Добрый день! Ваш вопрос уже у сотрудника магазина, он ответит в этом чате в рабочее время.",
];

pub struct OperatorOnly;

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
                    reason: "operator_only".to_owned(),
                    summary: String::new(),
                }),
                meta: serde_json::json!({ "responder": "operator_only" }),
                state: None,
                usage: Vec::new(),
            })
        })
    }
}
