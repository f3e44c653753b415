//! The closed sets the admin API takes and answers that the domain keeps outside
//! `otklik_schema` (whose enums describe themselves), as the OpenAPI document shows them: each
//! a string `enum` listing every allowed value, so clients (and the contract tests) know them
//! without reading prose. Where the domain has the set as an enum with `ALL`, the values come
//! from it, so the document cannot drift from the code.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.into_iter().map(str::to_owned)))
        .into()
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $marker:ident as $name:literal = $values:expr) => {
        $(#[$doc])*
        pub struct $marker;

        impl utoipa::PartialSchema for $marker {
            fn schema() -> RefOr<Schema> {
                string_enum($values)
            }
        }

        impl utoipa::ToSchema for $marker {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

vocabulary!(
    /// An inbox view.
    ViewSchema as "InboxView" = ["waiting", "mine", "bot", "closed", "all"]
);
vocabulary!(
    /// Which way a timeline reads.
    OrderSchema as "TimelineOrder" = ["newest", "oldest"]
);
vocabulary!(
    /// Where a knowledge article stands.
    ArticleStatusSchema as "ArticleStatus" = ["draft", "approved", "archived"]
);
vocabulary!(
    /// A tone of the assistant.
    ToneSchema as "Tone" = ["neutral", "warm", "concise"]
);
vocabulary!(
    /// Who writes replies, in the order tried.
    ResponderSchema as "Responder" = ["local", "openai", "yandexgpt"]
);
vocabulary!(
    /// A queue with dead letters.
    QueueSchema as "Queue" = otklik_jobs::Queue::ALL.iter().map(|queue| queue.as_str())
);

#[cfg(test)]
mod tests {
    use otklik_db::inbox::{Order, View};
    use otklik_db::knowledge_admin::Status;

    /// The hand-written sets parse, each value, as the enums they stand for.
    #[test]
    fn the_listed_values_are_the_enums() {
        for view in ["waiting", "mine", "bot", "closed", "all"] {
            serde_json::from_value::<View>(serde_json::json!(view)).expect(view);
        }
        for order in ["newest", "oldest"] {
            serde_json::from_value::<Order>(serde_json::json!(order)).expect(order);
        }
        for status in ["draft", "approved", "archived"] {
            serde_json::from_value::<Status>(serde_json::json!(status)).expect(status);
        }
    }
}
