//! One test per construction the rules handle, in sentences written for the tests.

use super::{Asks, Entities, MeasurementKind, extract};

fn plain(text: &str) -> Entities {
    extract(text, Asks::Unclear, false)
}

fn sizing(text: &str) -> Entities {
    extract(text, Asks::AboutAProduct, true)
}

#[track_caller]
fn sizes(entities: &Entities, expected: &[&str]) {
    assert_eq!(entities.size, expected, "sizes");
}

#[track_caller]
fn measured(entities: &Entities, expected: &[(MeasurementKind, f32)]) {
    let got: Vec<(MeasurementKind, f32)> = entities
        .measurements
        .iter()
        .map(|m| (m.kind, m.value))
        .collect();
    assert_eq!(got, expected, "measurements");
}

use MeasurementKind::{Chest, Foot, Head, Height, Hips, Inseam, Waist, Weight};

#[test]
fn article_after_a_product_word() {
    for text in [
        "Шорты 156738294 на резинке?",
        "по товару 198273645 подскажите",
        "Вопрос про товар 1827364501",
        "у платья 176254839 есть подклад?",
        "арт. 16273849",
        "арт.16273849 в наличии",
        "Артикул: 1029384756",
        "nmID 16273849",
        "SKU 1827364590 это какой цвет",
        "код товара 17263548 не находится",
        "This jacket 182736459 is lovely",
        "mahsulot 172635489 bormi",
    ] {
        let e = plain(text);
        assert_eq!(e.article.len(), 1, "{text}: {e:?}");
        assert!(
            e.order_id.is_empty() && e.unplaced.is_empty(),
            "{text}: {e:?}"
        );
    }
}

#[test]
fn order_after_an_order_word() {
    for text in [
        "заказ 182736459 когда будет",
        "По заказу №1827364590 ничего",
        "номер отправления 1827364591",
        "посылка 918273645 потерялась",
        "трек номер 8172635490",
        "order 918273645 is late",
        "buyurtma 918273645 qayerda",
        "тапсырыс 918273645 қайда",
        "Заказывала 918273645, где он?",
    ] {
        let e = plain(text);
        assert_eq!(e.order_id.len(), 1, "{text}: {e:?}");
        assert!(
            e.article.is_empty() && e.unplaced.is_empty(),
            "{text}: {e:?}"
        );
    }
}

#[test]
fn the_nearest_word_decides_and_a_word_after_counts() {
    let e = plain("Заказ 4019283746, в нём куртка 176253849 с браком");
    assert_eq!(e.order_id, ["4019283746"]);
    assert_eq!(e.article, ["176253849"]);
    let e = plain("162534879 — это артикул. А 4728193650 — номер заказа");
    assert_eq!(e.article, ["162534879"]);
    assert_eq!(e.order_id, ["4728193650"]);
    let e = plain("Артикулы 16253487, 16253488 и 16253489");
    assert_eq!(e.article, ["16253487", "16253488", "16253489"]);
}

#[test]
fn posting_numbers_are_always_orders() {
    let e = plain("артикул отправления 12345678-0001-1");
    assert_eq!(e.order_id, ["12345678-0001-1"]);
    assert!(e.article.is_empty());
    let e = plain("Ozon 87654321-0021 где?");
    assert_eq!(e.order_id, ["87654321-0021"]);
}

#[test]
fn bare_numbers_are_unplaced() {
    let e = extract("8172635490 где?", Asks::AboutAnOrder, false);
    assert_eq!(e.order_id, ["8172635490"]);
    assert_eq!(e.unplaced, ["8172635490"]);
    let e = extract("817263549 есть?", Asks::AboutAProduct, true);
    assert_eq!(e.article, ["817263549"]);
    assert_eq!(e.unplaced, ["817263549"]);
    let e = plain("вот 817263549");
    assert_eq!(e.article, ["817263549"]);
    assert_eq!(e.unplaced, ["817263549"]);
    let e = plain("вот 8172635491");
    assert_eq!(e.order_id, ["8172635491"]);
    assert_eq!(e.unplaced, ["8172635491"]);
}

#[test]
fn links_give_articles() {
    let e = plain("https://www.wildberries.ru/catalog/172635489/detail.aspx?size=4 есть такое?");
    assert_eq!(e.article, ["172635489"]);
    let e = plain("вот ozon.ru/product/kurtka-zimnyaya-1726354890/ есть 48?");
    assert_eq!(e.article, ["1726354890"]);
}

#[test]
fn a_number_read_out_in_groups_after_its_word() {
    let e = plain("заказ 2736 451 908 когда будет?");
    assert_eq!(e.order_id, ["2736451908"], "{e:?}");
    let e = plain("по заказу № 91 827 364 ничего не понятно");
    assert_eq!(e.order_id, ["91827364"], "{e:?}");
    let e = plain("артикул 182 736 451 есть в чёрном?");
    assert_eq!(e.article, ["182736451"], "{e:?}");
    assert!(e.order_id.is_empty(), "{e:?}");
    // Without a word naming it, grouped digits are a price or a list, not an id.
    let e = plain("стоит 1 290 000 или дешевле?");
    assert!(e.order_id.is_empty() && e.article.is_empty(), "{e:?}");
}

#[test]
fn an_ozon_number_read_out_with_spaces() {
    let e = plain("у меня заказ на озоне номер 87654321 0042 1 когда привезут");
    assert_eq!(e.order_id, ["87654321-0042-1"], "{e:?}");
    let e = plain("заказ 87654321 0042 где");
    assert_eq!(e.order_id, ["87654321-0042"], "{e:?}");
    // Two groups with no word naming an order are not one.
    let e = plain("звоните 87654321 0042");
    assert!(e.order_id.is_empty(), "{e:?}");
}

#[test]
fn phones_and_prices_are_not_ids() {
    let e = plain("перезвоните на +998 90 123-45-67 или 8 (926) 111-22-33");
    assert_eq!(e.phone, ["998901234567", "89261112233"]);
    assert!(e.order_id.is_empty() && e.article.is_empty());
    let e = plain("Списали 125000 сум, а заказ не оформлен");
    assert!(e.order_id.is_empty() && e.article.is_empty(), "{e:?}");
    let e = plain("заказ 89012345678 не пришёл");
    assert_eq!(e.order_id, ["89012345678"]);
    assert!(e.phone.is_empty());
}

#[test]
fn sizes_named_by_a_size_word() {
    sizes(&plain("размер 52 есть?"), &["52"]);
    sizes(&plain("50-го размера не будет?"), &["50"]);
    sizes(&plain("р-р 48"), &["48"]);
    sizes(&plain("у меня размер обычно 46"), &["46"]);
    sizes(&plain("do you have a size 40?"), &["40"]);
    sizes(&plain("38 o'lcham bormi"), &["38"]);
    sizes(&plain("40 өлшемі бар ма"), &["40"]);
    sizes(&plain("детский размер 128 есть?"), &["128"]);
}

#[test]
fn sizes_in_lists_and_ranges() {
    sizes(
        &plain("размеры 40, 42 или 44 остались?"),
        &["40", "42", "44"],
    );
    sizes(&plain("размер от 46 до 50"), &["46", "50"]);
    sizes(&plain("размер 46–48"), &["46", "48"]);
    sizes(&plain("джинсы 30/32"), &["30", "32"]);
    sizes(&sizing("на 50-52 что-нибудь есть?"), &["50", "52"]);
    sizes(&sizing("от 42 до 46 подойдёт?"), &["42", "46"]);
    sizes(&sizing("это 38 или 39?"), &["38", "39"]);
}

#[test]
fn sizes_in_comparisons() {
    sizes(&plain("40 маломерит, нужен 41"), &["40", "41"]);
    sizes(&plain("взяла 48, великовато, хочу 46"), &["48", "46"]);
    sizes(&plain("на размер больше 44 брать?"), &["44"]);
    sizes(&plain("поменяйте 52 на 50"), &["52", "50"]);
    sizes(&plain("с 44 на 42 можно поменять?"), &["44", "42"]);
    sizes(&plain("пришли 40 вместо 39"), &["40", "39"]);
    sizes(&plain("обычно ношу 50, тут брать 52?"), &["50", "52"]);
    sizes(&plain("кеды 36 жмут"), &["36"]);
    sizes(&plain("ботинки 43 большемерят"), &["43"]);
}

#[test]
fn shoe_sizes_with_halves() {
    sizes(&plain("кроссовки 42,5 есть?"), &["42.5"]);
    sizes(&plain("размер 36.5"), &["36.5"]);
    sizes(&sizing("а 39,5 будет?"), &["39.5"]);
}

#[test]
fn letter_sizes() {
    sizes(&plain("Есть M?"), &["M"]);
    sizes(&plain("XXL или 3XL"), &["XXL", "3XL"]);
    sizes(&plain("размер s есть?"), &["S"]);
    sizes(&plain("хочу хл"), &["XL"]);
    sizes(&plain("размер ХХL"), &["XXL"]);
    sizes(&plain("поменяйте на м"), &["M"]);
    sizes(&plain("S или М подойдёт"), &["S", "M"]);
    sizes(&plain("xs/s"), &["XS", "S"]);
    sizes(&plain("l-xl"), &["L", "XL"]);
}

#[test]
fn no_sizes_from_other_numbers() {
    for text in [
        "рост 172 вес 64",
        "мне 35 лет",
        "сыну 16, какой брать",
        "за 45 рублей",
        "скидка 30 процентов",
        "привезут 25 мая",
        "доставка 12.05 в 18:00",
        "взяла 2 штуки",
        "дом 44, квартира 18",
        "пункт на Садовой 48",
        "стирать при 40",
        "кабель 20 м",
        "телевизор 43 дюйма",
        "ждём уже 20 дней",
        "iPhone 16",
        "ошибка 42 при оплате",
        "L'Oreal крем",
        "M.Video доставка",
        "в 2024 году",
        "чек на 44",
        "обхват груди 96",
        "Приеду к 18",
        "купила 5 м кабеля",
        "пришёл с дыркой",
        "пришли с опозданием, брала с запасом",
        "взяла л воды",
    ] {
        let e = plain(text);
        assert!(e.size.is_empty(), "{text}: {:?}", e.size);
    }
}

#[test]
fn measurements_in_many_wordings() {
    measured(
        &plain("рост 164, вес 52"),
        &[(Height, 164.0), (Weight, 52.0)],
    );
    measured(
        &plain("при росте 176 и обхвате груди 98"),
        &[(Height, 176.0), (Chest, 98.0)],
    );
    measured(
        &plain("ОГ 90 ОТ 72 ОБ 96"),
        &[(Chest, 90.0), (Waist, 72.0), (Hips, 96.0)],
    );
    measured(
        &plain("ог 88, от 70, об 94"),
        &[(Chest, 88.0), (Waist, 70.0), (Hips, 94.0)],
    );
    measured(&plain("нога 24,5 см"), &[(Foot, 24.5)]);
    measured(&plain("стопа 23"), &[(Foot, 23.0)]);
    measured(&plain("длина стопы 265 мм"), &[(Foot, 26.5)]);
    measured(&plain("рост 1.82 м"), &[(Height, 182.0)]);
    measured(&plain("рост 1,6"), &[(Height, 160.0)]);
    measured(&plain("мне 170/60"), &[(Height, 170.0), (Weight, 60.0)]);
    measured(
        &plain("рост/вес 158/47"),
        &[(Height, 158.0), (Weight, 47.0)],
    );
    measured(&plain("обхват головы 54"), &[(Head, 54.0)]);
    measured(
        &plain("талия 64 см, бёдра 92"),
        &[(Waist, 64.0), (Hips, 92.0)],
    );
    measured(&plain("у меня 100 в бёдрах"), &[(Hips, 100.0)]);
    measured(&plain("по внутреннему шву 78"), &[(Inseam, 78.0)]);
    measured(
        &plain("height 165 cm, chest 88"),
        &[(Height, 165.0), (Chest, 88.0)],
    );
    measured(
        &plain("I'm 5'9\" and 70 kg"),
        &[(Height, 175.3), (Weight, 70.0)],
    );
    measured(
        &plain("rost 181 ves 77"),
        &[(Height, 181.0), (Weight, 77.0)],
    );
    measured(
        &plain("бойым 158, салмағым 50"),
        &[(Height, 158.0), (Weight, 50.0)],
    );
    measured(
        &plain("bo'yim 180, vaznim 82"),
        &[(Height, 180.0), (Weight, 82.0)],
    );
    measured(
        &sizing("мерки 90-70-96"),
        &[(Chest, 90.0), (Waist, 70.0), (Hips, 96.0)],
    );
    measured(&sizing("вешу 58 кг"), &[(Weight, 58.0)]);
}

#[test]
fn a_foot_in_shoe_sizes_is_a_size() {
    let e = plain("нога 39, какие брать");
    assert!(e.measurements.is_empty(), "{e:?}");
    sizes(&e, &["39"]);
}

#[test]
fn ranges_with_ot_are_not_waists() {
    let e = plain("размер ОТ 44 ДО 48");
    assert!(e.measurements.is_empty(), "{e:?}");
    sizes(&e, &["44", "48"]);
}

#[test]
fn product_dimensions_are_not_measurements() {
    for text in ["вес посылки 3 кг", "длина рукава 60 см", "коробка 30 см"]
    {
        assert!(plain(text).measurements.is_empty(), "{text}");
    }
}

#[test]
fn serialised_fields_keep_their_names_and_skip_empty_ones() {
    let json = serde_json::to_value(plain("рост 170, размер 46, заказ 1234567890")).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "order_id": ["1234567890"],
            "size": ["46"],
            "measurements": [{"kind": "height", "value": 170.0}],
        })
    );
    let back: Entities = serde_json::from_value(json).expect("entities");
    assert_eq!(back.order_id, ["1234567890"]);
    assert_eq!(
        serde_json::to_value(plain("привет")).expect("json"),
        serde_json::json!({})
    );
}

#[test]
fn a_date_does_not_end_the_sentence() {
    let e = plain("Заказ от 03.10 так и не доставлен, номер 5647382911");
    assert_eq!(e.order_id, ["5647382911"]);
    assert!(e.unplaced.is_empty(), "{e:?}");
}

#[test]
fn glued_ranges_and_children_sizes() {
    sizes(&sizing("есть 44-46?"), &["44", "46"]);
    for text in [
        "Доставка будет 23-24?",
        "Курьер приедет с 18-20?",
        "Страницы 24-25 непонятны",
    ] {
        assert!(plain(text).size.is_empty(), "{text}");
    }
    sizes(&plain("размер 110 или 116"), &["110", "116"]);
    sizes(&plain("ношу м"), &["M"]);
    sizes(&plain("Размер С есть?"), &["S"]);
    let e = plain("Шапка на голову 56-58");
    assert!(e.measurements.is_empty(), "{e:?}");
    sizes(&e, &["56", "58"]);
    measured(&plain("кепка, голова 57"), &[(Head, 57.0)]);
}

#[test]
fn measurements_named_after_the_number_and_in_series() {
    measured(
        &plain("сыну 5 лет, 110 рост, 19 вес"),
        &[(Height, 110.0), (Weight, 19.0)],
    );
    measured(
        &plain("ОГ-ОТ-ОБ 88-70-95"),
        &[(Chest, 88.0), (Waist, 70.0), (Hips, 95.0)],
    );
    measured(&plain("обхват бёдер 99"), &[(Hips, 99.0)]);
    measured(
        &plain("рост 175 обхват 98 какой размер"),
        &[(Height, 175.0), (Chest, 98.0)],
    );
    measured(
        &plain("Ko'krak aylanasi 96, bo'yim 170"),
        &[(Chest, 96.0), (Height, 170.0)],
    );
    measured(&plain("рост дочки 128"), &[(Height, 128.0)]);
    assert!(
        plain("Вес 2,5 кг, доставка платная?")
            .measurements
            .is_empty()
    );
}

proptest::proptest! {
    /// Whatever a shopper writes, extraction finishes, and every number it reports is made of
    /// digits the message holds, in that order.
    #[test]
    fn any_text_is_read_and_numbers_come_from_it(text in "\\PC{0,300}", asks in 0_u8..3, sizing_on in proptest::prelude::any::<bool>()) {
        let asks = match asks {
            0 => Asks::Unclear,
            1 => Asks::AboutAnOrder,
            _ => Asks::AboutAProduct,
        };
        let found = extract(&text, asks, sizing_on);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        for number in found.order_id.iter().chain(&found.article).chain(&found.phone) {
            let own: String = number.chars().filter(char::is_ascii_digit).collect();
            proptest::prop_assert!(digits.contains(&own), "{number} is not in {text:?}");
        }
    }

    /// Digits and dashes in any arrangement never break extraction.
    #[test]
    fn numbers_of_any_shape_are_read(text in "[0-9 \\-+()#№]{0,80}") {
        let _ = extract(&text, Asks::Unclear, true);
    }
}
