//! Product questions answered from the card: only a characteristic that answers the asked
//! property is quoted («из чего подошва?» → «Подошва: резина»). When the card holds nothing on
//! it, the question goes to a person: a list of unrelated characteristics is not an answer.

use otklik_db::catalogue::Product;

/// What a shopper asks about a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    Material,
    Care,
    Country,
    Colour,
    /// Whether the colour is as in the photo: no card field can say.
    ColourAsPictured,
    Packaging,
    Warmth,
    Waterproof,
    Length,
    Dimensions,
    Weight,
    Volume,
    Season,
    Warranty,
    Dishwasher,
    Compatibility,
    Equipment,
    /// How the size runs (маломерит?): a card field answers it only if the seller filled one.
    SizeFit,
    /// Whether it shrinks in the wash.
    Shrinkage,
    /// What it costs: the card's price, not a characteristic.
    Price,
}

impl Property {
    pub fn key(self) -> &'static str {
        match self {
            Property::Material => "material",
            Property::Care => "care",
            Property::Country => "country",
            Property::Colour => "colour",
            Property::ColourAsPictured => "colour_as_pictured",
            Property::Packaging => "packaging",
            Property::Warmth => "warmth",
            Property::Waterproof => "waterproof",
            Property::Length => "length",
            Property::Dimensions => "dimensions",
            Property::Weight => "weight",
            Property::Volume => "volume",
            Property::Season => "season",
            Property::Warranty => "warranty",
            Property::Dishwasher => "dishwasher",
            Property::Compatibility => "compatibility",
            Property::Equipment => "equipment",
            Property::SizeFit => "size_fit",
            Property::Shrinkage => "shrinkage",
            Property::Price => "price",
        }
    }
}

/// How a question names a property (stems of the shopper's words, lower case, «ё» as «е»),
/// most specific first, and the card fields that answer it.
struct Rule {
    property: Property,
    asked: &'static [&'static str],
    fields: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        property: Property::Price,
        asked: &[
            "сколько стоит",
            "сколько стоят",
            "сколько будет стоить",
            "скок стоит",
            "скока стоит",
            "почем",
            "по чем",
            "цена",
            "цену",
            "цены",
            "стоимост",
            "how much",
            "price",
            "қанша тұрады",
            "бағасы",
            "qancha turadi",
            "narxi",
            "нархи",
        ],
        fields: &[],
    },
    Rule {
        property: Property::ColourAsPictured,
        asked: &[
            "как на фото",
            "как на картинке",
            "отдает в",
            "отдает синев",
            "соответствует фото",
            "цвет как на фото",
            "цвет как на картинке",
            "цвет соответствует фото",
            "цвет на фото",
            "цвет такой же как на",
            "цвет такой же, как на",
            "как на фото по цвету",
            "цвет совпадает",
            "цвет реальн",
            "в жизни цвет",
            "цвет в жизни",
            "цветопередач",
        ],
        fields: &[],
    },
    Rule {
        property: Property::Dishwasher,
        asked: &[
            "dishwasher",
            "посудомо",
            "посудомое",
            "idish yuv",
            "идиш юв",
            "ыдыс жу",
        ],
        fields: &["посудомо"],
    },
    Rule {
        property: Property::Shrinkage,
        asked: &[
            "садится после",
            "сядет после",
            "села после",
            "сел после",
            "усадк",
            "не сядет",
            "садится при стирк",
            "после стирки сад",
            "после стирки сяд",
            "после стирки сел",
        ],
        fields: &["усадк"],
    },
    Rule {
        property: Property::Care,
        asked: &[
            "wash",
            "стира",
            "стирк",
            "постира",
            "машинк",
            "ухажива",
            "уход",
            "гладить",
            "утюж",
            "химчист",
            "сушить",
            "сушк",
            "отжим",
            "чистить",
            "почистить",
        ],
        fields: &["уход", "стирк", "чистк", "рекомендации по уходу"],
    },
    Rule {
        property: Property::Country,
        asked: &[
            "где производ",
            "где шьют",
            "где делают",
            "made in",
            "country",
            "страна",
            "где произвед",
            "где сделан",
            "где сшит",
            "чье производ",
            "чьего производ",
            "производител",
            "производство",
            "китай",
            "россия",
            "турци",
            "узбекистан",
        ],
        fields: &["страна"],
    },
    Rule {
        property: Property::Waterproof,
        asked: &[
            "промока",
            "непромока",
            "водонепрониц",
            "водоотталк",
            "под дожд",
            "в дождь",
            "мембран",
            "продува",
            "ветрозащ",
        ],
        fields: &[
            "водоотталк",
            "водонепрониц",
            "мембран",
            "водозащ",
            "ветрозащ",
        ],
    },
    Rule {
        property: Property::Warmth,
        asked: &[
            "тепл",
            "мороз",
            "температур",
            "зимой",
            "зиму",
            "утеплит",
            "градус",
            "мерзн",
            "греет",
        ],
        fields: &["тепл", "температур", "утеплит", "наполнит"],
    },
    Rule {
        property: Property::Season,
        asked: &["сезон", "на осень", "на весну", "на лето", "демисезон"],
        fields: &["сезон"],
    },
    Rule {
        property: Property::Packaging,
        asked: &[
            "упаковк",
            "упакован",
            "коробк",
            "подарочн",
            "в подарок",
            "подарить",
            "на подарок",
        ],
        fields: &["упаковк", "комплектац"],
    },
    Rule {
        property: Property::Equipment,
        asked: &["комплект", "что входит", "в наборе", "входит ли"],
        fields: &["комплектац", "комплект"],
    },
    Rule {
        property: Property::Compatibility,
        asked: &[
            "совместим",
            "подойдет для",
            "подходит для",
            "подойдет к ",
            "подходит к ",
        ],
        fields: &["совместим", "модел", "подходит для"],
    },
    Rule {
        property: Property::Warranty,
        asked: &["гаранти", "warrant", "кепілдік", "кафолат", "kafolat"],
        fields: &["гаранти"],
    },
    Rule {
        property: Property::Volume,
        asked: &[
            "volume",
            "объем",
            "сколько литр",
            "сколько мл",
            "вместим",
            "емкост",
            "көлем",
            "hajm",
            "ҳажм",
        ],
        fields: &["объем", "емкост", "вместим"],
    },
    Rule {
        property: Property::Weight,
        asked: &[
            "сколько весит",
            "вес ",
            "весит",
            "тяжел",
            "легкий ли",
            "легкая ли",
        ],
        fields: &["вес"],
    },
    Rule {
        property: Property::Length,
        asked: &[
            "длина",
            "длинн",
            "какой длины",
            "длину",
            "до колен",
            "до бедра",
        ],
        fields: &["длина"],
    },
    Rule {
        property: Property::Dimensions,
        asked: &[
            "габарит",
            "ширин",
            "высот",
            "глубин",
            "размеры товара",
            "какого размера сам",
        ],
        fields: &["габарит", "ширин", "высот", "глубин", "размеры"],
    },
    Rule {
        property: Property::SizeFit,
        asked: &[
            "в размер?",
            "в размер ",
            "в размер,",
            "маломер",
            "большемер",
            "размер в размер",
            "соответствует размеру",
            "размер соответствует",
            "идет в размер",
            "идут в размер",
            "садится",
            "сетка",
        ],
        fields: &["соответствие размеру", "размер соответствует", "посадк"],
    },
    Rule {
        property: Property::Colour,
        asked: &[
            "черн",
            "белы",
            "белом",
            "белой",
            "белая",
            "белое",
            "красн",
            "сини",
            "синя",
            "сине",
            "синю",
            "зелен",
            "серы",
            "серо",
            "серая",
            "розов",
            "бежев",
            "коричн",
            "желт",
            "фиолет",
            "голуб",
            "оранж",
            "бордо",
            "хаки",
            "графит",
            "бирюз",
            "мятн",
            "black",
            "white",
            "какого цвета",
            "colour",
            "color",
            "цвет",
            "оттен",
            "расцветк",
        ],
        fields: &["цвет"],
    },
    Rule {
        property: Property::Material,
        asked: &[
            "made of",
            "material",
            "fabric",
            "құрам",
            "tarkib",
            "таркиб",
            "mato",
            "nimadan",
            "нимадан",
            "paxta",
            "пахта",
            "неден",
            "мақта",
            "cotton",
            "wool",
            "материал",
            "из чего",
            "состав",
            "ткан",
            "хлопок",
            "хлопк",
            "синтет",
            "натурал",
            "шерст",
            "кож",
            "подошв",
            "стельк",
            "подкладк",
            "наполнит",
            "пух",
            "металл",
            "пластик",
            "сталь",
        ],
        fields: &[
            "материал",
            "состав",
            "ткань",
            "утеплит",
            "подкладк",
            "наполнит",
            "подошв",
            "стельк",
            "верх",
        ],
    },
];

/// Whether a word names a colour, as a stock question may («есть в чёрном?»).
pub fn names_a_colour(word: &str) -> bool {
    let word = fold(word);
    RULES
        .iter()
        .filter(|rule| rule.property == Property::Colour)
        .flat_map(|rule| rule.asked.iter())
        .any(|stem| !stem.contains(' ') && word.starts_with(stem))
}

/// Parts of a product a question may single out: «из чего подошва?» wants the sole only.
const PARTS: &[&str] = &[
    "подошв",
    "стельк",
    "подкладк",
    "верх",
    "капюшон",
    "молни",
    "пуговиц",
    "наполнит",
    "утеплит",
    "крышк",
    "ремеш",
    "ручк",
];

fn fold(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

/// Whether a word of `text` starts with `stem`.
pub(super) fn mentions(text: &str, stem: &str) -> bool {
    text.match_indices(stem).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    })
}

/// The properties a question about a product asks, most specific first; the product's own
/// name is not a question («пуховик шуршит?» asks nothing about down).
pub fn asked_about(question: &str, title: Option<&str>) -> Vec<Property> {
    let Some(title) = title else {
        return asked(question);
    };
    let named: Vec<String> = fold(title)
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| w.chars().take(5).collect())
        .collect();
    let kept: Vec<&str> = question
        .split_whitespace()
        .filter(|word| {
            let stem: String = fold(word)
                .chars()
                .filter(|c| c.is_alphabetic())
                .take(5)
                .collect();
            !(stem.chars().count() >= 4 && named.contains(&stem))
        })
        .collect();
    asked(&kept.join(" "))
}

/// The properties a question asks about, most specific first.
pub fn asked(question: &str) -> Vec<Property> {
    let question = fold(question) + " ";
    let mut found: Vec<Property> = Vec::new();
    for rule in RULES {
        if rule.asked.iter().any(|stem| mentions(&question, stem))
            && !found.contains(&rule.property)
        {
            found.push(rule.property);
        }
    }
    // «На фото серый, а в названии графит: какой цвет?» asks whether the photo is true.
    let photo = ["фото", "фотк", "картинк", "снимк"]
        .iter()
        .any(|stem| mentions(&question, stem));
    if photo && found.contains(&Property::Colour) && !found.contains(&Property::ColourAsPictured) {
        found.insert(0, Property::ColourAsPictured);
    }
    // «цвет как на фото» is not a question about the colour's name.
    if found.contains(&Property::ColourAsPictured) {
        found.retain(|p| *p != Property::Colour);
    }
    found
}

/// The card's characteristics, name and value, as the marketplace gave them.
pub fn characteristics(product: &Product) -> Vec<(String, String)> {
    product
        .attributes
        .get("characteristics")
        .and_then(|c| c.as_object())
        .map(|map| {
            map.iter()
                .filter_map(|(name, value)| {
                    let value = match value {
                        serde_json::Value::String(s) => s.trim().to_owned(),
                        serde_json::Value::Array(items) => items
                            .iter()
                            .filter_map(|i| match i {
                                serde_json::Value::String(s) => Some(s.clone()),
                                serde_json::Value::Null => None,
                                other => Some(other.to_string()),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (!value.is_empty()).then(|| (name.trim().to_owned(), value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the card says about `property`, or `None` when it says nothing: the fields named for
/// the property, narrowed to the part of the product the question singles out.
pub fn answer(
    product: &Product,
    property: Property,
    question: &str,
) -> Option<Vec<(String, String)>> {
    if property == Property::Price {
        return price(product).map(|price| vec![("Цена".to_owned(), price)]);
    }
    let rule = RULES.iter().find(|r| r.property == property)?;
    let all = characteristics(product);
    let mut found: Vec<(String, String)> = all
        .iter()
        .filter(|(name, _)| {
            let name = fold(name);
            rule.fields.iter().any(|f| name.contains(f))
        })
        .cloned()
        .collect();
    let question = fold(question);
    let parts: Vec<&str> = PARTS
        .iter()
        .copied()
        .filter(|part| question.contains(part))
        .collect();
    if !parts.is_empty() {
        let narrowed: Vec<(String, String)> = all
            .iter()
            .filter(|(name, _)| parts.iter().any(|part| fold(name).contains(part)))
            .cloned()
            .collect();
        if narrowed.is_empty() && property == Property::Material {
            return None;
        }
        if !narrowed.is_empty() {
            found = narrowed;
        }
    }
    found.truncate(3);
    (!found.is_empty()).then_some(found)
}

/// The card's price as shoppers read it («8 990 ₽»), when the marketplace gave one; a price
/// of zero is no price.
pub(super) fn price(product: &Product) -> Option<String> {
    let minor = product.price_minor.filter(|p| *p > 0)?;
    let mut grouped = otklik_billing::amounts::thousands(minor / 100);
    let kopecks = minor % 100;
    if kopecks != 0 {
        grouped.push_str(&format!(",{kopecks:02}"));
    }
    let currency = match product.currency.as_str() {
        "RUB" => "₽",
        other => other,
    };
    Some(format!("{grouped}\u{a0}{currency}"))
}

/// A characteristic the question names directly («какой капюшон?» → «Капюшон: съёмный»), for
/// questions no rule covers. Names of one or two letters never match.
pub fn named(product: &Product, question: &str) -> Option<Vec<(String, String)>> {
    named_by(product, question, |_| true)
}

/// A characteristic named by a word no rule knows: «какая плотность ткани?» wants «Плотность
/// ткани», not the fabric's composition that «ткань» asks.
pub fn named_beyond_rules(product: &Product, question: &str) -> Option<Vec<(String, String)>> {
    named_by(product, question, |word| {
        !RULES
            .iter()
            .flat_map(|rule| rule.asked.iter())
            .any(|stem| word.starts_with(stem))
    })
}

fn named_by(
    product: &Product,
    question: &str,
    counts: impl Fn(&str) -> bool,
) -> Option<Vec<(String, String)>> {
    let question = fold(question);
    let words: Vec<&str> = question
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 4 && counts(w))
        .collect();
    let found: Vec<(String, String)> = characteristics(product)
        .into_iter()
        .filter(|(name, _)| {
            let name = fold(name);
            name.split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= 4)
                .any(|field_word| {
                    let stem: String = field_word.chars().take(5).collect();
                    words.iter().any(|w| w.starts_with(&stem))
                })
        })
        .take(3)
        .collect();
    (!found.is_empty()).then_some(found)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jacket() -> Product {
        Product {
            id: 1,
            external_id: "139204857".into(),
            vendor_code: "PUH-01".into(),
            title: "Пуховик женский удлинённый".into(),
            brand: "Север".into(),
            price_minor: Some(899_000),
            currency: "RUB".into(),
            stock: Some(7),
            attributes: json!({"characteristics": {
                "Материал верха": "полиэстер с водоотталкивающей пропиткой",
                "Утеплитель": "натуральный пух 80%, перо 20%",
                "Страна производства": "Россия",
                "Цвет": "чёрный",
                "Капюшон": "съёмный"
            }}),
        }
    }

    #[test]
    fn prices_keep_their_kopecks_and_a_zero_price_is_no_price() {
        let mut jacket = jacket();
        assert_eq!(price(&jacket).as_deref(), Some("8\u{a0}990\u{a0}₽"));
        jacket.price_minor = Some(89_950);
        assert_eq!(price(&jacket).as_deref(), Some("899,50\u{a0}₽"));
        for unknown in [Some(0), None] {
            jacket.price_minor = unknown;
            assert_eq!(price(&jacket), None);
            assert!(crate::assistant::facts::describe_product(&jacket).contains("цена неизвестна"));
        }
    }

    #[test]
    fn only_a_field_for_the_asked_property_answers() {
        let jacket = jacket();
        let care = asked("Можно ли стирать в стиральной машинке?");
        assert_eq!(care.first(), Some(&Property::Care));
        assert_eq!(
            answer(&jacket, Property::Care, "стирать?"),
            None,
            "no care field"
        );

        let country = asked("Где произведено?");
        assert_eq!(country.first(), Some(&Property::Country));
        assert_eq!(
            answer(&jacket, Property::Country, "Где произведено?"),
            Some(vec![("Страна производства".into(), "Россия".into())])
        );

        assert_eq!(
            asked("Цвет как на фото или темнее?"),
            vec![Property::ColourAsPictured]
        );
        assert_eq!(answer(&jacket, Property::ColourAsPictured, ""), None);

        let warm = answer(&jacket, Property::Warmth, "тёплый?").unwrap_or_default();
        assert_eq!(warm.len(), 1, "{warm:?}");
        assert_eq!(warm[0].0, "Утеплитель");

        assert_eq!(
            named(&jacket, "а капюшон отстёгивается?"),
            Some(vec![("Капюшон".into(), "съёмный".into())])
        );
        let mut tshirt = jacket.clone();
        tshirt.attributes = json!({"characteristics": {
            "Состав": "хлопок 100%",
            "Плотность ткани": "180 г/м²"
        }});
        assert_eq!(asked("Какая плотность ткани?"), vec![Property::Material]);
        assert_eq!(
            asked("futbolka nimadan tikilgan? paxtami?"),
            vec![Property::Material]
        );
        assert_eq!(
            named_beyond_rules(&tshirt, "Какая плотность ткани?"),
            Some(vec![("Плотность ткани".into(), "180 г/м²".into())])
        );
        assert_eq!(named_beyond_rules(&tshirt, "Какой состав ткани?"), None);
        assert_eq!(
            named_beyond_rules(&jacket, "цвет как на фото?"),
            None,
            "a word a rule knows is that rule's"
        );

        assert_eq!(
            asked_about("скок стоит пуховик?", Some("Пуховик женский")),
            vec![Property::Price]
        );
        assert_eq!(
            answer(&jacket, Property::Price, ""),
            Some(vec![("Цена".into(), "8\u{a0}990\u{a0}₽".into())])
        );
        let unpriced = Product {
            price_minor: None,
            ..jacket.clone()
        };
        assert_eq!(
            answer(&unpriced, Property::Price, ""),
            None,
            "an unknown price is not said"
        );
        assert_eq!(named(&jacket, "подойдёт ли в подарок?"), None);
    }
}
