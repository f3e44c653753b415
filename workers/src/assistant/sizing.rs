//! Size advice from a product's size chart: only the sizes the item is sold in, said in the
//! card's size system with the Russian numeric size beside it, in stock or not, and honest
//! when the shopper's measurements fall outside the chart.

use otklik_db::catalogue::Product;
use otklik_nlu::{Measurement, MeasurementKind};

use super::catalogue::{Arg, Speech};

/// A chart row: the size as the card names it, its Russian numeric size, its ranges.
#[derive(Debug, Clone)]
struct Row {
    size: String,
    ru: Option<String>,
    ranges: Vec<(MeasurementKind, f32, f32)>,
}

fn field(kind: MeasurementKind) -> &'static str {
    match kind {
        MeasurementKind::Height => "height",
        MeasurementKind::Weight => "weight",
        MeasurementKind::Chest => "chest",
        MeasurementKind::Waist => "waist",
        MeasurementKind::Hips => "hips",
        MeasurementKind::Foot => "foot",
        MeasurementKind::Head => "head",
        MeasurementKind::Inseam => "inseam",
    }
}

const KINDS: [MeasurementKind; 8] = [
    MeasurementKind::Height,
    MeasurementKind::Chest,
    MeasurementKind::Waist,
    MeasurementKind::Hips,
    MeasurementKind::Foot,
    MeasurementKind::Head,
    MeasurementKind::Inseam,
    MeasurementKind::Weight,
];

fn text_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// «158-166», «82–88», «25,5» as a range.
fn range(text: &str) -> Option<(f32, f32)> {
    let mut parts = text
        .split(['-', '–', '—'])
        .map(|p| p.trim().replace(',', ".").parse::<f32>());
    let lo = parts.next()?.ok()?;
    let hi = match parts.next() {
        Some(hi) => hi.ok()?,
        None => lo,
    };
    (lo <= hi).then_some((lo, hi))
}

fn chart(product: &Product) -> Vec<Row> {
    let Some(rows) = product
        .attributes
        .get("size_chart")
        .and_then(|c| c.as_array())
    else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|row| {
            let size = row.get("size").and_then(text_of)?;
            let ranges = KINDS
                .iter()
                .filter_map(|kind| {
                    let (lo, hi) = range(&row.get(field(*kind)).and_then(text_of)?)?;
                    Some((*kind, lo, hi))
                })
                .collect();
            Some(Row {
                size,
                ru: row.get("ru").and_then(text_of),
                ranges,
            })
        })
        .collect()
}

/// The sizes the card sells, with their stock; empty when the card does not list them.
pub fn sizes(product: &Product) -> Vec<(String, i64)> {
    product
        .attributes
        .get("sizes")
        .and_then(|s| s.as_array())
        .map(|sizes| {
            sizes
                .iter()
                .filter_map(|s| {
                    let size = s.get("size").and_then(text_of)?;
                    let stock = s.get("stock").and_then(|v| v.as_i64()).unwrap_or(0);
                    Some((size, stock))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn same_size(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// How far `value` is from a row's range for `kind`, relative to the range's scale, so
/// centimetres of height and of chest weigh alike; `None` when the row has no such range.
fn distance(row: &Row, kind: MeasurementKind, value: f32) -> Option<f32> {
    let (_, lo, hi) = row.ranges.iter().find(|(k, _, _)| *k == kind)?;
    let off = if value < *lo {
        lo - value
    } else if value > *hi {
        value - hi
    } else {
        0.0
    };
    Some(off / hi.max(1.0))
}

/// A number as people write it in the reply's language: «25,5» in Russian.
fn number(speech: Speech, value: f32) -> String {
    let text = if (value - value.round()).abs() < 0.05 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    };
    match speech.language() {
        otklik_nlu::Language::En => text,
        _ => text.replace('.', ","),
    }
}

fn measured(speech: Speech, kind: MeasurementKind, value: f32, form: &str) -> String {
    speech.text(
        &format!("measure-{}-{form}", field(kind)),
        &[("value", Arg::Owned(number(speech, value)))],
    )
}

/// The size with its Russian numeric size beside it when the card uses letters: «M (46–48)».
fn labelled(speech: Speech, row: &Row) -> String {
    match &row.ru {
        Some(ru) if !same_size(ru, &row.size) => speech.text(
            "size-labelled",
            &[
                ("size", Arg::Text(&row.size)),
                ("ru", Arg::Owned(ru.replace('-', "–"))),
            ],
        ),
        _ => row.size.clone(),
    }
}

/// Size advice for the shopper's measurements, or the chart and a request for them. `None`
/// when the card has no chart.
pub fn advise(
    speech: Speech,
    product: &Product,
    measurements: &[Measurement],
    sizes_named: &[String],
) -> Option<String> {
    let rows = chart(product);
    if rows.is_empty() {
        return None;
    }
    let sold = sizes(product);
    // Only the sizes the item is sold in; a chart may describe more.
    let offered: Vec<&Row> = if sold.is_empty() {
        rows.iter().collect()
    } else {
        rows.iter()
            .filter(|row| sold.iter().any(|(size, _)| same_size(size, &row.size)))
            .collect()
    };
    if offered.is_empty() {
        return None;
    }
    let title = product.title.as_str();
    let usable: Vec<&Measurement> = measurements
        .iter()
        .filter(|m| {
            rows.iter()
                .any(|row| distance(row, m.kind, m.value).is_some())
        })
        .collect();
    if usable.is_empty() {
        if let Some(text) = from_named_size(speech, &rows, &offered, &sold, sizes_named) {
            return Some(text);
        }
        return Some(show_chart(
            speech,
            title,
            &offered,
            !measurements.is_empty(),
        ));
    }

    let score = |row: &Row| -> f32 {
        usable
            .iter()
            .filter_map(|m| distance(row, m.kind, m.value))
            .sum()
    };
    // Among equally good sizes the larger one, so the item is not tight.
    let best_of = |candidates: &[&Row]| -> Option<Row> {
        candidates
            .iter()
            .enumerate()
            .min_by(|(i, a), (j, b)| score(a).total_cmp(&score(b)).then(j.cmp(i)))
            .map(|(_, row)| (*row).clone())
    };
    let all: Vec<&Row> = rows.iter().collect();
    let best_anywhere = best_of(&all)?;
    let best = best_of(&offered)?;

    let mut sentences = Vec::new();
    let said: Vec<String> = usable
        .iter()
        .map(|m| measured(speech, m.kind, m.value, "at"))
        .collect();
    let measures = join(speech, &said);

    // Each measurement on its own may point at different sizes: when no size suits them all,
    // say which each points at and advise the larger.
    let fitting: Vec<(MeasurementKind, Vec<usize>)> = usable
        .iter()
        .filter_map(|m| {
            let distances: Vec<(usize, f32)> = offered
                .iter()
                .enumerate()
                .filter_map(|(i, row)| distance(row, m.kind, m.value).map(|d| (i, d)))
                .collect();
            let nearest = distances
                .iter()
                .map(|(_, d)| *d)
                .fold(f32::INFINITY, f32::min);
            let rows: Vec<usize> = distances
                .iter()
                .filter(|(_, d)| (d - nearest).abs() < 1e-6)
                .map(|(i, _)| *i)
                .collect();
            (!rows.is_empty()).then_some((m.kind, rows))
        })
        .collect();
    let shared = fitting.iter().skip(1).fold(
        fitting
            .first()
            .map(|(_, rows)| rows.clone())
            .unwrap_or_default(),
        |acc, (_, rows)| acc.into_iter().filter(|i| rows.contains(i)).collect(),
    );
    let split = fitting.len() > 1 && shared.is_empty();
    let best_index = offered
        .iter()
        .position(|row| same_size(&row.size, &best.size))
        .unwrap_or(0);
    // The size each measurement points at: of its equally good ones, the nearest to the best.
    let by_each: Vec<(MeasurementKind, Row)> = fitting
        .iter()
        .filter_map(|(kind, rows)| {
            let pick = rows
                .iter()
                .min_by_key(|i| i.abs_diff(best_index))
                .copied()?;
            Some((*kind, offered[pick].clone()))
        })
        .collect();
    let best = if split {
        by_each
            .iter()
            .filter_map(|(_, row)| offered.iter().position(|o| same_size(&o.size, &row.size)))
            .max()
            .map_or(best, |i| offered[i].clone())
    } else {
        best
    };

    if !same_size(&best_anywhere.size, &best.size) {
        sentences.push(speech.text(
            "size-not-sold",
            &[
                ("measures", Arg::Owned(measures.clone())),
                ("size", Arg::Owned(labelled(speech, &best_anywhere))),
                ("title", Arg::Text(title)),
                ("sizes", Arg::Owned(offered_list(&offered))),
            ],
        ));
    } else if split {
        let parts: Vec<String> = by_each
            .iter()
            .map(|(kind, row)| {
                speech.text(
                    &format!("size-by-{}", field(*kind)),
                    &[("size", Arg::Owned(labelled(speech, row)))],
                )
            })
            .collect();
        sentences.push(speech.text(
            "size-split",
            &[
                ("title", Arg::Text(title)),
                ("parts", Arg::Owned(parts.join(", "))),
                ("size", Arg::Owned(labelled(speech, &best))),
            ],
        ));
    } else if outside_chart(&rows, &usable) {
        sentences.push(speech.text(
            "size-nearest",
            &[
                ("title", Arg::Text(title)),
                ("measures", Arg::Owned(measures)),
                ("size", Arg::Owned(labelled(speech, &best))),
            ],
        ));
    } else {
        sentences.push(speech.text(
            "size-fits",
            &[
                ("title", Arg::Text(title)),
                ("measures", Arg::Owned(measures)),
                ("size", Arg::Owned(labelled(speech, &best))),
            ],
        ));
    }

    // Outside the chart: the advice is the nearest size, and the shopper should know it.
    for m in &usable {
        let bounds: Vec<(f32, f32)> = rows
            .iter()
            .filter_map(|row| row.ranges.iter().find(|(k, _, _)| *k == m.kind))
            .map(|(_, lo, hi)| (*lo, *hi))
            .collect();
        let lowest = bounds.iter().map(|b| b.0).fold(f32::INFINITY, f32::min);
        let highest = bounds.iter().map(|b| b.1).fold(f32::NEG_INFINITY, f32::max);
        let (id, limit) = if m.value > highest {
            ("size-above-chart", highest)
        } else if m.value < lowest {
            ("size-below-chart", lowest)
        } else {
            continue;
        };
        sentences.push(speech.text(
            id,
            &[
                (
                    "measure",
                    Arg::Owned(measured(speech, m.kind, m.value, "is")),
                ),
                ("limit", Arg::Owned(number(speech, limit))),
            ],
        ));
    }

    if same_size(&best_anywhere.size, &best.size) {
        sentences.push(stock_note(speech, &sold, &best.size));
    }
    Some(
        sentences
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Whether any measurement falls outside every row of the chart.
fn outside_chart(rows: &[Row], usable: &[&Measurement]) -> bool {
    usable.iter().any(|m| {
        let bounds: Vec<(f32, f32)> = rows
            .iter()
            .filter_map(|row| row.ranges.iter().find(|(k, _, _)| *k == m.kind))
            .map(|(_, lo, hi)| (*lo, *hi))
            .collect();
        !bounds.is_empty()
            && bounds.iter().all(|(lo, hi)| m.value < *lo || m.value > *hi)
            && (m.value < bounds.iter().map(|b| b.0).fold(f32::INFINITY, f32::min)
                || m.value > bounds.iter().map(|b| b.1).fold(f32::NEG_INFINITY, f32::max))
    })
}

fn offered_list(offered: &[&Row]) -> String {
    offered
        .iter()
        .map(|row| row.size.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the advised size can be bought now, and which can if not.
fn stock_note(speech: Speech, sold: &[(String, i64)], size: &str) -> String {
    if sold.is_empty() {
        return String::new();
    }
    let available: Vec<&str> = sold
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| s.as_str())
        .collect();
    match sold.iter().find(|(s, _)| same_size(s, size)) {
        Some((_, n)) if *n > 0 => speech.text("size-in-stock", &[]),
        _ if available.is_empty() => speech.text("size-none-in-stock", &[]),
        _ => speech.text(
            "size-out-of-stock",
            &[("available", Arg::Owned(available.join(", ")))],
        ),
    }
}

/// «ношу 48»: the card's size for the shopper's usual Russian size.
fn from_named_size(
    speech: Speech,
    rows: &[Row],
    offered: &[&Row],
    sold: &[(String, i64)],
    named: &[String],
) -> Option<String> {
    let named = named.first()?;
    let value: f32 = named
        .split(['-', '–'])
        .next()?
        .replace(',', ".")
        .parse()
        .ok()?;
    let row = rows.iter().find(|row| {
        row.ru
            .as_deref()
            .and_then(range)
            .is_some_and(|(lo, hi)| (lo..=hi).contains(&value))
            && !same_size(&row.size, named)
    })?;
    let on_sale = offered.iter().any(|o| same_size(&o.size, &row.size));
    let mut text = speech.text(
        "size-maps",
        &[("ru", Arg::Text(named)), ("size", Arg::Text(&row.size))],
    );
    text.push(' ');
    if on_sale {
        text.push_str(&stock_note(speech, sold, &row.size));
    } else {
        text.push_str(&speech.text(
            "size-not-offered",
            &[("sizes", Arg::Owned(offered_list(offered)))],
        ));
    }
    Some(text.trim_end().to_owned())
}

/// The chart, briefly, and what to write for advice.
fn show_chart(speech: Speech, title: &str, offered: &[&Row], unusable: bool) -> String {
    let lines: Vec<String> = offered
        .iter()
        .map(|row| {
            let ranges: Vec<String> = row
                .ranges
                .iter()
                .map(|(kind, lo, hi)| {
                    let span = if (hi - lo).abs() < f32::EPSILON {
                        number(speech, *lo)
                    } else {
                        format!("{}–{}", number(speech, *lo), number(speech, *hi))
                    };
                    speech.text(
                        &format!("chart-{}", field(*kind)),
                        &[("span", Arg::Owned(span))],
                    )
                })
                .collect();
            format!("{} — {}", labelled(speech, row), ranges.join(", "))
        })
        .collect();
    let asks: Vec<String> = KINDS
        .iter()
        .filter(|kind| {
            offered
                .iter()
                .any(|row| row.ranges.iter().any(|(k, _, _)| k == *kind))
        })
        .take(2)
        .map(|kind| speech.text(&format!("measure-{}-name", field(*kind)), &[]))
        .collect();
    speech.text(
        if unusable {
            "size-chart-other-measures"
        } else {
            "size-chart"
        },
        &[
            ("title", Arg::Text(title)),
            ("rows", Arg::Owned(lines.join("\n"))),
            ("asks", Arg::Owned(join(speech, &asks))),
        ],
    )
}

fn join(speech: Speech, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => speech.text(
            "list-and",
            &[
                ("first", Arg::Owned(rest.join(", "))),
                ("last", Arg::Text(last)),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jacket(sizes: serde_json::Value) -> Product {
        Product {
            id: 1,
            external_id: "139204857".into(),
            vendor_code: "PUH-01".into(),
            title: "Пуховик женский удлинённый".into(),
            brand: "Север".into(),
            price_minor: None,
            currency: "RUB".into(),
            stock: Some(7),
            attributes: json!({
                "sizes": sizes,
                "size_chart": [
                    {"size": "S", "ru": "42-44", "height": "158-166", "chest": "82-88"},
                    {"size": "M", "ru": "46-48", "height": "164-172", "chest": "89-96"},
                    {"size": "L", "ru": "50", "height": "168-176", "chest": "97-102"},
                    {"size": "XL", "ru": "52", "height": "170-180", "chest": "103-108"}
                ]
            }),
        }
    }

    fn m(kind: MeasurementKind, value: f32) -> Measurement {
        Measurement { kind, value }
    }

    #[test]
    fn advice_stays_within_the_sizes_sold_and_says_when_outside_the_chart() {
        let sold = json!([
            {"size": "S", "stock": 2}, {"size": "M", "stock": 5},
            {"size": "L", "stock": 0}, {"size": "XL", "stock": 1}
        ]);
        let speech = Speech::RUSSIAN;
        let fits = advise(
            speech,
            &jacket(sold.clone()),
            &[
                m(MeasurementKind::Height, 170.0),
                m(MeasurementKind::Chest, 92.0),
            ],
            &[],
        )
        .unwrap_or_default();
        assert!(
            fits.contains("подойдёт размер M (46–48 по российской сетке)"),
            "{fits}"
        );
        assert!(fits.contains("есть в наличии"), "{fits}");

        let tall = advise(
            speech,
            &jacket(sold),
            &[
                m(MeasurementKind::Height, 182.0),
                m(MeasurementKind::Chest, 104.0),
            ],
            &[],
        )
        .unwrap_or_default();
        assert!(tall.contains("XL"), "{tall}");
        assert!(tall.contains("182"), "outside the chart is said: {tall}");
        assert!(tall.contains("180"), "{tall}");

        let only_small = json!([{"size": "S", "stock": 2}, {"size": "M", "stock": 5}]);
        let big = advise(
            speech,
            &jacket(only_small),
            &[
                m(MeasurementKind::Height, 182.0),
                m(MeasurementKind::Chest, 104.0),
            ],
            &[],
        )
        .unwrap_or_default();
        assert!(!big.contains("подойдёт размер"), "{big}");
        assert!(big.contains("S, M"), "the sizes sold are named: {big}");

        let split = advise(
            speech,
            &jacket(json!([])),
            &[
                m(MeasurementKind::Height, 162.0),
                m(MeasurementKind::Chest, 99.0),
            ],
            &[],
        )
        .unwrap_or_default();
        assert!(split.contains("по росту подходит S"), "{split}");
        assert!(split.contains("по обхвату груди — L"), "{split}");
        assert!(split.contains("Советую L"), "the larger: {split}");

        let small = advise(
            speech,
            &jacket(json!([{"size": "S", "stock": 2}, {"size": "M", "stock": 5}])),
            &[
                m(MeasurementKind::Height, 150.0),
                m(MeasurementKind::Chest, 78.0),
            ],
            &[],
        )
        .unwrap_or_default();
        assert!(small.contains("меньше, чем предусматривает"), "{small}");
    }
}
