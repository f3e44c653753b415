//! The generated catalogue: Russian product titles built from word lists (with grammatical
//! agreement, so shoppers' questions and bot answers read naturally), brands, vendor codes,
//! sizes with per-size stock, and the identifiers each marketplace assigns.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::voices::Goods;

/// Grammatical gender (or plural) of a product noun; selects the adjective form.
#[derive(Clone, Copy)]
enum Gender {
    Masculine,
    Feminine,
    Neuter,
    Plural,
}

/// An adjective in masculine, feminine, neuter and plural forms.
type Adjective = [&'static str; 4];

const fn same(word: &'static str) -> Adjective {
    [word; 4]
}

const MEN: Adjective = ["мужской", "мужская", "мужское", "мужские"];
const WOMEN: Adjective = ["женский", "женская", "женское", "женские"];
const KIDS: Adjective = ["детский", "детская", "детское", "детские"];

const LONG: Adjective = ["удлинённый", "удлинённая", "удлинённое", "удлинённые"];
const WARM: Adjective = ["утеплённый", "утеплённая", "утеплённое", "утеплённые"];
const OVERSIZE: Adjective = same("оверсайз");
const MIDSEASON: Adjective = [
    "демисезонный",
    "демисезонная",
    "демисезонное",
    "демисезонные",
];
const SPORT: Adjective = ["спортивный", "спортивная", "спортивное", "спортивные"];
const CASUAL: Adjective = [
    "повседневный",
    "повседневная",
    "повседневное",
    "повседневные",
];
const COTTON: Adjective = ["хлопковый", "хлопковая", "хлопковое", "хлопковые"];
const CLASSIC: Adjective = [
    "классический",
    "классическая",
    "классическое",
    "классические",
];
const LIGHT: Adjective = ["лёгкий", "лёгкая", "лёгкое", "лёгкие"];
const WATERPROOF: Adjective = [
    "водоотталкивающий",
    "водоотталкивающая",
    "водоотталкивающее",
    "водоотталкивающие",
];
const VELCRO: Adjective = same("на липучках");
const RUNNING: Adjective = ["беговой", "беговая", "беговое", "беговые"];
const LEATHER: Adjective = ["кожаный", "кожаная", "кожаное", "кожаные"];
const WINTER: Adjective = ["зимний", "зимняя", "зимнее", "зимние"];
const PLATFORM: Adjective = same("на платформе");
const BREATHABLE: Adjective = ["дышащий", "дышащая", "дышащее", "дышащие"];
const CITY: Adjective = ["городской", "городская", "городское", "городские"];
const ROOMY: Adjective = [
    "вместительный",
    "вместительная",
    "вместительное",
    "вместительные",
];
const RAINPROOF: Adjective = [
    "непромокаемый",
    "непромокаемая",
    "непромокаемое",
    "непромокаемые",
];
const COMPACT: Adjective = ["компактный", "компактная", "компактное", "компактные"];
const ECO_LEATHER: Adjective = same("из экокожи");
const KNITTED: Adjective = ["вязаный", "вязаная", "вязаное", "вязаные"];
const STEEL: Adjective = ["стальной", "стальная", "стальное", "стальные"];
const SEALED: Adjective = ["герметичный", "герметичная", "герметичное", "герметичные"];
const BACKLIT: Adjective = same("с подсветкой");

/// How a product is sized: WB `techSize` and `wbSize` per size.
#[derive(Clone, Copy)]
enum Sizing {
    Clothing,
    Shoes,
    OneSize,
}

const CLOTHING_SIZES: &[(&str, &str)] = &[
    ("XS", "42"),
    ("S", "44"),
    ("M", "46"),
    ("L", "48"),
    ("XL", "50"),
    ("XXL", "52"),
];
const SHOE_SIZES: &[(&str, &str)] = &[
    ("35", "35"),
    ("36", "36"),
    ("37", "37"),
    ("38", "38"),
    ("39", "39"),
    ("40", "40"),
    ("41", "41"),
    ("42", "42"),
    ("43", "43"),
    ("44", "44"),
    ("45", "45"),
    ("46", "46"),
];

/// A WB subject (Ozon description category) with the words its titles are made of.
pub(crate) struct Category {
    /// WB statistics `category`.
    pub(crate) parent: &'static str,
    /// WB `subjectName` / statistics `subject`.
    pub(crate) subject: &'static str,
    pub(crate) subject_id: u32,
    pub(crate) ozon_category_id: u64,
    pub(crate) ozon_type_id: u64,
    /// Package length, width, height (cm) and weight (kg).
    pub(crate) package: (u32, u32, u32, f64),
    noun: &'static str,
    gender: Gender,
    audiences: &'static [Adjective],
    styles: &'static [Adjective],
    sizing: Sizing,
    prefix: &'static str,
    prices: (u32, u32),
}

impl Category {
    /// The kind of goods shoppers' texts about this subject must fit.
    pub(crate) fn goods(&self) -> Goods {
        match self.subject {
            "Пуховики" | "Куртки" => Goods::Outerwear,
            "Джинсы" => Goods::Trousers,
            "Кроссовки" | "Кеды" | "Ботинки" => Goods::Shoes,
            "Рюкзаки" | "Сумки" => Goods::Bags,
            "Шапки" => Goods::Hats,
            "Термокружки" => Goods::Mugs,
            "Чайники электрические" => Goods::Kettles,
            _ => Goods::Tops,
        }
    }
}

const ANYONE: &[Adjective] = &[MEN, WOMEN, KIDS];

pub(crate) static CATEGORIES: &[Category] = &[
    Category {
        parent: "Одежда",
        subject: "Пуховики",
        subject_id: 1574,
        ozon_category_id: 17028922,
        ozon_type_id: 92017,
        package: (40, 30, 12, 1.2),
        noun: "Пуховик",
        gender: Gender::Masculine,
        audiences: ANYONE,
        styles: &[LONG, WARM, OVERSIZE, WATERPROOF, CLASSIC],
        sizing: Sizing::Clothing,
        prefix: "PUH",
        prices: (4990, 14990),
    },
    Category {
        parent: "Одежда",
        subject: "Куртки",
        subject_id: 168,
        ozon_category_id: 17028922,
        ozon_type_id: 92016,
        package: (40, 30, 10, 0.9),
        noun: "Куртка",
        gender: Gender::Feminine,
        audiences: ANYONE,
        styles: &[MIDSEASON, WARM, WATERPROOF, OVERSIZE, SPORT],
        sizing: Sizing::Clothing,
        prefix: "KUR",
        prices: (2990, 9990),
    },
    Category {
        parent: "Одежда",
        subject: "Платья",
        subject_id: 69,
        ozon_category_id: 17028925,
        ozon_type_id: 93011,
        package: (35, 25, 5, 0.4),
        noun: "Платье",
        gender: Gender::Neuter,
        audiences: &[WOMEN, KIDS],
        styles: &[CASUAL, LIGHT, COTTON, CLASSIC, OVERSIZE],
        sizing: Sizing::Clothing,
        prefix: "PLT",
        prices: (1490, 5990),
    },
    Category {
        parent: "Одежда",
        subject: "Футболки",
        subject_id: 192,
        ozon_category_id: 17028926,
        ozon_type_id: 93244,
        package: (30, 20, 3, 0.25),
        noun: "Футболка",
        gender: Gender::Feminine,
        audiences: ANYONE,
        styles: &[COTTON, OVERSIZE, SPORT, CASUAL, CLASSIC],
        sizing: Sizing::Clothing,
        prefix: "FUT",
        prices: (490, 1990),
    },
    Category {
        parent: "Одежда",
        subject: "Джинсы",
        subject_id: 180,
        ozon_category_id: 17028927,
        ozon_type_id: 93018,
        package: (35, 25, 5, 0.7),
        noun: "Джинсы",
        gender: Gender::Plural,
        audiences: ANYONE,
        styles: &[CLASSIC, CASUAL, WARM, OVERSIZE],
        sizing: Sizing::Clothing,
        prefix: "DZH",
        prices: (1990, 5990),
    },
    Category {
        parent: "Одежда",
        subject: "Худи",
        subject_id: 1724,
        ozon_category_id: 17028926,
        ozon_type_id: 93201,
        package: (35, 25, 6, 0.6),
        noun: "Худи",
        gender: Gender::Neuter,
        audiences: ANYONE,
        styles: &[OVERSIZE, WARM, SPORT, COTTON],
        sizing: Sizing::Clothing,
        prefix: "HUD",
        prices: (1490, 4490),
    },
    Category {
        parent: "Одежда",
        subject: "Свитеры",
        subject_id: 159,
        ozon_category_id: 17028926,
        ozon_type_id: 93202,
        package: (35, 25, 6, 0.6),
        noun: "Свитер",
        gender: Gender::Masculine,
        audiences: ANYONE,
        styles: &[CLASSIC, OVERSIZE, KNITTED, CASUAL],
        sizing: Sizing::Clothing,
        prefix: "SVT",
        prices: (1990, 5990),
    },
    Category {
        parent: "Обувь",
        subject: "Кроссовки",
        subject_id: 104,
        ozon_category_id: 17028929,
        ozon_type_id: 93356,
        package: (33, 22, 12, 1.0),
        noun: "Кроссовки",
        gender: Gender::Plural,
        audiences: ANYONE,
        styles: &[RUNNING, BREATHABLE, LEATHER, PLATFORM, WINTER],
        sizing: Sizing::Shoes,
        prefix: "KRS",
        prices: (1990, 8990),
    },
    Category {
        parent: "Обувь",
        subject: "Кеды",
        subject_id: 105,
        ozon_category_id: 17028929,
        ozon_type_id: 93357,
        package: (32, 21, 11, 0.8),
        noun: "Кеды",
        gender: Gender::Plural,
        audiences: ANYONE,
        styles: &[VELCRO, LEATHER, PLATFORM, CASUAL],
        sizing: Sizing::Shoes,
        prefix: "KED",
        prices: (1490, 4990),
    },
    Category {
        parent: "Обувь",
        subject: "Ботинки",
        subject_id: 106,
        ozon_category_id: 17028929,
        ozon_type_id: 93360,
        package: (34, 24, 14, 1.4),
        noun: "Ботинки",
        gender: Gender::Plural,
        audiences: ANYONE,
        styles: &[WINTER, LEATHER, WARM, MIDSEASON],
        sizing: Sizing::Shoes,
        prefix: "BOT",
        prices: (2990, 9990),
    },
    Category {
        parent: "Аксессуары",
        subject: "Рюкзаки",
        subject_id: 2393,
        ozon_category_id: 17028931,
        ozon_type_id: 115945,
        package: (45, 30, 15, 0.8),
        noun: "Рюкзак",
        gender: Gender::Masculine,
        audiences: ANYONE,
        styles: &[CITY, ROOMY, RAINPROOF, SPORT],
        sizing: Sizing::OneSize,
        prefix: "RUK",
        prices: (990, 4990),
    },
    Category {
        parent: "Аксессуары",
        subject: "Сумки",
        subject_id: 2394,
        ozon_category_id: 17028931,
        ozon_type_id: 115946,
        package: (35, 25, 12, 0.7),
        noun: "Сумка",
        gender: Gender::Feminine,
        audiences: &[WOMEN],
        styles: &[ECO_LEATHER, ROOMY, COMPACT, CLASSIC],
        sizing: Sizing::OneSize,
        prefix: "SUM",
        prices: (1490, 6990),
    },
    Category {
        parent: "Аксессуары",
        subject: "Шапки",
        subject_id: 2400,
        ozon_category_id: 17028932,
        ozon_type_id: 115950,
        package: (25, 20, 5, 0.15),
        noun: "Шапка",
        gender: Gender::Feminine,
        audiences: ANYONE,
        styles: &[KNITTED, WARM, SPORT],
        sizing: Sizing::OneSize,
        prefix: "SHP",
        prices: (490, 1990),
    },
    Category {
        parent: "Дом",
        subject: "Термокружки",
        subject_id: 3301,
        ozon_category_id: 17028940,
        ozon_type_id: 96300,
        package: (25, 10, 10, 0.4),
        noun: "Термокружка",
        gender: Gender::Feminine,
        audiences: &[],
        styles: &[STEEL, COMPACT, SEALED],
        sizing: Sizing::OneSize,
        prefix: "TRM",
        prices: (590, 1990),
    },
    Category {
        parent: "Бытовая техника",
        subject: "Чайники электрические",
        subject_id: 1233,
        ozon_category_id: 17028941,
        ozon_type_id: 96310,
        package: (25, 20, 25, 1.3),
        noun: "Чайник электрический",
        gender: Gender::Masculine,
        audiences: &[],
        styles: &[STEEL, COMPACT, BACKLIT],
        sizing: Sizing::OneSize,
        prefix: "CHN",
        prices: (1490, 4990),
    },
];

const BRANDS: &[&str] = &[
    "Север",
    "Тёплый дом",
    "Урбан Лайн",
    "Снежинка",
    "Русский лён",
    "Мегаполис",
    "Алтай",
    "Вектор",
    "Домовёнок",
    "Белая река",
    "Северное сияние",
    "Лесная тропа",
];

const COLORS: &[&str] = &[
    "чёрный",
    "белый",
    "бежевый",
    "серый",
    "синий",
    "зелёный",
    "красный",
    "молочный",
    "графитовый",
    "хаки",
];

const DISCOUNTS: &[u32] = &[0, 5, 10, 15, 20, 25, 30, 40, 50];

/// One size of a product: WB gives each its own `chrtID` and barcode.
pub(crate) struct Size {
    pub(crate) tech: &'static str,
    pub(crate) wb_size: &'static str,
    pub(crate) chrt_id: u64,
    pub(crate) barcode: u64,
    /// Units on the seller's own (FBS) warehouse.
    pub(crate) stock: u32,
}

/// The WB card of a product.
pub(crate) struct WbCard {
    pub(crate) nm_id: u64,
    pub(crate) imt_id: u64,
    pub(crate) uuid: u128,
}

/// The Ozon item of a product: one SKU for all sizes, sold FBS and FBO.
pub(crate) struct OzonItem {
    pub(crate) product_id: u64,
    pub(crate) sku: u64,
    /// Units on Ozon's warehouses.
    pub(crate) fbo_stock: u32,
    /// Units reserved by shoppers out of the FBS stock.
    pub(crate) reserved: u32,
}

pub(crate) struct Product {
    pub(crate) category: &'static Category,
    pub(crate) title: String,
    pub(crate) brand: &'static str,
    pub(crate) vendor_code: String,
    pub(crate) color: &'static str,
    /// RUB before the seller's discount.
    pub(crate) price: u32,
    /// Seller's discount, percent.
    pub(crate) discount: u32,
    pub(crate) sizes: Vec<Size>,
    pub(crate) wb: Option<WbCard>,
    pub(crate) ozon: Option<OzonItem>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl Product {
    /// Price after the seller's discount, RUB.
    pub(crate) fn sale_price(&self) -> u32 {
        self.price * (100 - self.discount) / 100
    }

    /// Units on the seller's warehouse over all sizes.
    pub(crate) fn fbs_stock(&self) -> u32 {
        self.sizes.iter().map(|size| size.stock).sum()
    }

    pub(crate) fn description(&self) -> String {
        format!(
            "{} от бренда «{}». Цвет: {}. Удобная посадка, качественные материалы, аккуратные швы.",
            self.title, self.brand, self.color
        )
    }
}

/// Monotonic identifier sequences with random gaps, like real marketplace ids.
pub(crate) struct Ids {
    nm_id: u64,
    imt_id: u64,
    chrt_id: u64,
    barcode: u64,
    product_id: u64,
    sku: u64,
}

impl Ids {
    /// Generated ids start above the demo records' ids, so the two never collide.
    pub(crate) fn new() -> Self {
        Self {
            nm_id: 150_000_000,
            imt_id: 110_000_000,
            chrt_id: 300_000_000,
            barcode: 2_040_000_000_000,
            product_id: 800_000_000,
            sku: 1_500_000_000,
        }
    }
}

fn bump(rng: &mut StdRng, value: &mut u64, max_gap: u64) -> u64 {
    *value += rng.random_range(1..=max_gap);
    *value
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).unwrap_or(&items[0])
}

fn title(rng: &mut StdRng, category: &Category) -> String {
    let form = category.gender as usize;
    let mut title = category.noun.to_owned();
    if !category.audiences.is_empty() {
        title.push(' ');
        title.push_str(pick(rng, category.audiences)[form]);
    }
    title.push(' ');
    title.push_str(pick(rng, category.styles)[form]);
    title
}

fn sizes(rng: &mut StdRng, sizing: Sizing, ids: &mut Ids) -> Vec<Size> {
    let (table, min, max): (&[(&'static str, &'static str)], usize, usize) = match sizing {
        Sizing::Clothing => (CLOTHING_SIZES, 3, 5),
        Sizing::Shoes => (SHOE_SIZES, 4, 6),
        Sizing::OneSize => (&[("0", "")], 1, 1),
    };
    let count = rng.random_range(min..=max).min(table.len());
    let first = rng.random_range(0..=table.len() - count);
    table[first..first + count]
        .iter()
        .map(|&(tech, wb_size)| Size {
            tech,
            wb_size,
            chrt_id: bump(rng, &mut ids.chrt_id, 40),
            barcode: bump(rng, &mut ids.barcode, 9),
            stock: if rng.random_bool(0.25) {
                0
            } else {
                rng.random_range(1..=40)
            },
        })
        .collect()
}

/// The `index`-th product of a generated seller, listed on both marketplaces.
pub(crate) fn product(
    rng: &mut StdRng,
    index: usize,
    ids: &mut Ids,
    now: DateTime<Utc>,
    history_days: u32,
) -> Product {
    let category = pick(rng, CATEGORIES);
    let title = title(rng, category);
    let brand = *pick(rng, BRANDS);
    let color = *pick(rng, COLORS);
    let (low, high) = category.prices;
    // Prices end in 90 roubles, as most shop prices do.
    let price = rng.random_range(low / 100..=high / 100) * 100 - 10;
    let discount = *pick(rng, DISCOUNTS);
    let sizes = sizes(rng, category.sizing, ids);
    let age = i64::from(history_days) * 86_400 + rng.random_range(30 * 86_400..365 * 86_400);
    let created_at =
        now - Duration::seconds(age) + Duration::microseconds(rng.random_range(0..1_000_000));
    let edited = rng.random_range(0..age);
    let updated_at = created_at + Duration::seconds(edited);
    let wb = WbCard {
        nm_id: bump(rng, &mut ids.nm_id, 997),
        imt_id: bump(rng, &mut ids.imt_id, 997),
        uuid: rng.random(),
    };
    let fbo_stock = if rng.random_bool(0.3) {
        0
    } else {
        rng.random_range(1..=60)
    };
    let fbs_stock: u32 = sizes.iter().map(|size| size.stock).sum();
    let ozon = OzonItem {
        product_id: bump(rng, &mut ids.product_id, 997),
        sku: bump(rng, &mut ids.sku, 997),
        fbo_stock,
        reserved: rng.random_range(0..=fbs_stock.min(3)),
    };
    Product {
        category,
        title,
        brand,
        vendor_code: format!("{}-{:04}", category.prefix, index + 1),
        color,
        price,
        discount,
        sizes,
        wb: Some(wb),
        ozon: Some(ozon),
        created_at,
        updated_at,
    }
}

/// A hand-written product (demo records).
pub(crate) struct Fixed {
    pub(crate) subject: &'static str,
    pub(crate) title: &'static str,
    pub(crate) brand: &'static str,
    pub(crate) vendor_code: &'static str,
    pub(crate) price: u32,
    /// Size name, `chrtID`, stock.
    pub(crate) sizes: &'static [(&'static str, u64, u32)],
    pub(crate) wb: Option<WbCard>,
    pub(crate) ozon: Option<OzonItem>,
}

pub(crate) fn fixed(spec: Fixed, barcode: u64, now: DateTime<Utc>) -> Product {
    let category = CATEGORIES
        .iter()
        .find(|category| category.subject == spec.subject)
        .unwrap_or(&CATEGORIES[0]);
    let sizes = spec
        .sizes
        .iter()
        .zip(barcode..)
        .map(|(&(tech, chrt_id, stock), barcode)| Size {
            tech,
            wb_size: CLOTHING_SIZES
                .iter()
                .chain(SHOE_SIZES)
                .find(|(name, _)| *name == tech)
                .map_or("", |(_, wb_size)| wb_size),
            chrt_id,
            barcode,
            stock,
        })
        .collect();
    Product {
        category,
        title: spec.title.to_owned(),
        brand: spec.brand,
        vendor_code: spec.vendor_code.to_owned(),
        color: COLORS[0],
        price: spec.price,
        discount: 0,
        sizes,
        wb: spec.wb,
        ozon: spec.ozon,
        created_at: now - Duration::days(200),
        updated_at: now - Duration::days(3),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn titles_agree_in_gender() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut ids = Ids::new();
        let now = Utc::now();
        for index in 0..200 {
            let product = product(&mut rng, index, &mut ids, now, 90);
            let words: Vec<&str> = product.title.split(' ').collect();
            if product.title.starts_with("Платье") && words.len() > 2 {
                assert!(words[1].ends_with("ое"), "{}", product.title);
            }
            if product.title.starts_with("Куртка") {
                assert!(words[1].ends_with("ая"), "{}", product.title);
            }
            assert!(product.price % 100 == 90, "{}", product.price);
            assert!(product.updated_at <= now && product.created_at <= product.updated_at);
        }
    }
}
