//! Reading knowledge articles from the files sellers already have: a spreadsheet saved as CSV
//! (`title,body,category,tags`; comma or, as Russian Excel saves it, semicolon separated) or a
//! Markdown document of `# Title` sections. Parsing only splits the file into entries; each
//! entry is checked like an article sent as JSON, so a bad row is reported and the rest go in.

use crate::problems::Problem;

/// One article found in a file, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it starts: the CSV record number (the header is 1, as a spreadsheet numbers
    /// rows) or the line of its Markdown heading.
    pub row: usize,
    pub title: String,
    pub body: String,
    pub category: String,
    pub tags: Vec<String>,
}

/// A part of the file that is no article, and why: `{row, field, code, message}` and the
/// problem's parameters, as a field error without the row in its message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: &'static str,
    #[serde(flatten)]
    pub problem: Problem,
    message: String,
}

impl RowError {
    pub fn new(row: usize, field: &'static str, problem: Problem) -> Self {
        Self {
            row,
            field,
            message: problem.to_string(),
            problem,
        }
    }
}

/// The file as a whole cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("the file is empty")]
    Empty,
    #[error("the first line must name the columns: title, body, and optionally category, tags")]
    MissingColumns,
    #[error("unknown column `{0}`; the columns are title, body, category, tags")]
    UnknownColumn(String),
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("row {0}: a quoted field is never closed")]
    Unclosed(usize),
}

const COLUMNS: [&str; 4] = ["title", "body", "category", "tags"];

/// Entries of a CSV file with a header row; rows with the wrong number of fields are errors.
pub fn csv(text: &str) -> Result<(Vec<Entry>, Vec<RowError>), FormatError> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        ';'
    } else {
        ','
    };
    let mut records = records(text, delimiter)?.into_iter();
    let (_, header) = records.next().ok_or(FormatError::Empty)?;
    let mut positions: [Option<usize>; 4] = [None; 4];
    for (index, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        let column = COLUMNS
            .iter()
            .position(|known| *known == name)
            .ok_or_else(|| FormatError::UnknownColumn(name.clone()))?;
        if positions[column].replace(index).is_some() {
            return Err(FormatError::DuplicateColumn(name));
        }
    }
    let [Some(title), Some(body), category, tags] = positions else {
        return Err(FormatError::MissingColumns);
    };
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (row, fields) in records {
        if fields.len() != header.len() {
            errors.push(RowError::new(
                row,
                "row",
                Problem::WrongFieldCount {
                    expected: header.len(),
                    found: fields.len(),
                },
            ));
            continue;
        }
        let column = |index: Option<usize>| index.map_or("", |index| fields[index].as_str());
        entries.push(Entry {
            row,
            title: column(Some(title)).to_owned(),
            body: column(Some(body)).to_owned(),
            category: column(category).to_owned(),
            tags: split_tags(column(tags)),
        });
    }
    Ok((entries, errors))
}

/// RFC 4180 records with their numbers, blank lines skipped: fields may be quoted, a quoted
/// field may hold delimiters, line breaks and doubled quotes.
fn records(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>, FormatError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    // Whether the field began with a quote: only then does a quote end it.
    let mut was_quoted = false;
    let mut row = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
                push_record(&mut records, row, std::mem::take(&mut fields));
                row += 1;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(FormatError::Unclosed(row));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        fields.push(field);
        push_record(&mut records, row, fields);
    }
    Ok(records)
}

fn push_record(records: &mut Vec<(usize, Vec<String>)>, row: usize, fields: Vec<String>) {
    let blank = fields.len() == 1 && fields[0].trim().is_empty();
    if !blank {
        records.push((row, fields));
    }
}

/// Tags as a spreadsheet cell holds them: `доставка, сроки` or `доставка; сроки`.
fn split_tags(cell: &str) -> Vec<String> {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Entries of a Markdown document: each `# Title` starts an article whose body runs to the
/// next one. `Category:`/`Категория:` and `Tags:`/`Теги:` lines right under a heading label
/// it. Headings inside fenced code are text.
pub fn markdown(text: &str) -> (Vec<Entry>, Vec<RowError>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut in_fence = false;
    // Whether the current section may still have label lines (nothing else came yet).
    let mut labels = false;
    for (index, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let heading = (!in_fence)
            .then(|| {
                line.strip_prefix("# ")
                    .or((line.trim_end() == "#").then_some(""))
            })
            .flatten();
        if let Some(title) = heading {
            finish(&mut entries, &mut body);
            entries.push(Entry {
                row: index + 1,
                title: title.trim().trim_end_matches('#').trim_end().to_owned(),
                body: String::new(),
                category: String::new(),
                tags: Vec::new(),
            });
            labels = true;
            continue;
        }
        let Some(entry) = entries.last_mut() else {
            if !line.trim().is_empty() && errors.is_empty() {
                errors.push(RowError::new(
                    index + 1,
                    "body",
                    Problem::BeforeFirstHeading,
                ));
            }
            continue;
        };
        if labels && !in_fence {
            if line.trim().is_empty() && body.is_empty() {
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_lowercase().as_str() {
                    "category" | "категория" => {
                        value.trim().clone_into(&mut entry.category);
                        continue;
                    }
                    "tags" | "теги" => {
                        entry.tags = split_tags(value);
                        continue;
                    }
                    _ => {}
                }
            }
        }
        labels = false;
        body.push(line);
    }
    finish(&mut entries, &mut body);
    (entries, errors)
}

/// Gives the last section its body.
fn finish(entries: &mut [Entry], body: &mut Vec<&str>) {
    if let Some(entry) = entries.last_mut() {
        entry.body = body.join("\n").trim().to_owned();
    }
    body.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted_across_lines() {
        let text = "\u{feff}title,body,category,tags\r\n\
                    Возврат,\"Можно вернуть, если \"\"ярлыки\"\" целы.\nСрок 14 дней.\",Возврат,\"сроки, возврат\"\r\n\
                    \r\n\
                    Доставка,Курьером,,\n";
        let (entries, errors) = csv(text).expect("csv");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].row, 2);
        assert_eq!(
            entries[0].body,
            "Можно вернуть, если \"ярлыки\" целы.\nСрок 14 дней."
        );
        assert_eq!(entries[0].tags, ["сроки", "возврат"]);
        assert_eq!(entries[1].row, 4, "a blank line is still a row");
        assert_eq!(entries[1].category, "");
    }

    #[test]
    fn csv_from_russian_excel_uses_semicolons_and_columns_in_any_order() {
        let (entries, errors) = csv("Body;Title\nТекст, с запятой;Заголовок").expect("csv");
        assert!(errors.is_empty());
        assert_eq!(entries[0].title, "Заголовок");
        assert_eq!(entries[0].body, "Текст, с запятой");
    }

    #[test]
    fn csv_mistakes_are_reported_by_row_or_for_the_file() {
        let (entries, errors) = csv("title,body\nодин,два\nтри\n").expect("csv");
        assert_eq!(entries.len(), 1);
        assert_eq!(errors[0].row, 3);
        assert_eq!(csv(""), Err(FormatError::Empty));
        assert_eq!(
            csv("title,text"),
            Err(FormatError::UnknownColumn("text".into()))
        );
        assert_eq!(csv("title,category"), Err(FormatError::MissingColumns));
        assert_eq!(
            csv("title,body,title"),
            Err(FormatError::DuplicateColumn("title".into()))
        );
        assert_eq!(
            csv("title,body\n\"открыта,и всё"),
            Err(FormatError::Unclosed(2))
        );
    }

    #[test]
    fn markdown_sections_become_articles() {
        let text = "Вступление без заголовка\n\
                    # Возврат\n\
                    Категория: Возврат\n\
                    Теги: сроки, возврат\n\
                    \n\
                    Вернуть можно за 14 дней.\n\
                    ```\n\
                    # не заголовок\n\
                    ```\n\
                    ## Подробнее\n\
                    Тег: не метка\n\
                    # Доставка #\n\
                    Курьером.\n\
                    #\n";
        let (entries, errors) = markdown(text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 1);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].row, 2);
        assert_eq!(entries[0].category, "Возврат");
        assert_eq!(entries[0].tags, ["сроки", "возврат"]);
        assert_eq!(
            entries[0].body,
            "Вернуть можно за 14 дней.\n```\n# не заголовок\n```\n## Подробнее\nТег: не метка"
        );
        assert_eq!(entries[1].title, "Доставка");
        assert_eq!(entries[1].body, "Курьером.");
        assert_eq!(
            entries[2].title, "",
            "an empty heading is reported when checked"
        );
    }
}
