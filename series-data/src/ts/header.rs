//! The header of a `.ts` file: its `@` lines up to `@data`.

use std::collections::{HashMap, HashSet};

use crate::error::DataError;
use crate::limits::{MAX_CHANNELS, MAX_STEPS};

/// What a `.ts` header declares (each `None` when the file leaves it out).
#[derive(Debug, Default)]
pub(super) struct Header<'a> {
    /// `@univariate`.
    pub univariate: Option<bool>,
    /// `@dimensions N`, with the line that declares it.
    pub dimensions: Option<(usize, usize)>,
    /// `@equalLength`.
    pub equal_length: Option<bool>,
    /// `@seriesLength N` (checked within [`MAX_STEPS`]; nothing is
    /// allocated from it).
    pub series_length: Option<usize>,
    /// `@classLabel true <labels...>`: the class names in order; `None`
    /// for `@classLabel false` or no `@classLabel` line (unlabelled).
    pub class_labels: Option<Vec<&'a str>>,
    /// The line of `@data`.
    pub data_line: usize,
}

/// The header's keys, lower case, as the message for an unknown key lists them.
const KEYS: &str = "@problemName, @timeStamps, @missing, @univariate, @dimensions, \
                    @equalLength, @seriesLength, @classLabel, @targetLabel, @data";

/// Reads header lines from `lines` (numbered, trimmed) through `@data`,
/// skipping blank lines and comments.
pub(super) fn read<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<Header<'a>, DataError> {
    let mut header = Header::default();
    let mut seen: HashMap<String, Vec<&str>> = HashMap::new();
    for (line, text) in lines {
        if skipped(text) {
            continue;
        }
        let Some(rest) = text.strip_prefix('@') else {
            return Err(DataError::at(
                line,
                "expected a header line starting with `@` (or `@data` before the cases)",
            ));
        };
        let mut tokens = rest.split_whitespace();
        let key = tokens.next().unwrap_or("").to_ascii_lowercase();
        let args: Vec<&str> = tokens.collect();
        // A key may repeat with the same value (aeon's UnitTest_TEST.ts has
        // two `@problemName`s: any name will do, it is not used).
        match seen.get(&key) {
            Some(before) if *before != args && key != "problemname" => {
                return Err(DataError::at(
                    line,
                    format!("`@{key}` appears twice, with different values"),
                ));
            }
            Some(_) => {}
            None => {
                seen.insert(key.clone(), args.clone());
            }
        }
        match key.as_str() {
            "data" => {
                if !args.is_empty() {
                    return Err(DataError::at(line, "`@data` takes no value"));
                }
                header.data_line = line;
                check(&header)?;
                return Ok(header);
            }
            "problemname" => {}
            "timestamps" => {
                if boolean(line, "@timeStamps", &args)? {
                    return Err(DataError::at(
                        line,
                        "`@timeStamps true`: time-stamped series are not supported \
                         (write the values alone, comma-separated)",
                    ));
                }
            }
            // The values are checked one by one: a missing one is an error.
            "missing" => {
                boolean(line, "@missing", &args)?;
            }
            "univariate" => header.univariate = Some(boolean(line, "@univariate", &args)?),
            "dimensions" => {
                let n = count(line, "@dimensions", &args, MAX_CHANNELS, "channels")?;
                header.dimensions = Some((n, line));
            }
            "equallength" => header.equal_length = Some(boolean(line, "@equalLength", &args)?),
            "serieslength" => {
                let n = count(line, "@seriesLength", &args, MAX_STEPS, "steps")?;
                header.series_length = Some(n);
            }
            "classlabel" => header.class_labels = class_labels(line, &args)?,
            "targetlabel" => {
                if boolean(line, "@targetLabel", &args)? {
                    return Err(DataError::at(
                        line,
                        "`@targetLabel true`: regression targets are not supported \
                         (only class labels)",
                    ));
                }
            }
            _ => {
                return Err(DataError::at(
                    line,
                    format!(
                        "unknown header `@{}` (known: {KEYS})",
                        crate::value::clip(&key)
                    ),
                ))
            }
        }
    }
    Err(DataError::whole("no `@data` line: not a .ts file"))
}

/// Whether a trimmed line is blank or a comment: `#`, or `%` as in ARFF
/// (aeon's UnitTest files have both).
pub(super) fn skipped(line: &str) -> bool {
    line.is_empty() || line.starts_with(['#', '%'])
}

/// Refuses a header that contradicts itself.
fn check(header: &Header<'_>) -> Result<(), DataError> {
    if let (Some(true), Some((n, line))) = (header.univariate, header.dimensions) {
        if n != 1 {
            return Err(DataError::at(
                line,
                format!("`@dimensions {n}` contradicts `@univariate true`"),
            ));
        }
    }
    Ok(())
}

/// A `true` or `false` (any case), the key's one value.
fn boolean(line: usize, key: &str, args: &[&str]) -> Result<bool, DataError> {
    match args {
        [value] if value.eq_ignore_ascii_case("true") => Ok(true),
        [value] if value.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(DataError::at(
            line,
            format!("`{key}` takes one value, `true` or `false`"),
        )),
    }
}

/// A whole number from 1 to `max`, the key's one value.
fn count(
    line: usize,
    key: &str,
    args: &[&str],
    max: usize,
    unit: &str,
) -> Result<usize, DataError> {
    let wrong = || {
        DataError::at(
            line,
            format!("`{key}` takes one whole number of {unit} from 1 to {max} (the limit)"),
        )
    };
    match args {
        [value] => match value.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(wrong()),
        },
        _ => Err(wrong()),
    }
}

/// `@classLabel true <labels...>` (distinct labels, at least one) or
/// `@classLabel false`.
fn class_labels<'a>(line: usize, args: &[&'a str]) -> Result<Option<Vec<&'a str>>, DataError> {
    match args.split_first() {
        Some((flag, labels)) if flag.eq_ignore_ascii_case("true") => {
            if labels.is_empty() {
                return Err(DataError::at(
                    line,
                    "`@classLabel true` needs the class labels after it",
                ));
            }
            let mut seen = HashSet::new();
            for label in labels {
                if !seen.insert(*label) {
                    return Err(DataError::at(
                        line,
                        format!(
                            "class label `{}` is listed twice",
                            crate::value::clip(label)
                        ),
                    ));
                }
            }
            Ok(Some(labels.to_vec()))
        }
        Some((flag, [])) if flag.eq_ignore_ascii_case("false") => Ok(None),
        _ => Err(DataError::at(
            line,
            "`@classLabel` takes `true` and the labels, or `false` alone",
        )),
    }
}
