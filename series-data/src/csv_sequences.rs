//! CSV (or TSV) with one univariate sequence per row, its class label
//! first: the UCR archive's CSV/TSV layout.

use std::collections::HashMap;

use crate::dataset::{Dataset, Sequence};
use crate::delimited::{is_header, rows};
use crate::error::DataError;
use crate::limits::{check_steps, check_total};
use crate::value::parse;

/// Reads labelled univariate sequences, one per row, into a [`Dataset`]
/// (`channels` 1).
///
/// A row is `label,v1,v2,...`: the class label (any text) and at least one
/// value. Rows may have different lengths (unequal-length data); empty
/// fields at the end of a row are ignored, anywhere else they are errors.
/// The class names are in order of first appearance. Commas separate
/// fields, or tabs when the first non-blank line has a tab and no comma;
/// fields may be quoted; blank rows are skipped.
///
/// A header row is skipped: the first row is one when its value fields
/// (all but the first) hold a word and no number, such as
/// `label,t1,t2,...`. A first row that mixes numbers and words is read
/// as data (and its bad field reported); a header of numbers (`label,1,2`)
/// cannot be told from data and is read as a row.
///
/// Errors name the line and the 1-based field: a value that is not a
/// finite `f32` (missing values, `?` or `NaN`, are refused: we do not
/// train on them), an empty label, a row without values, no rows, a file
/// past [`MAX_STEPS`](crate::MAX_STEPS) or [`MAX_VALUES`](crate::MAX_VALUES).
pub fn read_csv_sequences(text: &str) -> Result<Dataset, DataError> {
    let mut classes: HashMap<String, u32> = HashMap::new();
    let mut class_names = Vec::new();
    let mut sequences = Vec::new();
    let mut total = 0usize;
    for (n, row) in rows(text).enumerate() {
        let row = row?;
        let (line, fields) = (row.line, &row.fields);
        if n == 0 && is_header(fields.iter().skip(1)) {
            continue;
        }
        let label = fields.get(0).unwrap_or("");
        if label.is_empty() {
            return Err(DataError::at(line, "field 1: empty class label"));
        }
        // The fields up to the last non-empty one; the label is non-empty.
        let end = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_empty())
            .last()
            .map_or(0, |(i, _)| i + 1);
        let steps = end.saturating_sub(1);
        if steps == 0 {
            return Err(DataError::at(
                line,
                "no values after the class label (a row is `label,v1,v2,...`)",
            ));
        }
        check_steps(line, steps)?;
        total += steps;
        check_total(line, total)?;
        let mut values = Vec::with_capacity(steps);
        for (i, text) in fields.iter().enumerate().take(end).skip(1) {
            if text.is_empty() {
                return Err(DataError::at(
                    line,
                    format!(
                        "field {}: empty value (empty fields are allowed only at the end of a row)",
                        i + 1
                    ),
                ));
            }
            values.push(parse(text, line, format_args!("field {}", i + 1))?);
        }
        let index = match classes.get(label) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(class_names.len())
                    .map_err(|_| DataError::at(line, "too many classes"))?;
                classes.insert(label.to_string(), i);
                class_names.push(label.to_string());
                i
            }
        };
        sequences.push(Sequence {
            steps,
            values,
            label: Some(index),
        });
    }
    if sequences.is_empty() {
        return Err(DataError::whole("no rows of data"));
    }
    Ok(Dataset {
        channels: 1,
        sequences,
        class_names,
    })
}
