//! The model responder: a language model writes the reply from the facts the turn found,
//! calling the tenant-scoped tools for anything else it needs. Whatever happens, the caller
//! gets either text to check or a reason to fall back to the local responder, and the tokens
//! that were spent either way.

mod prompt;
mod providers;
mod tools;

use otklik_db::messages::Line;
use otklik_db::{DbError, DbPool, TenantScope};
use otklik_llm::{ChatMessage, ChatRequest, LlmError, ProviderKind, Usage};
use otklik_schema::ChannelKind;

pub use providers::Providers;

use super::facts::Facts;
use super::retrieval::Retrieval;
use super::settings::{Policies, Tone};

/// Model calls one turn may make: each tool round is a call, and the last one must answer.
const MAX_CALLS: usize = 4;
/// Replies are 1–3 sentences; this leaves room for a list of return steps.
const MAX_REPLY_TOKENS: u32 = 400;
const TEMPERATURE: f32 = 0.3;

pub struct ModelResponder {
    providers: Providers,
    db: DbPool,
    context_tokens: usize,
}

/// What the turn hands the model.
pub struct Brief<'a> {
    pub scope: TenantScope,
    pub shop: &'a str,
    pub persona: &'a str,
    pub tone: Tone,
    /// The shop's own policy texts, given to the model as data beside the facts.
    pub policies: &'a Policies,
    pub channel_kind: ChannelKind,
    /// The tenant's providers, in its order.
    pub providers: &'a [ProviderKind],
    pub history: &'a [Line],
    pub retrieval: &'a Retrieval,
    /// The shopper's language: the model answers in it.
    pub language: otklik_nlu::Language,
}

/// Tokens one provider billed during the turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    pub provider: ProviderKind,
    pub model: String,
    pub calls: u32,
    pub usage: Usage,
}

#[derive(Debug)]
pub enum Written {
    Reply(String),
    /// The model handed the conversation to people, in its own words.
    Transfer(String),
}

/// Why the model's reply is not used; the local responder answers instead.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("no model answered: {0}")]
    Unavailable(#[from] LlmError),
    #[error("the reply stopped at the token limit")]
    Truncated,
    #[error("no reply after {MAX_CALLS} model calls")]
    TooManyCalls,
    #[error("the model answered with nothing")]
    Empty,
    #[error("a tool could not read the database: {0}")]
    Database(#[from] DbError),
    #[error("no database connection for a tool: {0}")]
    Pool(String),
}

pub struct Outcome {
    pub written: Result<Written, Failure>,
    /// The turn's facts plus everything the tools found: the reply's grounding.
    pub facts: Facts,
    pub spent: Vec<Spend>,
}

impl ModelResponder {
    pub fn new(providers: Providers, db: DbPool, context_tokens: usize) -> Self {
        Self {
            providers,
            db,
            context_tokens,
        }
    }

    pub fn cost(&self, spend: &Spend) -> otklik_config::Cost {
        self.providers.cost(spend.provider, spend.usage)
    }

    /// The shop's instructions for a channel: part of the answer cache's key, since the same
    /// question gets a different answer under other instructions.
    pub fn instructions(&self, brief: &Brief<'_>) -> String {
        prompt::instructions(
            brief.shop,
            brief.persona,
            brief.tone,
            brief.channel_kind,
            brief.language,
        )
    }

    /// Has the model write the reply under `instructions` (from [`Self::instructions`]).
    pub async fn write(&self, brief: &Brief<'_>, instructions: &str, facts: Facts) -> Outcome {
        let mut run = Run {
            facts,
            spent: Vec::new(),
        };
        let written = run.converse(self, brief, instructions).await;
        Outcome {
            written,
            facts: run.facts,
            spent: run.spent,
        }
    }
}

struct Run {
    facts: Facts,
    spent: Vec<Spend>,
}

impl Run {
    async fn converse(
        &mut self,
        responder: &ModelResponder,
        brief: &Brief<'_>,
        instructions: &str,
    ) -> Result<Written, Failure> {
        let chain = responder.providers.chain_for(brief.providers);
        let history_budget = responder
            .context_tokens
            .saturating_sub(prompt::estimate_tokens(instructions));
        let mut request = ChatRequest {
            system: String::new(),
            messages: prompt::conversation(brief.history, history_budget),
            tools: tools::specs(),
            max_tokens: MAX_REPLY_TOKENS,
            temperature: TEMPERATURE,
        };
        for call in 1..=MAX_CALLS {
            // Facts found by tools join the system message, so a provider that takes over
            // mid-turn sees them too.
            let grounding = format!("{}{}", brief.policies.grounding(), self.facts.grounding());
            request.system = prompt::system(instructions, &grounding);
            if call == MAX_CALLS {
                request.tools.clear();
            }
            let completion = chain.complete(&request).await?;
            self.record(&completion);
            if completion.truncated {
                return Err(Failure::Truncated);
            }
            if completion.tool_calls.is_empty() {
                let text = completion.text.unwrap_or_default();
                let text = text.trim();
                return if text.is_empty() {
                    Err(Failure::Empty)
                } else {
                    Ok(Written::Reply(text.to_owned()))
                };
            }
            let mut conn = responder
                .db
                .get()
                .await
                .map_err(|err| Failure::Pool(err.to_string()))?;
            let mut results = Vec::with_capacity(completion.tool_calls.len());
            for tool_call in &completion.tool_calls {
                tracing::debug!(tool = %tool_call.name, "model called a tool");
                match tools::run(
                    &mut conn,
                    brief.retrieval,
                    brief.scope,
                    tool_call,
                    &mut self.facts,
                )
                .await?
                {
                    tools::Outcome::Transfer(reason) => return Ok(Written::Transfer(reason)),
                    tools::Outcome::Result(content) => results.push(ChatMessage::Tool {
                        call_id: tool_call.id.clone(),
                        content,
                    }),
                }
            }
            request.messages.push(ChatMessage::Assistant {
                text: completion.text,
                tool_calls: completion.tool_calls,
            });
            request.messages.extend(results);
        }
        Err(Failure::TooManyCalls)
    }

    fn record(&mut self, completion: &otklik_llm::Completion) {
        let found = self
            .spent
            .iter_mut()
            .find(|s| s.provider == completion.provider && s.model == completion.model);
        match found {
            Some(spend) => {
                spend.calls += 1;
                spend.usage.prompt_tokens += completion.usage.prompt_tokens;
                spend.usage.completion_tokens += completion.usage.completion_tokens;
            }
            None => self.spent.push(Spend {
                provider: completion.provider,
                model: completion.model.clone(),
                calls: 1,
                usage: completion.usage,
            }),
        }
    }
}
