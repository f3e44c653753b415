//! Checks when a seller connects an account: are the credentials usable for what we do, and if
//! not, exactly what to change, in Russian, in the seller's own terms.

use chrono::{DateTime, Utc};
use otklik_schema::ChannelKind;

use super::MarketplaceError;
use super::ozon::OzonClient;
use super::wb::token::{Category, Kind, WbToken};

/// What the seller must fix (`problems`) and should know (`notes`). Empty problems: connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// When the token or key stops working, if the marketplace says.
    pub expires_at: Option<DateTime<Utc>>,
    /// Shopper channels the account cannot serve (a subscription or role is missing, as the
    /// notes say): they stay off while the rest connect.
    pub unavailable: Vec<ChannelKind>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The categories our syncs and shopper channels use, and what each is for.
const WB_NEEDS: [(Category, &str); 6] = [
    (
        Category::Marketplace,
        "без неё не видны сборочные задания FBS и их статусы",
    ),
    (
        Category::Statistics,
        "без неё не видны заказы со складов WB",
    ),
    (Category::Content, "без неё не видны карточки товаров"),
    (
        Category::Feedbacks,
        "без неё ассистент не сможет отвечать на вопросы и отзывы",
    ),
    (
        Category::BuyersChat,
        "без неё ассистент не сможет отвечать в чате с покупателями",
    ),
    (
        Category::Returns,
        "без неё не видны заявки покупателей на возврат",
    ),
];

/// Warn this long before a token or key expires.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// Checks a WB token from its own payload, without a network call.
pub fn check_wb(token: &str, now: DateTime<Utc>) -> Report {
    let mut report = Report::default();
    let token = match WbToken::decode(token) {
        Ok(token) => token,
        Err(_) => {
            report.problems.push(
                "Это не похоже на токен WB API. Скопируйте токен целиком: кабинет продавца → Настройки → Доступ к API."
                    .into(),
            );
            return report;
        }
    };
    match token.kind {
        Kind::Test => report.problems.push(
            "Это тестовый токен: он работает только в песочнице WB. Создайте обычный токен в разделе «Доступ к API».".into(),
        ),
        Kind::Personal => report.problems.push(
            "Это персональный токен: правила WB запрещают передавать его облачным сервисам. Создайте базовый токен.".into(),
        ),
        Kind::Base => report.notes.push(
            "У базового токена без секрета сервиса WB сильно урезает лимиты: синхронизация будет медленнее.".into(),
        ),
        Kind::Service | Kind::Unknown(_) => {}
    }
    if token.read_only {
        report.problems.push(
            "Токен создан «только на чтение»: с ним ассистент не сможет отвечать покупателям. Создайте токен без этой отметки."
                .into(),
        );
    }
    for (category, why) in WB_NEEDS {
        if !token.has(category) {
            report.problems.push(format!(
                "В токене нет категории «{}»: {why}.",
                category.name_ru()
            ));
        }
    }
    expiry(&mut report, token.expires_at, now, "Токен");
    report
}

/// The Ozon methods our syncs call.
const OZON_NEEDS: [&str; 6] = [
    "/v4/posting/fbs/list",
    "/v3/posting/fbo/list",
    "/v3/product/list",
    "/v3/product/info/list",
    "/v4/product/info/stocks",
    "/v1/returns/list",
];

/// Checks an Ozon key by asking Ozon what it may do.
pub async fn check_ozon(
    client: &OzonClient,
    now: DateTime<Utc>,
) -> Result<Report, MarketplaceError> {
    let mut report = Report::default();
    let roles = match client.roles().await {
        Ok(roles) => roles,
        Err(MarketplaceError::Unauthorized { .. }) => {
            report.problems.push(
                "Ozon не принял ключ: проверьте Client-Id и API-ключ (кабинет продавца → Настройки → Seller API).".into(),
            );
            return Ok(report);
        }
        Err(other) => return Err(other),
    };
    let missing: Vec<&str> = OZON_NEEDS
        .into_iter()
        .filter(|m| !roles.allows(m))
        .collect();
    if !missing.is_empty() {
        report.problems.push(format!(
            "Ключу не хватает прав на методы {}: выдайте ключу роль с доступом к заказам и товарам (например, «Admin»).",
            missing.join(", ")
        ));
    }
    expiry(&mut report, roles.expires_at, now, "Ключ");
    report.notes.push(
        "Отвечать покупателям в чатах Ozon можно только с подпиской Premium Plus или Premium Pro."
            .into(),
    );
    for public in OZON_PUBLIC {
        if let Some(note) = check_ozon_public(client, &roles, &public).await? {
            report.notes.push(note);
            report.unavailable.push(public.kind);
        }
    }
    Ok(report)
}

/// An Ozon channel that needs a subscription: what it is called for the seller, the methods
/// it uses, and the subscription.
struct OzonPublic {
    kind: ChannelKind,
    what: &'static str,
    methods: [&'static str; 3],
    subscription: &'static str,
}

const OZON_PUBLIC: [OzonPublic; 2] = [
    OzonPublic {
        kind: ChannelKind::OzonQuestions,
        what: "Вопросы покупателей Ozon",
        methods: [
            "/v1/question/list",
            "/v1/question/info",
            "/v1/question/answer/create",
        ],
        subscription: "подпиской Premium Plus или Premium Pro",
    },
    OzonPublic {
        kind: ChannelKind::OzonReviews,
        what: "Отзывы Ozon",
        methods: [
            "/v2/review/list",
            "/v2/review/info",
            "/v1/review/comment/create",
        ],
        subscription: "подпиской «Управление отзывами» или Premium Pro",
    },
];

/// Whether the seller's key and subscription open the channel; a note for the seller when not.
async fn check_ozon_public(
    client: &OzonClient,
    roles: &super::ozon::Roles,
    public: &OzonPublic,
) -> Result<Option<String>, MarketplaceError> {
    let what = public.what;
    if !public.methods.iter().all(|m| roles.allows(m)) {
        return Ok(Some(format!(
            "{what} не подключены: ключу не хватает прав на них. Выдайте ключу роль с доступом к вопросам и отзывам (например, «Admin») и проверьте аккаунт ещё раз."
        )));
    }
    let probe = match public.kind {
        ChannelKind::OzonQuestions => client
            .questions(super::ozon::UNPROCESSED_QUESTIONS, "")
            .await
            .map(drop),
        _ => client
            .reviews(super::ozon::UNPROCESSED_REVIEWS[0], "")
            .await
            .map(drop),
    };
    match probe {
        Ok(()) => Ok(None),
        Err(err) if err.missing_subscription() => Ok(Some(format!(
            "{what} не подключены: Ozon открывает их через API только продавцам с {}. Подключите подписку и проверьте аккаунт ещё раз.",
            public.subscription
        ))),
        Err(err) => Err(err),
    }
}

fn expiry(report: &mut Report, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>, what: &str) {
    let Some(expires_at) = expires_at else {
        return;
    };
    report.expires_at = Some(expires_at);
    let date = expires_at.format("%d.%m.%Y");
    if expires_at <= now {
        report
            .problems
            .push(format!("{what} истёк {date}: создайте новый."));
    } else if expires_at - now < chrono::Duration::days(EXPIRY_WARNING_DAYS) {
        report.notes.push(format!(
            "{what} истекает {date}: заранее создайте новый, чтобы синхронизация не остановилась."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplaces::wb::token::encode_for_tests;

    fn bits(categories: &[u32]) -> u64 {
        categories.iter().map(|c| 1u64 << c).sum()
    }

    #[test]
    fn a_full_service_token_passes() {
        let now = Utc::now();
        let token = encode_for_tests(&serde_json::json!({
            "acc": 4, "s": bits(&[1, 4, 5, 7, 9, 11]), "exp": (now + chrono::Duration::days(100)).timestamp()
        }));
        let report = check_wb(&token, now);
        assert!(
            report.problems.is_empty() && report.notes.is_empty(),
            "{report:?}"
        );
        assert!(report.expires_at.is_some());
    }

    #[test]
    fn a_read_only_token_without_chats_says_exactly_what_to_change() {
        let now = Utc::now();
        let token = encode_for_tests(&serde_json::json!({
            "acc": 4, "s": bits(&[1, 4, 5, 7, 11, 30]), "exp": (now + chrono::Duration::days(5)).timestamp()
        }));
        let report = check_wb(&token, now);
        assert_eq!(report.problems.len(), 2, "{report:?}");
        assert!(report.problems[0].contains("только на чтение"));
        assert!(report.problems[1].contains("«Чат с покупателями»"));
        assert!(report.notes[0].starts_with("Токен истекает"));
    }

    #[test]
    fn test_and_expired_tokens_are_refused() {
        let now = Utc::now();
        let token = encode_for_tests(&serde_json::json!({
            "acc": 2, "t": true, "s": bits(&[1, 4, 5, 7, 9, 11]), "exp": (now - chrono::Duration::days(1)).timestamp()
        }));
        let report = check_wb(&token, now);
        assert!(report.problems[0].contains("тестовый токен"));
        assert!(
            report
                .problems
                .last()
                .is_some_and(|p| p.starts_with("Токен истёк"))
        );
        assert!(!check_wb("not a token", now).ok());
    }
}
