//! Names and the generated seller's side of the history: how it answered questions, reviews
//! and chats before the sandbox started. What shoppers write comes from [`crate::voices`].

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::voices::Asks;

/// A shopper's first name.
pub(crate) fn name(rng: &mut StdRng) -> &'static str {
    NAMES.choose(rng).copied().unwrap_or("Покупатель")
}

/// A review's stars, as often as shoppers give them.
pub(crate) fn stars(rng: &mut StdRng) -> u8 {
    match rng.random_range(0..100) {
        0..55 => 5,
        55..75 => 4,
        75..85 => 3,
        85..92 => 2,
        _ => 1,
    }
}

/// Shoppers' first names (WB shows them as `userName` / `clientName`).
pub(super) const NAMES: &[&str] = &[
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Ирина",
    "Светлана",
    "Татьяна",
    "Юлия",
    "Екатерина",
    "Алёна",
    "Ксения",
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Иван",
    "Михаил",
    "Николай",
    "Павел",
];

/// The seller's legal name in WB's `productDetails.supplierName`.
pub(crate) const SUPPLIER_NAME: &str = "ИП Смирнова Анна Сергеевна";

/// How the generated seller answered a question or chat opener about `asks` (the history
/// the sandbox starts with; what shoppers write is in [`crate::voices`]).
pub(super) fn seller_answer(asks: Asks) -> &'static str {
    match asks {
        Asks::Material => {
            "Здравствуйте! Состав указан в характеристиках карточки, там же материал подкладки."
        }
        Asks::Care => {
            "Здравствуйте! Рекомендации по уходу есть на ярлыке изделия: деликатный режим, 30 градусов."
        }
        Asks::Country => "Здравствуйте! Страна производства указана в характеристиках товара.",
        Asks::ColourPhoto => {
            "Здравствуйте! Цвет соответствует фото, возможны небольшие отличия из-за настроек экрана."
        }
        Asks::GiftPackaging => {
            "Здравствуйте! Товар приходит в фирменной упаковке, подарить не стыдно."
        }
        Asks::SizeFit | Asks::SizeChoice => {
            "Здравствуйте! Ориентируйтесь на таблицу размеров в карточке, мы шьём по стандартной сетке."
        }
        Asks::Stock | Asks::Restock => {
            "Здравствуйте! Добавьте товар в избранное: как только появится, вы получите уведомление."
        }
        Asks::DeliveryTime => {
            "Здравствуйте! Срок доставки в ваш город маркетплейс показывает при оформлении заказа."
        }
        Asks::Warranty => {
            "Здравствуйте! Гарантия 30 дней с момента получения, по браку оформим возврат."
        }
        Asks::Compatibility | Asks::Dimensions => {
            "Здравствуйте! Все размеры указаны в характеристиках, сверьтесь с ними, пожалуйста."
        }
        Asks::OrderStatus => {
            "Здравствуйте! Заказ уже собран и передан в доставку, ожидайте уведомления о поступлении в пункт выдачи."
        }
        Asks::Return => {
            "Здравствуйте! Оформите, пожалуйста, возврат в личном кабинете в разделе «Покупки»."
        }
        Asks::Exchange => {
            "Здравствуйте! Прямого обмена нет: оформите возврат, а нужный размер закажите отдельно."
        }
        Asks::Cancel => {
            "Здравствуйте! Если заказ ещё не передан в доставку, отменить его можно в приложении."
        }
        Asks::Incomplete => {
            "Здравствуйте! Приносим извинения, проверим комплектацию и вернёмся с ответом сегодня."
        }
    }
}

/// The seller's answers to reviews: for unhappy and for happy shoppers.
pub(super) const FEEDBACK_ANSWERS: [&str; 2] = [
    "Благодарим за обратную связь! Нам очень жаль, что товар не оправдал ожиданий — напишите нам в чат, поможем с обменом.",
    "Спасибо за отзыв! Рады, что покупка понравилась, ждём вас снова.",
];

/// What a shopper adds after the seller's reply.
pub(super) const THANKS: &[&str] = &["Спасибо!", "Спасибо большое, поняла.", "Хорошо, жду."];

/// Messages of Ozon's support chat with the seller.
pub(super) const SUPPORT_MESSAGES: &[&str] = &[
    "Здравствуйте! Это чат с поддержкой Ozon. Здесь появятся ответы на ваши обращения.",
    "Ваше обращение по поставке зарегистрировано, специалист ответит в течение 24 часов.",
];
