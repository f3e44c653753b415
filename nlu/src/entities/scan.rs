//! The raw text as words, numbers and punctuation with their byte spans, so the entity rules
//! can look at a number's neighbours («рост 170», «46 маломерит», «арт. 1234567»).

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters (any script) with inner apostrophes: `oʻlcham`, `i'm`.
    Word,
    /// Digits, with a decimal part when it reads as one (`25,5`, `1.70`; not `42,44`).
    Number,
    /// Any other visible character; a line break is one too.
    Punct,
}

#[derive(Debug, Clone)]
pub struct Token<'a> {
    pub kind: Kind,
    /// As written.
    pub raw: &'a str,
    /// Lower case, apostrophes unified; for numbers the digits with `.` as the decimal point.
    pub text: String,
    /// Whitespace separates it from the token before.
    pub spaced: bool,
}

impl Token<'_> {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    pub fn is_number(&self) -> bool {
        self.kind == Kind::Number
    }

    pub fn is_punct(&self, chars: &str) -> bool {
        self.kind == Kind::Punct && self.raw.chars().all(|c| chars.contains(c))
    }

    /// The number's value; `None` for other tokens.
    pub fn value(&self) -> Option<f32> {
        if self.is_number() {
            self.text.parse().ok()
        } else {
            None
        }
    }

    /// Digits before the decimal point.
    pub fn int_digits(&self) -> usize {
        self.text.split('.').next().map_or(0, str::len)
    }

    pub fn is_decimal(&self) -> bool {
        self.text.contains('.')
    }

    /// A word written in upper case (`ОТ`, `XL`), as opposed to «от».
    pub fn is_upper(&self) -> bool {
        self.raw.chars().any(char::is_alphabetic)
            && self
                .raw
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
    }

    pub fn starts_upper(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }
}

/// A letter, checked for Latin and Cyrillic without the general Unicode table.
pub fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || ('\u{0400}'..='\u{04FF}').contains(&c)
        || (!c.is_ascii() && c.is_alphabetic())
}

pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | 'ʻ' | 'ʼ' | '’' | '‘' | '`')
}

/// Splits text into tokens. Never fails; whitespace only separates.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(text.len() / 4 + 1);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(at, _)| at);
    let mut i = 0;
    let mut spaced = true;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c == '\n' {
            out.push(Token {
                kind: Kind::Punct,
                raw: &text[start..start + 1],
                text: "\n".to_owned(),
                spaced,
            });
            spaced = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        let (kind, next) = if c.is_ascii_digit() {
            (Kind::Number, number_end(&chars, i))
        } else if is_letter(c) {
            let mut j = i + 1;
            while j < chars.len() {
                let c = chars[j].1;
                let inner_apostrophe =
                    is_apostrophe(c) && chars.get(j + 1).is_some_and(|n| is_letter(n.1));
                if is_letter(c) || inner_apostrophe {
                    j += 1;
                } else {
                    break;
                }
            }
            (Kind::Word, j)
        } else {
            (Kind::Punct, i + 1)
        };
        let end = end_of(next);
        let raw = &text[start..end];
        let text = match kind {
            Kind::Word => raw
                .chars()
                .map(|c| {
                    if is_apostrophe(c) {
                        '\''
                    } else {
                        crate::text::lower(c)
                    }
                })
                .collect(),
            Kind::Number => raw.replace(',', "."),
            Kind::Punct => raw.to_owned(),
        };
        out.push(Token {
            kind,
            raw,
            text,
            spaced,
        });
        spaced = false;
        i = next;
    }
    out
}

/// Where a run of digits starting at `i` ends, taking a decimal part only when it reads as
/// one: one digit after the point (`25,5`), or two after a single digit (`1,70`). `42,44` is a
/// list and `12.05` a date.
fn number_end(chars: &[(usize, char)], i: usize) -> usize {
    let digits_from = |mut j: usize| {
        while j < chars.len() && chars[j].1.is_ascii_digit() {
            j += 1;
        }
        j
    };
    let int_end = digits_from(i);
    let Some(&(_, point)) = chars.get(int_end) else {
        return int_end;
    };
    if !matches!(point, '.' | ',') || !chars.get(int_end + 1).is_some_and(|c| c.1.is_ascii_digit())
    {
        return int_end;
    }
    let frac_end = digits_from(int_end + 1);
    let (int_len, frac_len) = (int_end - i, frac_end - int_end - 1);
    // A third group (`12.05.2024`, `1.5.3`) makes it a date or a version, not a decimal.
    let another_group = chars.get(frac_end).is_some_and(|c| {
        matches!(c.1, '.' | ',')
            && chars
                .get(frac_end + 1)
                .is_some_and(|d| d.1.is_ascii_digit())
    });
    if !another_group && (frac_len == 1 || (frac_len == 2 && int_len == 1)) {
        frac_end
    } else {
        int_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn decimals_lists_and_dates() {
        assert_eq!(texts("нога 25,5 см"), ["нога", "25.5", "см"]);
        assert_eq!(texts("рост 1,70"), ["рост", "1.70"]);
        assert_eq!(texts("42,44"), ["42", ",", "44"]);
        assert_eq!(texts("12.05.2024"), ["12", ".", "05", ".", "2024"]);
        assert_eq!(texts("арт.1234567"), ["арт", ".", "1234567"]);
        assert_eq!(texts("46-й Oʻlcham"), ["46", "-", "й", "o'lcham"]);
    }
}
