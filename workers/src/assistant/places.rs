//! Places a delivery question may name: countries, and Russian cities by their region. «Доставляете в Ташкент?» is answered by the shop's
//! delivery rules only when they name Uzbekistan or Tashkent: rules that list other countries
//! say nothing about this one, and a guess would be a wrong fact.

use super::card::mentions;

/// A country beyond Russia: how shoppers name it or its big cities (stems, any script, lower
/// case), and how the shop's Russian rules would.
struct Country {
    asked: &'static [&'static str],
    written: &'static [&'static str],
}

#[rustfmt::skip]
const COUNTRIES: &[Country] = &[
    Country {
        asked: &["казахстан", "қазақстан", "kazakhstan", "qozog'iston", "qozogiston", "қозоғистон",
            "алмат", "almat", "астан", "astan", "шымкент", "караганд"],
        written: &["казахстан", "алмат", "астан", "снг"],
    },
    Country {
        asked: &["узбекистан", "uzbekistan", "o'zbekiston", "ozbekiston", "ўзбекистон", "өзбекстан",
            "ташкент", "tashkent", "toshkent", "тошкент", "самарканд", "samarqand", "самарқанд",
            "бухар", "buxoro", "бухоро"],
        written: &["узбекистан", "ташкент", "снг"],
    },
    Country {
        asked: &["киргиз", "кыргыз", "kyrgyz", "qirg'iz", "қырғыз", "бишкек", "bishkek"],
        written: &["киргиз", "кыргыз", "бишкек", "снг"],
    },
    Country {
        asked: &["беларус", "белорус", "belarus", "минск", "minsk", "мінск"],
        written: &["беларус", "белорус", "минск", "снг"],
    },
    Country {
        asked: &["армени", "armenia", "ереван", "yerevan", "հայաստան", "երևան"],
        written: &["армени", "ереван", "снг"],
    },
    Country {
        asked: &["таджик", "tajik", "тожик", "tojik", "душанбе", "dushanbe"],
        written: &["таджик", "душанбе", "снг"],
    },
    Country {
        asked: &["азербайдж", "azerbaij", "баку", "baku"],
        written: &["азербайдж", "баку", "снг"],
    },
    Country {
        asked: &["грузи", "georgia", "тбилис", "tbilisi"],
        written: &["грузи", "тбилис"],
    },
    Country {
        asked: &["молдов", "moldova", "кишин", "chisinau"],
        written: &["молдов", "кишин", "снг"],
    },
    Country {
        asked: &["туркмен", "turkmen", "ашхабад", "ashgabat"],
        written: &["туркмен", "ашхабад", "снг"],
    },
];

/// Russian cities by the regions shops write delivery terms for: a question about Владивосток
/// is answered by the terms for the Far East.
#[rustfmt::skip]
const REGIONS: &[(&[&str], &str)] = &[
    (&["москв", "подмосков", "мск"], "москва"),
    (&["питер", "спб", "санкт-петерб", "ленинград"], "петербург"),
    (&["екатеринб", "екб", "челябинск", "перми", "пермь", "тюмен", "курган"], "урал"),
    (&["новосиб", "омск", "красноярск", "барнаул", "кемеров", "иркутск"], "сибирь"),
    (&["владивост", "хабаровск", "якутск", "магадан", "сахалин", "благовещ", "камчат"],
        "дальний восток"),
    (&["краснодар", "ростов", "сочи", "волгоград", "ставропол", "астрахан", "крым", "севастопол",
        "симферопол", "анап", "геленджик", "махачкал"], "юг"),
    (&["самар", "саратов", "ульяновск", "нижний новгород", "нижнем новгороде", "нижнего новгорода",
        "пенз", "тольятти", "чебоксар", "ижевск"], "поволж"),
];

/// Rules that speak for every Russian city at once.
const ALL_OF_RUSSIA: &[&str] = &[
    "по всей росси",
    "по россии",
    "всей россии",
    "любой город",
    "все города",
];

/// The regions of the Russian cities a question names, as shops' terms name them.
fn regions_named(question: &str) -> impl Iterator<Item = &'static str> {
    let question = fold(question);
    REGIONS
        .iter()
        .filter(move |(cities, _)| cities.iter().any(|city| question.contains(city)))
        .map(|(_, region)| *region)
}

/// The places a question names as shops' rules name them: the regions of its Russian cities
/// and the countries it asks about, so «Almaty» finds «Казахстан» in the rules.
pub fn as_rules_name_them(question: &str) -> impl Iterator<Item = &'static str> {
    let folded = fold(question);
    let countries: Vec<&'static str> = COUNTRIES
        .iter()
        .filter(|country| country.asked.iter().any(|stem| mentions(&folded, stem)))
        .filter_map(|country| country.written.first().copied())
        .collect();
    regions_named(question).chain(countries)
}

fn fold(text: &str) -> String {
    text.to_lowercase()
        .replace('ё', "е")
        .replace(['ʻ', '‘', '’', '`', 'ʼ'], "'")
}

/// Whether the question names a place at all: a city, a region or a country.
pub fn names_a_place(question: &str) -> bool {
    let question = fold(question);
    COUNTRIES
        .iter()
        .flat_map(|country| country.asked)
        .chain(REGIONS.iter().flat_map(|(cities, _)| *cities))
        .any(|stem| mentions(&question, stem))
}

/// Whether the question names a country, or a Russian city, that the rules do not: then they
/// do not answer it. Terms for Moscow and the Urals say nothing about Krasnodar.
pub fn unanswered(question: &str, rules: &str) -> bool {
    let question = fold(question);
    let rules = fold(rules);
    let foreign = COUNTRIES.iter().any(|country| {
        country.asked.iter().any(|stem| mentions(&question, stem))
            && !country.written.iter().any(|stem| mentions(&rules, stem))
    });
    let russian = !ALL_OF_RUSSIA.iter().any(|words| rules.contains(words))
        && REGIONS.iter().any(|(cities, region)| {
            cities.iter().any(|city| mentions(&question, city))
                && !mentions(&rules, region)
                && !cities.iter().any(|city| mentions(&rules, city))
        });
    foreign || russian
}

#[cfg(test)]
mod tests {
    use super::unanswered;

    const RULES: &str = "Доставляем по России, а также в Казахстан, Беларусь и Армению: 7–14 дней.";

    #[test]
    fn a_country_the_rules_do_not_name_is_not_answered_by_them() {
        assert!(unanswered("Toshkentga yetkazib berasizlarmi?", RULES));
        assert!(unanswered("Доставка в Бишкек есть?", RULES));
        assert!(!unanswered("Сколько идёт доставка в Алматы?", RULES));
        assert!(!unanswered(
            "Do you ship to Minsk?",
            "Доставка в Беларусь — 10 дней."
        ));
        assert!(!unanswered(
            "Сколько дней доставка до Екатеринбурга?",
            RULES
        ));
        assert!(!unanswered(
            "Доставка в Ташкент?",
            "Доставляем во все страны СНГ."
        ));
    }

    #[test]
    fn a_russian_city_is_answered_only_by_terms_for_its_region() {
        const TERMS: &str = "Москва и область — 1–2 дня, Екатеринбург и Урал — 3–5 дней, \
                             Дальний Восток — 7–12 дней.";
        assert!(unanswered("Краснодар сколько по времени доставка", TERMS));
        assert!(unanswered("А до Самары долго?", TERMS));
        assert!(!unanswered("во Владивосток сколько ехать", TERMS));
        assert!(!unanswered("в Тюмень за сколько дойдёт?", TERMS));
        assert!(!unanswered("в Екб сколько ехать посылке?", TERMS));
        assert!(!unanswered(
            "Краснодар сколько по времени доставка",
            "Доставляем по всей России за 3–7 дней."
        ));
    }
}
