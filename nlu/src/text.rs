//! One spelling for every way a shopper can write the same word.
//!
//! Cyrillic is transliterated and Latin input is folded with the same rules, so «где мой
//! заказ», «gde moi zakaz» and «gde moj zakaz» meet in one form (`gde moi zakaz`). Kazakh and
//! Uzbek letters fold to their nearest Latin ones, so Uzbek in either script meets itself
//! («қачон», «qachon» → `kachon`; «бўлади», «bo'ladi» → `boladi`) and Kazakh typed without
//! its letters meets Kazakh typed with them. None of these letters occur in Russian, so the
//! Russian forms are unchanged. The classifier is trained and run on this form only. Shared
//! with the build script.

/// A token of the canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    /// A run of digits, kept only by its shape: the value carries no intent.
    Number(NumberShape),
    /// An emoji or a pictograph, kept as itself: 🙏 and 😡 say a lot.
    Symbol(char),
    Question,
    Exclamation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberShape {
    Short,
    Medium,
    Long,
    /// An Ozon posting number: `12345678-0012-1`.
    Posting,
}

impl NumberShape {
    pub const fn as_str(self) -> &'static str {
        match self {
            NumberShape::Short => "#n2",
            NumberShape::Medium => "#n4",
            NumberShape::Long => "#nlong",
            NumberShape::Posting => "#posting",
        }
    }

    fn of_len(len: usize) -> NumberShape {
        match len {
            0..=2 => NumberShape::Short,
            3..=6 => NumberShape::Medium,
            _ => NumberShape::Long,
        }
    }
}

/// The Latin spelling of one lower-case Cyrillic letter, before folding.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'й' | 'ы' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ъ' | 'ь' => "",
        'ю' => "iu",
        'я' => "ia",
        // Kazakh, Kyrgyz and Uzbek letters, and Belarusian «і»
        'ә' => "a",
        'ғ' => "g",
        'қ' => "k",
        'ң' => "n",
        'ө' => "o",
        'ұ' | 'ү' => "u",
        'һ' | 'ҳ' => "h",
        'і' => "i",
        // Uzbek «ў» is Latin «oʻ»
        'ў' => "o",
        _ => return None,
    })
}

/// Folds the spelling variants of transliteration into one: `shch`/`sch` → `sh`, `kh`/`x` → `h`,
/// `ts`/`tz` → `c`, `y`/`j` → `i`, `ie` → `e`, doubled letters → one.
fn fold(word: &str) -> String {
    let mut s = word
        .replace("shch", "sh")
        .replace("sch", "sh")
        .replace("kh", "h")
        .replace('x', "h")
        .replace("ts", "c")
        .replace("tz", "c")
        .replace(['y', 'j'], "i")
        .replace('w', "v")
        .replace('q', "k");
    s = s.replace("ie", "e");
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Lower case without the general Unicode tables for Latin and Russian letters, the bulk of
/// every message.
pub fn lower(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'Ё' => 'ё',
        c if c.is_ascii() => c,
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

fn is_symbol(c: char) -> bool {
    let cp = c as u32;
    (0x1F300..=0x1FAFF).contains(&cp) || (0x2600..=0x27BF).contains(&cp)
}

/// Splits text into canonical tokens. Never fails; unknown characters separate words.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let flush_word = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            let folded = fold(word);
            if !folded.is_empty() {
                out.push(Token::Word(folded));
            }
            word.clear();
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            flush_word(&mut word, &mut out);
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let run = run.trim_end_matches('-');
            let parts: Vec<&str> = run.split('-').collect();
            if parts.len() == 3 && parts[0].len() >= 5 && parts.iter().all(|p| !p.is_empty()) {
                out.push(Token::Number(NumberShape::Posting));
            } else {
                for part in parts.into_iter().filter(|p| !p.is_empty()) {
                    out.push(Token::Number(NumberShape::of_len(part.len())));
                }
            }
            continue;
        }
        let lower = lower(c);
        if let Some(latin) = cyrillic(lower) {
            word.push_str(latin);
        } else if lower.is_ascii_lowercase() {
            word.push(lower);
        } else if matches!(lower, '\'' | '`' | 'ʻ' | 'ʼ' | '’' | '‘') {
            // A soft sign in transliteration, dropped like 'ь'; in Uzbek Latin the mark of oʻ
            // and gʻ, dropped like the difference between «ў» and «у».
        } else {
            flush_word(&mut word, &mut out);
            match c {
                '?' => out.push(Token::Question),
                '!' => out.push(Token::Exclamation),
                c if is_symbol(c) => out.push(Token::Symbol(c)),
                _ => {}
            }
        }
        i += 1;
    }
    flush_word(&mut word, &mut out);
    out
}

/// The canonical form as one string of words, for caches and logs.
pub fn canonical(text: &str) -> String {
    let mut out = String::new();
    for token in tokens(text) {
        let piece = match &token {
            Token::Word(w) => w.as_str(),
            Token::Number(shape) => shape.as_str(),
            _ => continue,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out
}
