//! What the two CSV readers share: the delimiter, the rows with their
//! line numbers, and telling a header row from a row of data.

use csv::{ReaderBuilder, StringRecord, Trim};

use crate::error::DataError;
use crate::value::{classify, Field};

/// A row of a CSV file: its 1-based line (where it starts) and its fields,
/// each trimmed of surrounding whitespace.
pub(crate) struct Row {
    /// The 1-based line the row starts on.
    pub line: usize,
    /// The fields.
    pub fields: StringRecord,
}

/// The rows of `text`, comma-separated, or tab-separated when the first
/// non-blank line has a tab and no comma. Quoted fields are read as CSV
/// quotes them; a leading byte-order mark is dropped; rows with no content
/// (blank lines, or only separators and whitespace) are skipped.
pub(crate) fn rows(text: &str) -> Rows<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    Rows {
        text: text.as_bytes(),
        reader: Some(reader),
        offset: 0,
        line: 1,
    }
}

/// The iterator of [`rows`]. The csv crate's own record positions are
/// off by blank lines and quoted newlines, so lines are counted here from
/// the bytes each record takes (its span between the reader's positions).
pub(crate) struct Rows<'a> {
    text: &'a [u8],
    /// `None` once the text is read or unreadable.
    reader: Option<csv::Reader<&'a [u8]>>,
    /// The byte offset the next record's span starts at.
    offset: usize,
    /// The 1-based line of that offset.
    line: usize,
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut fields = StringRecord::new();
        loop {
            let reader = self.reader.as_mut()?;
            let read = reader.read_record(&mut fields);
            let end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
            let span = self.text.get(self.offset..end).unwrap_or(&[]);
            // The record starts past the blank lines the reader skipped.
            let blank = span.iter().take_while(|b| matches!(b, b'\r' | b'\n'));
            let line = self.line + blank.filter(|&&b| b == b'\n').count();
            self.line += span.iter().filter(|&&b| b == b'\n').count();
            self.offset = end;
            match read {
                Ok(true) if fields.iter().all(str::is_empty) => continue,
                Ok(true) => return Some(Ok(Row { line, fields })),
                Ok(false) => self.reader = None,
                Err(e) => {
                    self.reader = None;
                    return Some(Err(DataError::at(
                        line,
                        format!("not readable as CSV: {e}"),
                    )));
                }
            }
        }
    }
}

/// Whether `fields` (a first row's value fields) are a header: at least
/// one is a word and none reads as a number (missing and non-finite
/// numbers included). A first row mixing numbers and words is data, so
/// its bad field is reported rather than the row skipped.
pub(crate) fn is_header<'a>(fields: impl Iterator<Item = &'a str>) -> bool {
    let mut words = false;
    for field in fields {
        match classify(field) {
            Field::Word => words = true,
            Field::Empty => {}
            Field::Number(_) | Field::Missing | Field::NotFinite => return false,
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_fields(text: &str) -> Vec<(usize, Vec<String>)> {
        rows(text)
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.fields.iter().map(String::from).collect())
            })
            .collect()
    }

    #[test]
    fn numbers_lines_and_skips_blank_rows() {
        let rows = lines_and_fields("a, b\n\n  \n,,\n\"x\ny\",2\r\n3,4\n");
        assert_eq!(
            rows,
            vec![
                (1, vec!["a".to_string(), "b".to_string()]),
                (5, vec!["x\ny".to_string(), "2".to_string()]),
                (7, vec!["3".to_string(), "4".to_string()]),
            ]
        );
    }

    #[test]
    fn detects_tabs_only_without_commas() {
        assert_eq!(lines_and_fields("a\tb\n1\t2")[1].1, vec!["1", "2"]);
        assert_eq!(lines_and_fields("a\tb,c\n1\t2,3")[1].1, vec!["1\t2", "3"]);
        assert_eq!(
            lines_and_fields("\u{feff}\n\na\tb\n1\t2")[0],
            (3, vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn headers() {
        assert!(is_header(["t1", "t2"].into_iter()));
        assert!(is_header(["t1", ""].into_iter()));
        assert!(!is_header(["t1", "2"].into_iter()));
        assert!(!is_header(["?", "x"].into_iter()));
        assert!(!is_header(["".to_string().as_str()].into_iter()));
        assert!(!is_header(std::iter::empty()));
    }
}
