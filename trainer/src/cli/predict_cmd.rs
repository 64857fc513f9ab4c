//! `trainer predict`: windows from arguments, standard input or a data
//! file's sequences, one prediction line per window, read and checked
//! with bounded memory.

use std::io::BufRead;

use anyhow::{bail, Context, Result};
use infer_nostd::format::{HeadKind, Input};
use infer_nostd::Model;
use serde::Serialize;

use super::args::PredictArgs;
use super::console;
use super::model_file::read_model;
use super::outcome::Outcome;
use super::text::quote;
use crate::dataset::{check_fits, read_dataset};
use crate::engine::{Arithmetic, FileRunner};
use crate::pipeline::{answers, file_task};
use crate::task::Task;

/// Bytes of one input line at most.
pub const MAX_LINE_BYTES: usize = 1 << 16;
/// Values of one window at most.
pub const MAX_WINDOW_VALUES: usize = 4096;
/// Classes listed per output step by `--json`.
const TOP: usize = 3;

/// Runs `trainer predict`.
pub fn run(args: &PredictArgs) -> Result<Outcome> {
    let bytes = read_model(&args.model)?;
    let arithmetic = if args.float {
        Arithmetic::Float
    } else {
        Arithmetic::Fixed
    };
    let mut runner = FileRunner::new(&bytes, arithmetic)?;
    // A model of a task with a rounding head (a linear echo) answers
    // rounded values, as `eval` scores them.
    let task = file_task(&bytes).ok();
    if let Some(path) = &args.data {
        let data = read_dataset(path)?;
        check_fits(runner.model(), &data, path)?;
        for (i, sequence) in data.sequences.into_iter().enumerate() {
            let text = predict_window(&mut runner, task, sequence.values, args.json)
                .with_context(|| format!("{}: sequence {}", path.display(), i + 1))?;
            console::out(text)?;
        }
        return Ok(Outcome::Done);
    }
    let mut answer = |n: usize, line: &str| -> Result<()> {
        let text = parse_window(line, runner.model())
            .and_then(|window| predict_window(&mut runner, task, window, args.json))
            .with_context(|| format!("window {n}"))?;
        console::out(text)
    };
    if args.windows.is_empty() {
        let mut lines = BoundedLines::new(std::io::stdin().lock());
        let mut n = 0;
        while let Some(line) = lines.next_line().context("cannot read standard input")? {
            n += 1;
            answer(n, line)?;
        }
    } else {
        for (i, line) in args.windows.iter().enumerate() {
            answer(i + 1, line)?;
        }
    }
    Ok(Outcome::Done)
}

/// One window's output line: the predictions (as `task` answers them,
/// when the model's label names one; a class by its name when the model
/// names its classes), or with `json` its JSON object.
fn predict_window(
    runner: &mut FileRunner,
    task: Option<Task>,
    mut window: Vec<f32>,
    json: bool,
) -> Result<String> {
    let model = runner.model().clone();
    if let Some(one_hots) = task.and_then(|t| t.one_step_input(&window)) {
        window = one_hots;
    }
    check_window(&model, &window)?;
    warn_clipped(&model, &window);
    let classify = model.head().kind == HeadKind::Classify;
    if json && classify {
        // One run gives the classes and the logits listed with them.
        let (predictions, logits) = runner.classes_and_logits(&window)?;
        let rows = model.outputs_per_prediction().max(1);
        let top = Some(
            logits
                .chunks(rows)
                .map(|l| top_classes(&model, l))
                .collect(),
        );
        let labels = class_names(&model, &predictions);
        return Ok(serde_json::to_string(&Prediction {
            predictions,
            labels,
            top,
        })?);
    }
    let mut predictions = runner.predict(&window)?;
    let rounds = task.is_some_and(Task::rounds);
    if let Some(task) = task {
        predictions = answers(task, predictions);
    }
    if json {
        return Ok(serde_json::to_string(&Prediction {
            predictions,
            labels: None,
            top: None,
        })?);
    }
    if let Some(names) = class_names(&model, &predictions).filter(|_| classify) {
        return Ok(names.join(" "));
    }
    let text: Vec<String> = predictions
        .iter()
        .map(|v| {
            if classify || rounds {
                format!("{v}")
            } else {
                format!("{v:.3}")
            }
        })
        .collect();
    Ok(text.join(" "))
}

/// One window's `--json` line.
#[derive(Serialize)]
struct Prediction {
    /// One answer per output step (per group of a vector output, in
    /// order): a class, or a regression value.
    predictions: Vec<f32>,
    /// Classification by a model naming its classes: the predicted
    /// classes' names, in the same order.
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<Vec<String>>,
    /// Classification: per answer, the best classes, best first.
    #[serde(skip_serializing_if = "Option::is_none")]
    top: Option<Vec<Vec<Ranked>>>,
}

/// A class, its name (when the model names its classes) and its logit.
#[derive(Serialize)]
struct Ranked {
    class: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    logit: f32,
}

/// The names of the predicted `classes`, when `model` names its classes.
fn class_names(model: &Model, classes: &[f32]) -> Option<Vec<String>> {
    model.name(0)?;
    classes
        .iter()
        .map(|&c| model.name(c as usize).map(str::to_string))
        .collect()
}

/// The [`TOP`] highest logits of one step, best first (lowest class first
/// among equals, as the engine's argmax).
fn top_classes(model: &Model, logits: &[f32]) -> Vec<Ranked> {
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(TOP)
        .map(|class| Ranked {
            class,
            name: model.name(class).map(str::to_string),
            logit: logits[class],
        })
        .collect()
}

/// Parses one window for `model`: values separated by whitespace or
/// commas; class indices must be whole numbers; `pad` is a masked step
/// (the pad class of one-hot input, NaN for dense input).
pub fn parse_window(line: &str, model: &Model) -> Result<Vec<f32>> {
    let input = model.input();
    let mut values = Vec::new();
    for token in line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        if values.len() == MAX_WINDOW_VALUES {
            bail!("more than {MAX_WINDOW_VALUES} values in one window");
        }
        if token == "pad" {
            let Some(pad) = model.mask() else {
                bail!("`pad`: the model has no mask, so no step can be a pad");
            };
            values.push(match input {
                Input::OneHot { .. } => f32::from(pad),
                Input::Dense { .. } => f32::NAN,
            });
            continue;
        }
        let v = token
            .parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("`{}` is not a number", quote(token)))?;
        if let Input::OneHot { classes } = input {
            if v.fract() != 0.0 {
                bail!(
                    "`{}` is not an integer: the model takes class indices 0..{classes}",
                    quote(token)
                );
            }
        }
        values.push(v);
    }
    if values.is_empty() {
        bail!("empty window: each line (or argument) must hold one window of values");
    }
    Ok(values)
}

/// Checks a window against the model before running it, for clear messages.
fn check_window(model: &Model, window: &[f32]) -> Result<()> {
    let width = model.step_width();
    let steps = window.len() / width.max(1);
    if !window.len().is_multiple_of(width.max(1)) {
        bail!(
            "a window needs a multiple of {width} values, got {}",
            window.len()
        );
    }
    if model.window() != 0 && steps != usize::from(model.window()) {
        bail!(
            "wrong window length: the model takes {} steps, got {steps}",
            model.window()
        );
    }
    if let Input::OneHot { classes } = model.input() {
        let pad = model.mask().map(f32::from);
        let bad = |v: f32| (v < 0.0 || v >= f32::from(classes)) && Some(v) != pad;
        if let Some(bad) = window.iter().find(|&&v| bad(v)) {
            bail!("value {bad} out of range: expected integers in 0..{classes}");
        }
    }
    Ok(())
}

/// The real input values a dense model represents without clipping.
pub fn dense_range(model: &Model) -> Option<(f32, f32)> {
    match model.input() {
        Input::Dense { scale, .. } => {
            Some((f32::from(i16::MIN) * scale, f32::from(i16::MAX) * scale))
        }
        Input::OneHot { .. } => None,
    }
}

/// Warns on stderr about dense values outside the model's input range
/// (the engine saturates them).
fn warn_clipped(model: &Model, window: &[f32]) {
    let Some((lo, hi)) = dense_range(model) else {
        return;
    };
    let outside: Vec<String> = window
        .iter()
        .filter(|&&v| v < lo || v > hi)
        .map(|v| v.to_string())
        .collect();
    if !outside.is_empty() {
        console::err(format_args!(
            "warning: {} value(s) outside the input range {lo} to {hi} the model was \
             quantised for were clipped to it: {}",
            outside.len(),
            quote(&outside.join(" "))
        ));
    }
}

/// Lines of a reader, each at most [`MAX_LINE_BYTES`] (an error past
/// that, without reading further), without their line ending.
pub struct BoundedLines<R> {
    reader: R,
    line: Vec<u8>,
    number: usize,
}

impl<R: BufRead> BoundedLines<R> {
    /// Lines of `reader`.
    pub fn new(reader: R) -> Self {
        BoundedLines {
            reader,
            line: Vec::new(),
            number: 0,
        }
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<&str>> {
        self.line.clear();
        self.number += 1;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if available.is_empty() {
                if self.line.is_empty() {
                    return Ok(None);
                }
                break;
            }
            let (taken, end) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if self.line.len() + taken > MAX_LINE_BYTES + 1 {
                bail!("line {} is longer than {MAX_LINE_BYTES} bytes", self.number);
            }
            self.line.extend_from_slice(&available[..taken]);
            self.reader.consume(taken);
            if end {
                break;
            }
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        std::str::from_utf8(&self.line)
            .map(Some)
            .map_err(|_| anyhow::anyhow!("line {} is not UTF-8 text", self.number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Result<String, String>> {
        let mut reader = BoundedLines::new(input);
        let mut all = Vec::new();
        loop {
            match reader.next_line() {
                Ok(Some(l)) => all.push(Ok(l.to_string())),
                Ok(None) => return all,
                Err(e) => {
                    all.push(Err(e.to_string()));
                    return all;
                }
            }
        }
    }

    #[test]
    fn lines_keep_blank_ones_and_drop_endings() {
        assert_eq!(
            lines(b"1 2\r\n\n3"),
            vec![Ok("1 2".into()), Ok("".into()), Ok("3".into())]
        );
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn a_long_line_is_an_error_not_a_read() {
        let zeros = vec![0u8; 3 * MAX_LINE_BYTES];
        let got = lines(&zeros);
        assert_eq!(got.len(), 1);
        assert!(got[0].as_ref().unwrap_err().contains("line 1 is longer"));
        let mut exact = vec![b'1'; MAX_LINE_BYTES];
        exact.push(b'\n');
        assert_eq!(lines(&exact).len(), 1);
        assert!(lines(&exact)[0].is_ok());
    }

    #[test]
    fn windows_name_what_is_wrong() {
        let one_hot_file = include_bytes!("../../../tests/models/echo-whole.elsm");
        let one_hot = Model::from_bytes(one_hot_file).unwrap();
        assert_eq!(
            parse_window("3, 1 4", &one_hot).unwrap(),
            vec![3.0, 1.0, 4.0]
        );
        let e = parse_window("3.5 1", &one_hot).unwrap_err().to_string();
        assert!(e.contains("not an integer"), "{e}");
        let e = parse_window("  ", &one_hot).unwrap_err().to_string();
        assert!(e.contains("empty window"), "{e}");
        let long = format!("{} 1", "9".repeat(10_000));
        let e = parse_window(&long, &one_hot).unwrap_err().to_string();
        assert!(e.len() < 200, "{e}");
        let e = parse_window("pad 3", &one_hot).unwrap_err().to_string();
        assert!(e.contains("no mask"), "{e}");
        let dense_file = include_bytes!("../../../tests/models/univariate.elsm");
        let dense = Model::from_bytes(dense_file).unwrap();
        assert_eq!(parse_window("3.5", &dense).unwrap(), vec![3.5]);
        let many = "1 ".repeat(MAX_WINDOW_VALUES + 1);
        assert!(parse_window(&many, &dense).is_err());
    }
}
