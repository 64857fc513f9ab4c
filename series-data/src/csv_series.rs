//! CSV (or TSV) holding one multichannel series: a column per channel, a
//! row per time step.

use csv::StringRecord;

use crate::dataset::Series;
use crate::delimited::{is_header, rows, Row};
use crate::error::DataError;
use crate::limits::{check_channels, check_steps, check_total};
use crate::value::{numeric, parse};

/// Reads one multichannel series (for forecasting) into a [`Series`].
///
/// Each column is a channel, each row a time step; every row has as many
/// fields as the first. A first column whose values are not numbers (a
/// date or time index, as in `Date,Passengers` / `1949-01,112`) is
/// dropped: whether it is one is judged on the first row of data. Every
/// other field must be a finite `f32` (missing values, `?` or `NaN`, are
/// refused: we do not train on them). At least 2 rows of data.
///
/// The first row is a header (the channels' names) when its value fields
/// hold a word and no number; without one the names are `c0`, `c1`, ...
/// (an empty header field is named so too). A first row mixing numbers and
/// words is read as data (and its bad field reported). Commas separate
/// fields, or tabs when the first non-blank line has a tab and no comma;
/// fields may be quoted; blank rows are skipped.
///
/// Errors name the line and the 1-based field (counting a dropped first
/// column); the file as a whole (line 0) has too few rows. Limits:
/// [`MAX_CHANNELS`](crate::MAX_CHANNELS) value columns,
/// [`MAX_STEPS`](crate::MAX_STEPS) rows, [`MAX_VALUES`](crate::MAX_VALUES)
/// values.
pub fn read_csv_series(text: &str) -> Result<Series, DataError> {
    let mut rows = rows(text);
    let too_few = |found: usize| {
        DataError::whole(format!(
            "a series needs at least 2 rows of data, the file has {found}"
        ))
    };
    let first = rows.next().transpose()?.ok_or_else(|| too_few(0))?;
    let second = rows.next().transpose()?.ok_or_else(|| too_few(1))?;
    // The second row is data whether or not the first is a header.
    let skip = usize::from(!second.fields.get(0).is_some_and(numeric));
    let width = first.fields.len();
    let channels = width.saturating_sub(skip);
    if channels == 0 {
        return Err(DataError::at(
            first.line,
            "no value columns: the only column is not numbers (a date or index column is dropped)",
        ));
    }
    check_channels(first.line, channels)?;
    let header = is_header(first.fields.iter().skip(skip));
    let names = if header {
        first
            .fields
            .iter()
            .skip(skip)
            .enumerate()
            .map(|(c, name)| match name {
                "" => format!("c{c}"),
                _ => name.to_string(),
            })
            .collect()
    } else {
        (0..channels).map(|c| format!("c{c}")).collect()
    };
    let mut series = Series {
        names,
        values: Vec::new(),
    };
    let mut steps = 0;
    let data = (!header).then_some(Ok(first)).into_iter();
    for row in data.chain([Ok(second)]).chain(rows) {
        let Row { line, fields } = row?;
        push_row(&mut series.values, line, &fields, width, skip)?;
        steps += 1;
        check_steps(line, steps)?;
        check_total(line, series.values.len())?;
    }
    if steps < 2 {
        return Err(too_few(steps));
    }
    Ok(series)
}

/// Appends one row's values (all fields but the first `skip`) to `values`.
fn push_row(
    values: &mut Vec<f32>,
    line: usize,
    fields: &StringRecord,
    width: usize,
    skip: usize,
) -> Result<(), DataError> {
    if fields.len() != width {
        return Err(DataError::at(
            line,
            format!("the row has {} fields, the first row {width}", fields.len()),
        ));
    }
    for (i, text) in fields.iter().enumerate().skip(skip) {
        values.push(parse(text, line, format_args!("field {}", i + 1))?);
    }
    Ok(())
}
