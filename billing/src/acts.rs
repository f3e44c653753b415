//! The act (акт оказанных услуг) for a paid period: the closing document a Russian company's
//! accountant files for each payment. Rendered as a printable HTML page (A4, the browser's
//! «Печать → Сохранить как PDF» makes the PDF): no font or PDF engine to ship, and Cyrillic
//! renders with whatever fonts the reader has.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Moscow;

use crate::amounts::thousands;
use crate::requisites::Requisites;

/// What an act states.
#[derive(Debug, Clone)]
pub struct Act<'a> {
    /// The act's number: the payment's own.
    pub number: i64,
    /// When the payment was made (the act's date, in Moscow time).
    pub paid_at: DateTime<Utc>,
    /// Who provided the service, as configured (`OTKLIK_SUPPLIER_REQUISITES`).
    pub supplier: &'a str,
    pub customer: &'a Requisites,
    /// The plan's name, e.g. `Business`.
    pub plan: &'a str,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// In kopecks, refunds taken off.
    pub amount: i64,
    /// ЮKassa's `vat_code` the receipts carry: 1 is no VAT.
    pub vat_code: u8,
}

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// `1 декабря 2026 г.` in Moscow time.
fn date(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Moscow).date_naive();
    format!(
        "{} {} {} г.",
        local.day(),
        MONTHS[local.month0() as usize],
        local.year()
    )
}

/// `39 900,00` (a no-break space between thousands), from kopecks.
pub fn roubles(kopecks: i64) -> String {
    format!("{},{:02}", thousands(kopecks / 100), kopecks % 100)
}

/// The VAT included in `kopecks` at the receipts' `vat_code`, and its rate in percent; `None`
/// without VAT.
fn vat(kopecks: i64, vat_code: u8) -> Option<(i64, i64)> {
    let rate = match vat_code {
        3 | 5 => 10,
        4 | 6 => 20,
        7 | 9 => 5,
        8 | 10 => 7,
        11 | 12 => 22,
        _ => return None,
    };
    // Rounded to the kopeck, half up.
    Some((
        (kopecks * rate * 2 + (100 + rate)) / (2 * (100 + rate)),
        rate,
    ))
}

/// Text safe inside HTML elements and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's style, also what its Content-Security-Policy allows by hash.
pub const STYLE: &str = "@page{size:A4;margin:20mm}body{font:14px/1.45 'DejaVu Serif','Times New Roman',serif;\
color:#000;max-width:180mm;margin:0 auto;padding:8mm 0}h1{font-size:18px;text-align:center;margin:0 0 16px}\
table{width:100%;border-collapse:collapse;margin:12px 0}th,td{border:1px solid #000;padding:4px 6px;\
vertical-align:top}td.n{text-align:right;white-space:nowrap}.parties td{border:0;padding:2px 0}\
.parties td:first-child{width:28%;font-weight:bold}.total{text-align:right}.signs{display:flex;gap:12mm;margin-top:16mm}\
.signs div{flex:1}.line{border-bottom:1px solid #000;height:10mm;margin-bottom:2px}";

impl Act<'_> {
    /// The act as a standalone printable page.
    pub fn html(&self) -> String {
        let total = roubles(self.amount);
        let vat = match vat(self.amount, self.vat_code) {
            Some((vat, rate)) => format!("В том числе НДС {rate}%: {} руб.", roubles(vat)),
            None => "Без НДС.".to_owned(),
        };
        let service = format!(
            "Предоставление доступа к сервису Otklik по тарифу «{plan}» за период с {from} по {to}",
            plan = escape(self.plan),
            from = date(self.period_start),
            to = date(self.period_end),
        );
        format!(
            "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
<title>Акт № {number} от {date}</title><style>{STYLE}</style></head><body>\
<h1>Акт № {number} от {date}<br>об оказании услуг</h1>\
<table class=\"parties\"><tr><td>Исполнитель:</td><td>{supplier}</td></tr>\
<tr><td>Заказчик:</td><td>{customer}</td></tr>\
<tr><td>Основание:</td><td>оплата подписки, платёж № {number}</td></tr></table>\
<table><thead><tr><th>№</th><th>Наименование услуги</th><th>Кол-во</th><th>Ед.</th>\
<th>Цена, руб.</th><th>Сумма, руб.</th></tr></thead><tbody><tr><td class=\"n\">1</td>\
<td>{service}</td><td class=\"n\">1</td><td>усл.</td><td class=\"n\">{total}</td>\
<td class=\"n\">{total}</td></tr></tbody></table>\
<p class=\"total\"><b>Итого: {total} руб.</b><br>{vat}</p>\
<p>Всего оказано услуг на сумму {total} руб. Услуги оказаны полностью и в срок. \
Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.</p>\
<div class=\"signs\"><div><b>Исполнитель</b><div class=\"line\"></div>подпись, расшифровка</div>\
<div><b>Заказчик</b><div class=\"line\"></div>подпись, расшифровка</div></div>\
</body></html>",
            number = self.number,
            date = date(self.paid_at),
            supplier = escape(self.supplier),
            customer = escape(&self.customer.to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn amounts_are_written_as_russian_documents_write_them() {
        assert_eq!(roubles(3_990_000), "39\u{a0}900,00");
        assert_eq!(roubles(123_456_789), "1\u{a0}234\u{a0}567,89");
        assert_eq!(roubles(5), "0,05");
        assert_eq!(vat(12_000, 4), Some((2_000, 20)));
        assert_eq!(vat(12_000, 1), None);
    }

    #[test]
    fn the_act_names_both_parties_the_period_and_the_sum_escaped() {
        let customer = Requisites {
            legal_name: "ООО «Север & <Юг>»".into(),
            inn: "7707083893".into(),
            kpp: Some("773601001".into()),
            ogrn: "1027700132195".into(),
            address: "г. Москва".into(),
        };
        let at = |d| {
            Utc.with_ymd_and_hms(2026, 12, d, 12, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let act = Act {
            number: 42,
            paid_at: at(1),
            supplier: "ООО «Отклик», ИНН 7700000000",
            customer: &customer,
            plan: "Business",
            period_start: at(1),
            period_end: at(31),
            amount: 3_990_000,
            vat_code: 1,
        };
        let page = act.html();
        assert!(page.contains("Акт № 42 от 1 декабря 2026 г."), "{page}");
        assert!(page.contains("ООО «Север &amp; &lt;Юг&gt;», ИНН 7707083893, КПП 773601001"));
        assert!(page.contains("с 1 декабря 2026 г. по 31 декабря 2026 г."));
        assert!(page.contains("Итого: 39\u{a0}900,00 руб."));
        assert!(page.contains("Без НДС."));
        assert!(!page.contains("<Юг>"));
    }
}
