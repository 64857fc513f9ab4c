//! One value field: a finite `f32`, a missing value, or an error.

use std::fmt::Display;

use crate::error::DataError;

/// What a field's text is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Field {
    /// A finite number.
    Number(f32),
    /// A missing value: `?` or `NaN` (any case).
    Missing,
    /// A number that is not a finite `f32` (infinite, or beyond its range).
    NotFinite,
    /// Empty (after trimming).
    Empty,
    /// Anything else.
    Word,
}

/// Classifies a field's text (surrounding whitespace ignored).
pub(crate) fn classify(text: &str) -> Field {
    let text = text.trim();
    if text.is_empty() {
        return Field::Empty;
    }
    if text == "?" {
        return Field::Missing;
    }
    match text.parse::<f32>() {
        Ok(v) if v.is_nan() => Field::Missing,
        Ok(v) if v.is_finite() => Field::Number(v),
        Ok(_) => Field::NotFinite,
        Err(_) => Field::Word,
    }
}

/// Whether `text` reads as a number, possibly a missing or non-finite one
/// (so a header row is told from a row of data with a bad value).
pub(crate) fn numeric(text: &str) -> bool {
    matches!(
        classify(text),
        Field::Number(_) | Field::Missing | Field::NotFinite
    )
}

/// Parses one value, naming `place` ("dimension 2, value 7", "field 3")
/// on line `line` when it is not a finite number.
pub(crate) fn parse(text: &str, line: usize, place: impl Display) -> Result<f32, DataError> {
    let shown = text.trim();
    let message = match classify(text) {
        Field::Number(v) => return Ok(v),
        Field::Missing => format!(
            "{place}: missing value `{shown}`: missing values are not supported for \
             training (impute or drop them first)"
        ),
        Field::NotFinite => format!("{place}: `{shown}` is not a finite f32"),
        Field::Empty => format!("{place}: empty value"),
        Field::Word => format!("{place}: `{}` is not a number", clip(shown)),
    };
    Err(DataError::at(line, message))
}

/// `text`, cut to at most 40 characters for a message.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_fields() {
        assert_eq!(classify(" 1.5 "), Field::Number(1.5));
        assert_eq!(classify("-2e3"), Field::Number(-2000.0));
        assert_eq!(classify("?"), Field::Missing);
        assert_eq!(classify("NaN"), Field::Missing);
        assert_eq!(classify("nan"), Field::Missing);
        assert_eq!(classify("inf"), Field::NotFinite);
        assert_eq!(classify("1e39"), Field::NotFinite);
        assert_eq!(classify("  "), Field::Empty);
        assert_eq!(classify("abc"), Field::Word);
        assert_eq!(classify("1949-01"), Field::Word);
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse("?", 4, "field 2").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.starts_with("field 2: missing value `?`"), "{e}");
        assert!(e.message.contains("not supported"), "{e}");
        let e = parse("x", 4, "field 2").unwrap_err();
        assert_eq!(e.message, "field 2: `x` is not a number");
    }

    #[test]
    fn clips_long_text_on_a_char_boundary() {
        let long = "é".repeat(50);
        assert_eq!(clip(&long), format!("{}...", "é".repeat(40)));
        assert_eq!(clip("short"), "short");
    }
}
