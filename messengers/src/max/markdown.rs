//! MAX's Markdown dialect (`format: "markdown"`, CommonMark-based): `*`/`_` emphasis,
//! `**`/`__` strong, `~~` strike-through, `++` underline, `^^` highlight, `` ` `` code,
//! `[text](url)` links, `# ` headings and `> ` quotes. Plain text is sent with each character
//! that could open one of these escaped by a backslash (CommonMark's escape), so a reply shows
//! exactly as written. Only what the dialect uses is escaped: a parser that knows fewer
//! escapes than CommonMark must not show stray backslashes in «2-3 дня».

/// Characters that delimit inline markup wherever they stand, and the escape itself.
const INLINE: &[char] = &['\\', '*', '_', '~', '+', '^', '`', '[', ']'];
/// Characters that start a block (heading, quote) only at the start of a line.
const LINE_START: &[char] = &['#', '>'];

/// `text` as MAX Markdown that renders back to `text`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut line_start = true;
    for c in text.chars() {
        if INLINE.contains(&c) || (line_start && LINE_START.contains(&c)) {
            out.push('\\');
        }
        out.push(c);
        line_start = c == '\n' || (line_start && c == ' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_letters_are_not() {
        assert_eq!(escape("Заказ 1456789012"), "Заказ 1456789012");
        assert_eq!(escape("*важно*"), r"\*важно\*");
        assert_eq!(escape("__жирный__ ~~нет~~"), r"\_\_жирный\_\_ \~\~нет\~\~");
        assert_eq!(
            escape("++под++ ^^красный^^"),
            r"\+\+под\+\+ \^\^красный\^\^"
        );
        assert_eq!(escape("[сайт](http://x.ru)"), r"\[сайт\](http://x.ru)");
        assert_eq!(escape("# 1\n  > цитата"), "\\# 1\n  \\> цитата");
        assert_eq!(
            escape("заказ #12, 2-3 дня, 5 > 3"),
            "заказ #12, 2-3 дня, 5 > 3"
        );
        assert_eq!(escape(r"C:\путь"), r"C:\\путь");
        assert_eq!(escape("`код`"), r"\`код\`");
    }
}
