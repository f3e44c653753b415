//! The fixed intent labels (`../shared/spec/intents.md`). Shared with the build script, so it
//! depends on nothing.

/// What a shopper wants from one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Intent {
    Greeting,
    ThanksBye,
    OrderStatus,
    OrderCancel,
    ReturnRequest,
    ExchangeRequest,
    RefundStatus,
    DefectOrWrongItem,
    ProductQuestion,
    ProductAvailability,
    SizeAdvice,
    PaymentIssue,
    DiscountPromo,
    HumanRequest,
    Complaint,
    Other,
}

impl Intent {
    /// Every label, in the order the model's weights are stored.
    pub const ALL: [Intent; 16] = [
        Intent::Greeting,
        Intent::ThanksBye,
        Intent::OrderStatus,
        Intent::OrderCancel,
        Intent::ReturnRequest,
        Intent::ExchangeRequest,
        Intent::RefundStatus,
        Intent::DefectOrWrongItem,
        Intent::ProductQuestion,
        Intent::ProductAvailability,
        Intent::SizeAdvice,
        Intent::PaymentIssue,
        Intent::DiscountPromo,
        Intent::HumanRequest,
        Intent::Complaint,
        Intent::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Intent::Greeting => "greeting",
            Intent::ThanksBye => "thanks_bye",
            Intent::OrderStatus => "order_status",
            Intent::OrderCancel => "order_cancel",
            Intent::ReturnRequest => "return_request",
            Intent::ExchangeRequest => "exchange_request",
            Intent::RefundStatus => "refund_status",
            Intent::DefectOrWrongItem => "defect_or_wrong_item",
            Intent::ProductQuestion => "product_question",
            Intent::ProductAvailability => "product_availability",
            Intent::SizeAdvice => "size_advice",
            Intent::PaymentIssue => "payment_issue",
            Intent::DiscountPromo => "discount_promo",
            Intent::HumanRequest => "human_request",
            Intent::Complaint => "complaint",
            Intent::Other => "other",
        }
    }

    pub fn parse(label: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.as_str() == label)
    }

    pub const fn index(self) -> usize {
        self as usize
    }

    /// Intents that always go to a person: money, damaged goods, anger, or an explicit ask.
    pub const fn needs_person(self) -> bool {
        matches!(
            self,
            Intent::DefectOrWrongItem
                | Intent::PaymentIssue
                | Intent::HumanRequest
                | Intent::Complaint
        )
    }
}

impl std::fmt::Display for Intent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
