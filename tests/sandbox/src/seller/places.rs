//! Where goods are stored and where shoppers live: the names marketplaces put into order
//! rows (regions, warehouses, pickup cities).

/// A shopper's city with the region names WB statistics and Ozon analytics use.
pub(crate) struct City {
    pub(crate) name: &'static str,
    pub(crate) okrug: &'static str,
    pub(crate) region: &'static str,
}

const fn city(name: &'static str, okrug: &'static str, region: &'static str) -> City {
    City {
        name,
        okrug,
        region,
    }
}

const CENTRAL: &str = "Центральный федеральный округ";
const VOLGA: &str = "Приволжский федеральный округ";
const SOUTH: &str = "Южный федеральный округ";

pub(crate) static CITIES: &[City] = &[
    city("Москва", CENTRAL, "Москва"),
    city(
        "Санкт-Петербург",
        "Северо-Западный федеральный округ",
        "Санкт-Петербург",
    ),
    city("Казань", VOLGA, "Республика Татарстан"),
    city(
        "Екатеринбург",
        "Уральский федеральный округ",
        "Свердловская область",
    ),
    city(
        "Новосибирск",
        "Сибирский федеральный округ",
        "Новосибирская область",
    ),
    city("Краснодар", SOUTH, "Краснодарский край"),
    city("Нижний Новгород", VOLGA, "Нижегородская область"),
    city("Самара", VOLGA, "Самарская область"),
    city("Ростов-на-Дону", SOUTH, "Ростовская область"),
    city("Воронеж", CENTRAL, "Воронежская область"),
    city("Подольск", CENTRAL, "Московская область"),
    city("Химки", CENTRAL, "Московская область"),
];

/// WB warehouses FBW orders ship from (statistics `warehouseName`).
pub(crate) static WB_WAREHOUSES: &[&str] = &[
    "Коледино",
    "Подольск",
    "Электросталь",
    "Казань",
    "Краснодар",
    "Екатеринбург - Испытателей 14г",
    "Новосибирск",
    "Тула",
    "Санкт-Петербург Уткина Заводь",
];

/// A seller's own warehouse registered on WB (`GET /api/v3/warehouses`).
pub(crate) struct SellerWarehouse {
    pub(crate) id: u64,
    pub(crate) name: &'static str,
    pub(crate) office_id: u64,
    /// The WB office orders from this warehouse are taken to (`offices[]` of FBS orders).
    pub(crate) office: &'static str,
    pub(crate) cargo_type: u8,
}

/// The first warehouse holds all FBS stock and receives all FBS orders; the second (bulky
/// goods) is empty, so clients must cope with warehouses that report nothing.
pub(crate) static SELLER_WAREHOUSES: &[SellerWarehouse] = &[
    SellerWarehouse {
        id: 1_044_582,
        name: "Склад продавца Подольск",
        office_id: 507,
        office: "Коледино",
        cargo_type: 1,
    },
    SellerWarehouse {
        id: 1_044_583,
        name: "Склад продавца Подольск КГТ",
        office_id: 507,
        office: "Коледино",
        cargo_type: 3,
    },
];

/// The seller's FBS warehouse and delivery method on Ozon.
pub(crate) const OZON_FBS_WAREHOUSE_ID: u64 = 1_020_000_089_903_000;
pub(crate) const OZON_FBS_WAREHOUSE: &str = "Подольск ФБС";
pub(crate) const OZON_DELIVERY_METHOD: &str = "Доставка Ozon самостоятельно, Подольск";

/// Ozon warehouses FBO postings ship from.
pub(crate) static OZON_FBO_WAREHOUSES: &[(u64, &str)] = &[
    (1_020_001_835_658_000, "ХОРУГВИНО_РФЦ"),
    (1_020_000_615_145_000, "ТВЕРЬ_РФЦ"),
    (1_020_000_297_051_000, "КАЗАНЬ_РФЦ_НОВЫЙ"),
    (1_020_000_531_397_000, "ЕКАТЕРИНБУРГ_РФЦ_НОВЫЙ"),
    (1_020_000_756_285_000, "НОВОСИБИРСК_РФЦ_НОВЫЙ"),
    (1_020_000_845_193_000, "СПБ_ШУШАРЫ_РФЦ"),
];

/// Ozon `payment_type_group_name` values.
pub(crate) static PAYMENT_TYPES: &[&str] = &[
    "картой онлайн",
    "карта Ozon Банка",
    "Система Быстрых Платежей",
];
