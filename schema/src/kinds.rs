//! The closed sets of the domain, stored as `TEXT` with `CHECK` constraints (readable in SQL,
//! cheap to extend with a migration) and handled as enums in code.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// A stored or supplied value outside the enum's set.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownVariant {
    /// Which set was expected.
    pub kind: &'static str,
    /// What was found.
    pub value: String,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[derive(AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stored form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // The OpenAPI document lists the stored forms, so it cannot drift from the enum.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|value| value.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(UnknownVariant { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                ToSql::<Text, Pg>::to_sql(self.as_str(), &mut out.reborrow())
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Ok(text.parse()?)
            }
        }
    };
}

text_enum! {
    /// Where shoppers reach the shop.
    ChannelKind {
        Telegram = "telegram",
        Whatsapp = "whatsapp",
        Vk = "vk",
        /// The embeddable web-chat widget served by the ingress.
        Webchat = "webchat",
        /// WB buyer chats, read from the account's event stream.
        WbChat = "wb_chat",
        /// WB product questions: public answers on the product page.
        WbQuestions = "wb_questions",
        /// WB product reviews: public answers under the review.
        WbFeedbacks = "wb_feedbacks",
        /// Ozon buyer chats (answering needs the seller's Premium Plus or Pro).
        OzonChat = "ozon_chat",
        /// Ozon product questions: public answers (the seller's Premium Plus or Pro).
        OzonQuestions = "ozon_questions",
        /// Ozon product reviews: public comments («Управление отзывами» or Premium Pro).
        OzonReviews = "ozon_reviews",
        /// A MAX bot (VK's national messenger), connected on business.max.ru.
        Max = "max",
    }
}

impl ChannelKind {
    /// A marketplace's own channel: its rules on contacts and links apply, and answers may be
    /// held as drafts.
    pub fn is_marketplace(self) -> bool {
        self.marketplace().is_some()
    }

    /// Answers everyone sees on the product page, not a private chat.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::WbQuestions | Self::WbFeedbacks | Self::OzonQuestions | Self::OzonReviews
        )
    }

    /// The marketplace whose own channel this is.
    pub fn marketplace(self) -> Option<Marketplace> {
        match self {
            Self::WbChat | Self::WbQuestions | Self::WbFeedbacks => Some(Marketplace::Wb),
            Self::OzonChat | Self::OzonQuestions | Self::OzonReviews => Some(Marketplace::Ozon),
            Self::Telegram | Self::Whatsapp | Self::Vk | Self::Max | Self::Webchat => None,
        }
    }

    /// Each message is a product review, answered under it.
    pub fn is_review(self) -> bool {
        matches!(self, Self::WbFeedbacks | Self::OzonReviews)
    }

    /// Each message is a question on a product page, answered under it.
    pub fn is_product_question(self) -> bool {
        matches!(self, Self::WbQuestions | Self::OzonQuestions)
    }

    /// The longest text the provider takes in one message, in characters, when the channel
    /// says so in its own API (MAX `NewMessageBody.text`: 4000; VK `messages.send`: 9000).
    pub fn message_limit(self) -> Option<usize> {
        match self {
            Self::Max => Some(4000),
            Self::Vk => Some(9000),
            Self::Telegram | Self::Whatsapp => Some(4096),
            _ => None,
        }
    }
}

text_enum! {
    /// The marketplaces a seller's account can be at.
    Marketplace {
        Wb = "wb",
        Ozon = "ozon",
    }
}

impl Marketplace {
    /// The marketplace's name as shoppers say it, in every language.
    pub fn name(self) -> &'static str {
        match self {
            Self::Wb => "Wildberries",
            Self::Ozon => "Ozon",
        }
    }

    /// The shopper channels an account of this marketplace reads, with their names for people.
    pub fn shopper_channels(self) -> &'static [(ChannelKind, &'static str)] {
        match self {
            Self::Wb => &[
                (ChannelKind::WbQuestions, "Вопросы WB"),
                (ChannelKind::WbFeedbacks, "Отзывы WB"),
                (ChannelKind::WbChat, "Чат WB"),
            ],
            Self::Ozon => &[
                (ChannelKind::OzonChat, "Чат Ozon"),
                (ChannelKind::OzonQuestions, "Вопросы Ozon"),
                (ChannelKind::OzonReviews, "Отзывы Ozon"),
            ],
        }
    }
}

text_enum! {
    /// How much of an account a sync reads: what changed since the last one, or everything.
    SyncKind {
        Incremental = "incremental",
        Full = "full",
    }
}

text_enum! {
    /// Who is answering a conversation.
    ConversationMode {
        /// The assistant answers.
        Bot = "bot",
        /// Handed off; no operator has taken it yet.
        WaitingOperator = "waiting_operator",
        /// An operator answers; the assistant stays silent.
        Operator = "operator",
        Closed = "closed",
    }
}

text_enum! {
    /// Why a conversation went to people: written by the assistant, billing and deliveries,
    /// counted by analytics and labelled by the dashboard (`strings.*.js`, `reason.*`).
    HandoffReason {
        /// Shopper intents people handle, or that the shop's rules send to them.
        HumanRequest = "human_request",
        Complaint = "complaint",
        PaymentIssue = "payment_issue",
        DefectOrWrongItem = "defect_or_wrong_item",
        RefundStatus = "refund_status",
        OrderStatus = "order_status",
        OrderCancel = "order_cancel",
        ReturnRequest = "return_request",
        ExchangeRequest = "exchange_request",
        ProductQuestion = "product_question",
        ProductAvailability = "product_availability",
        SizeAdvice = "size_advice",
        DiscountPromo = "discount_promo",
        Greeting = "greeting",
        ThanksBye = "thanks_bye",
        Other = "other",
        /// The assistant did not understand twice.
        NotUnderstood = "not_understood",
        NegativeSentiment = "negative_sentiment",
        RefundOverdue = "refund_overdue",
        /// Nothing in the knowledge base answers; a guessed policy is worse than waiting.
        NoKnowledge = "no_knowledge",
        /// The product card has nothing on what was asked.
        NotInCard = "not_in_card",
        Flood = "flood",
        /// The model responder decided people should answer.
        ModelTransfer = "model_transfer",
        /// The shop's settings send this intent to people.
        TenantIntent = "tenant_intent",
        /// A word of the shop's handoff rules («юрист», «суд»).
        TenantKeyword = "tenant_keyword",
        /// The assistant replied as many times in a row as the shop allows.
        BotReplyLimit = "bot_reply_limit",
        /// The shop chose operators only.
        OperatorOnly = "operator_only",
        TrialReplyCap = "trial_reply_cap",
        ReplyCap = "reply_cap",
        BillingSuspended = "billing_suspended",
        /// A reply could not be delivered, so a person must reach the shopper.
        DeliveryFailed = "delivery_failed",
    }
}

text_enum! {
    /// Which way a message travels.
    Direction {
        Inbound = "inbound",
        Outbound = "outbound",
    }
}

text_enum! {
    /// Who wrote a message.
    Author {
        Shopper = "shopper",
        Bot = "bot",
        Operator = "operator",
        System = "system",
    }
}

text_enum! {
    /// The life of an outbound message: `pending → sending → sent | failed | undeliverable`.
    DeliveryStatus {
        /// Written but held for an operator to approve (marketplace answers, by tenant setting).
        Draft = "draft",
        Pending = "pending",
        /// Handed to the provider; if the worker dies here, whether it arrived is unknown.
        Sending = "sending",
        Sent = "sent",
        /// Gave up after retries, or the outcome of an interrupted send is unknown.
        Failed = "failed",
        /// The provider says it can never be delivered (the shopper blocked the bot).
        Undeliverable = "undeliverable",
        /// A draft or queued answer taken back before it went out: the seller already answered
        /// at the marketplace (the reason is in `delivery_error`, its code in `meta.withdrawn`).
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// How a person (or the shopper) changed a conversation's handling: the audit log's action
    /// and the live event's.
    ConversationAction {
        TakeOver = "conversation.take_over",
        Assign = "conversation.assign",
        ReturnToBot = "conversation.return_to_bot",
        Close = "conversation.close",
        /// The shopper removed the dialog at the messenger.
        ClosedByShopper = "conversation.closed_by_shopper",
    }
}

text_enum! {
    /// What a person posted into a conversation: the audit log's action and the live event's.
    MessageAction {
        Reply = "conversation.reply",
        Note = "conversation.note",
        ApproveDraft = "conversation.approve_draft",
    }
}

text_enum! {
    /// Who resolved a conversation: what a shopper's rating is credited to.
    Resolver {
        Bot = "bot",
        Operator = "operator",
    }
}

text_enum! {
    /// Why an answer of ours was withdrawn before it went out.
    WithdrawReason {
        /// The seller answered in the marketplace's own cabinet.
        AnsweredAtMarketplace = "answered_at_marketplace",
        /// The seller closed it there without an answer (a WB question rejected, an Ozon
        /// question or review marked processed).
        ClosedAtMarketplace = "closed_at_marketplace",
        /// The marketplace no longer has it (the shopper or the marketplace deleted it).
        GoneFromMarketplace = "gone_from_marketplace",
    }
}

impl WithdrawReason {
    /// What operators read, in the dashboard's conversation list and view.
    pub fn text(self, marketplace: Marketplace) -> String {
        let name = marketplace.name();
        match self {
            Self::AnsweredAtMarketplace => format!("Продавец уже ответил на {name}"),
            Self::ClosedAtMarketplace => format!("Продавец уже закрыл это на {name} без ответа"),
            Self::GoneFromMarketplace => format!("Этого больше нет на {name}"),
        }
    }
}

text_enum! {
    /// The language a person reads the dashboard in; Russian until they choose.
    #[derive(Default)]
    Locale {
        #[default]
        Ru = "ru",
        En = "en",
    }
}

text_enum! {
    /// What a merchant's staff member may do.
    Role {
        Admin = "admin",
        Operator = "operator",
        Viewer = "viewer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for kind in ChannelKind::ALL {
            assert_eq!(kind.as_str().parse::<ChannelKind>().ok(), Some(*kind));
        }
        for mode in ConversationMode::ALL {
            assert_eq!(mode.as_str().parse::<ConversationMode>().ok(), Some(*mode));
        }
    }

    #[test]
    fn marketplace_channels_know_their_marketplace() {
        for (marketplace, kinds) in
            [Marketplace::Wb, Marketplace::Ozon].map(|m| (m, m.shopper_channels()))
        {
            for (kind, _) in kinds {
                assert_eq!(kind.marketplace(), Some(marketplace));
                assert!(kind.is_marketplace());
            }
        }
        assert!(ChannelKind::OzonReviews.is_public() && !ChannelKind::OzonChat.is_public());
        assert_eq!(ChannelKind::Telegram.marketplace(), None);
        assert_eq!(
            WithdrawReason::AnsweredAtMarketplace.text(Marketplace::Wb),
            "Продавец уже ответил на Wildberries"
        );
    }

    #[test]
    fn unknown_values_are_named_in_the_error() {
        let err = "fax".parse::<ChannelKind>().err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("unknown ChannelKind `fax`"));
    }
}

text_enum! {
    /// Where a marketplace account stands with its connection.
    Connection {
        /// Stored; a worker is checking its credentials.
        Checking = "checking",
        /// Checked and syncing.
        Connected = "connected",
        /// The check found problems the seller must fix; nothing syncs.
        Rejected = "rejected",
        /// Switched off by the seller; synced data stays.
        Disconnected = "disconnected",
    }
}

text_enum! {
    /// How a marketplace account's syncs are going.
    SyncHealth {
        Idle = "idle",
        /// A worker holds the account's sync lease.
        Running = "running",
        /// The last run failed; `last_error` says why.
        Failing = "failing",
    }
}

text_enum! {
    /// Where a tenant stands with billing: what the assistant may do for it.
    AccountState {
        /// The free trial: AI replies up to the trial's cap.
        Trialing = "trialing",
        Active = "active",
        /// A payment failed; the assistant keeps answering through the grace period.
        PastDue = "past_due",
        /// Unpaid past the grace period or cancelled: no AI replies, shopper messages still
        /// arrive and nothing is deleted.
        Suspended = "suspended",
    }
}

text_enum! {
    /// What a tenant pays in, chosen at sign-up; it also chooses the payment provider:
    /// roubles through ЮKassa (Russian legal entities, Mir cards), dollars through Stripe.
    BillingCurrency {
        Usd = "USD",
        Rub = "RUB",
    }
}

text_enum! {
    /// Why a payment was made: the first one sends the merchant to the provider's page and
    /// saves the card; renewals are autopayments with the saved card.
    PaymentPurpose {
        First = "first",
        Renewal = "renewal",
    }
}

text_enum! {
    /// A payment's status as last read from the provider. `new`: recorded, not yet sent.
    PaymentStatus {
        New = "new",
        Pending = "pending",
        Succeeded = "succeeded",
        Canceled = "canceled",
    }
}

text_enum! {
    /// What a shop's person may be alerted about by e-mail; each person switches kinds off.
    AlertKind {
        /// A shopper has waited for a person longer than the shop allows.
        WaitingConversation = "waiting_conversation",
        /// A marketplace account's syncs have failed for an hour.
        SyncFailing = "sync_failing",
        /// A WB question is within a day of its answer deadline.
        WbQuestionDeadline = "wb_question_deadline",
        /// The shop's trial ends within three days, or a payment failed (admins only).
        Billing = "billing",
    }
}
