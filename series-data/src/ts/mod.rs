//! The UEA/UCR archive's `.ts` format, as aeon and sktime read it.

mod header;

use std::collections::HashMap;

use crate::dataset::{Dataset, Sequence};
use crate::error::DataError;
use crate::limits::{check_channels, check_steps, check_total};
use crate::value::{clip, parse};
use header::{skipped, Header};

/// Reads a `.ts` file (its whole text) into a [`Dataset`].
///
/// The header is `@` lines (keys in any case): `@problemName`,
/// `@timeStamps false`, `@missing`, `@univariate`, `@dimensions N`,
/// `@equalLength`, `@seriesLength N`, `@classLabel true <labels...>` or
/// `@classLabel false` (no `@classLabel`: unlabelled), `@targetLabel
/// false`, then `@data`. Each later line is one case: its dimensions
/// separated by `:`, each a comma-separated list of values, then (when
/// labelled) the class label. Lines starting with `#` (or `%`, as in
/// ARFF) are comments; blank lines are skipped. A header key may repeat
/// with the same value (`@problemName` with any). The class names are in
/// the `@classLabel` order; a case's label must be one of them (matched
/// exactly or, failing that, ignoring ASCII case when just one matches, as
/// aeon lower-cases both).
///
/// Errors (with the 1-based line): a value that is not a finite `f32`
/// (missing values, `?` or `NaN`, are refused: we do not train on them);
/// dimensions of one case of different lengths; a case with another number
/// of dimensions than `@dimensions` (or, without it, the first case); a
/// case of another length under `@equalLength true` or (unless
/// `@equalLength false`) `@seriesLength N`; an unknown label; time stamps
/// and regression targets (not supported); an unknown header key, or one
/// repeated with another value; no `@data` or no case; a file past the limits
/// ([`MAX_CHANNELS`](crate::MAX_CHANNELS), [`MAX_STEPS`](crate::MAX_STEPS),
/// [`MAX_VALUES`](crate::MAX_VALUES)).
pub fn read_ts(text: &str) -> Result<Dataset, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let header = header::read(&mut lines)?;
    let mut cases = Cases::new(header);
    for (line, text) in lines {
        if skipped(text) {
            continue;
        }
        cases.push(line, text)?;
    }
    cases.finish()
}

/// The cases read so far, and what each next one must agree with.
struct Cases<'a> {
    header: Header<'a>,
    /// Label text to index, for the labelled.
    labels: HashMap<&'a str, u32>,
    /// The dimensions every case must have: declared, or the first case's.
    channels: Option<usize>,
    /// The first case's steps (for `@equalLength true`).
    first_steps: Option<usize>,
    sequences: Vec<Sequence>,
    /// Values in all sequences so far.
    total: usize,
    /// One case's values, channel-major, before they are put time-major.
    scratch: Vec<f32>,
}

impl<'a> Cases<'a> {
    fn new(header: Header<'a>) -> Self {
        let labels = header
            .class_labels
            .iter()
            .flatten()
            .zip(0u32..)
            .map(|(l, i)| (*l, i))
            .collect();
        let channels = match (header.dimensions, header.univariate) {
            (Some((n, _)), _) => Some(n),
            (None, Some(true)) => Some(1),
            (None, _) => None,
        };
        Cases {
            header,
            labels,
            channels,
            first_steps: None,
            sequences: Vec::new(),
            total: 0,
            scratch: Vec::new(),
        }
    }

    /// Reads one case, line `line`'s trimmed text.
    fn push(&mut self, line: usize, text: &str) -> Result<(), DataError> {
        let (dims, label) = if self.header.class_labels.is_some() {
            let Some((dims, label)) = text.rsplit_once(':') else {
                return Err(DataError::at(
                    line,
                    "no class label: a case is `values:...:values:label` with `@classLabel true`",
                ));
            };
            (dims, Some(self.label(line, label.trim())?))
        } else {
            (text, None)
        };
        let channels = dims.split(':').count();
        check_channels(line, channels)?;
        match self.channels {
            Some(want) if want != channels => {
                let from = if self.header.dimensions.is_some() {
                    "`@dimensions`"
                } else if self.header.univariate == Some(true) {
                    "`@univariate true`"
                } else {
                    "the first case"
                };
                return Err(DataError::at(
                    line,
                    format!("the case has {channels} dimensions, {from} {want}"),
                ));
            }
            _ => self.channels = Some(channels),
        }
        let steps = self.read_values(line, dims)?;
        self.check_length(line, steps)?;
        let mut values = Vec::with_capacity(self.scratch.len());
        for t in 0..steps {
            for c in 0..channels {
                // In range: the scratch holds `channels * steps` values.
                if let Some(v) = self.scratch.get(c * steps + t) {
                    values.push(*v);
                }
            }
        }
        self.total += values.len();
        self.sequences.push(Sequence {
            steps,
            values,
            label,
        });
        Ok(())
    }

    /// The index of class label `label`.
    fn label(&self, line: usize, label: &str) -> Result<u32, DataError> {
        if let Some(&i) = self.labels.get(label) {
            return Ok(i);
        }
        let mut folded = self
            .labels
            .iter()
            .filter(|(l, _)| l.eq_ignore_ascii_case(label));
        if let (Some((_, &i)), None) = (folded.next(), folded.next()) {
            return Ok(i);
        }
        if label.is_empty() {
            return Err(DataError::at(line, "empty class label"));
        }
        let names = self.header.class_labels.as_deref().unwrap_or(&[]);
        let mut list = names.iter().take(10).copied().collect::<Vec<_>>().join(" ");
        if names.len() > 10 {
            list.push_str(" ...");
        }
        Err(DataError::at(
            line,
            format!(
                "class label `{}` is not in `@classLabel` ({list})",
                clip(label)
            ),
        ))
    }

    /// Parses a case's dimensions into the scratch, channel-major; returns
    /// the steps, which every dimension must share.
    fn read_values(&mut self, line: usize, dims: &str) -> Result<usize, DataError> {
        self.scratch.clear();
        let mut steps = 0;
        for (d, dim) in dims.split(':').enumerate() {
            let start = self.scratch.len();
            for (i, text) in dim.split(',').enumerate() {
                let place = || format!("dimension {}, value {}", d + 1, i + 1);
                self.scratch.push(parse(text, line, place())?);
                check_steps(line, i + 1)?;
                check_total(line, self.total + self.scratch.len())?;
            }
            let len = self.scratch.len() - start;
            if d == 0 {
                steps = len;
            } else if len != steps {
                return Err(DataError::at(
                    line,
                    format!(
                        "dimension {} has {len} values, dimension 1 has {steps}: \
                         a case's dimensions must have the same length",
                        d + 1
                    ),
                ));
            }
        }
        Ok(steps)
    }

    /// Refuses a case of `steps` steps the header's lengths exclude.
    fn check_length(&mut self, line: usize, steps: usize) -> Result<(), DataError> {
        if self.header.equal_length != Some(false) {
            if let Some(n) = self.header.series_length.filter(|&n| n != steps) {
                return Err(DataError::at(
                    line,
                    format!("the case has {steps} steps, `@seriesLength` {n}"),
                ));
            }
        }
        match self.first_steps {
            None => self.first_steps = Some(steps),
            Some(first) if first != steps && self.header.equal_length == Some(true) => {
                return Err(DataError::at(
                    line,
                    format!(
                        "the case has {steps} steps, the first case {first}, \
                         but `@equalLength true`"
                    ),
                ))
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The dataset, if there was a case.
    fn finish(self) -> Result<Dataset, DataError> {
        match self.channels {
            Some(channels) if !self.sequences.is_empty() => Ok(Dataset {
                channels,
                sequences: self.sequences,
                class_names: self
                    .header
                    .class_labels
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            }),
            _ => Err(DataError::at(
                self.header.data_line,
                "no cases after `@data`",
            )),
        }
    }
}
