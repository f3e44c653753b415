//! Amounts as Russian documents and replies write them: thousands apart by a no-break space.

/// `39 900` for 39900, with a no-break space (U+00A0) between thousands, so the number never
/// breaks across lines.
pub fn thousands(whole: i64) -> String {
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2 + 1);
    if whole < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_set_apart() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8990), "8\u{a0}990");
        assert_eq!(thousands(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(thousands(-1500), "-1\u{a0}500");
    }
}
