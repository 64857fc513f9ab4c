//! `trainer eval`: a model file against fresh windows of its task (or a
//! labelled data file), with where its errors lie and an optional
//! accuracy bar.

use anyhow::Result;
use serde::Serialize;

use super::args::EvalArgs;
use super::console;
use super::model_file::read_model;
use super::outcome::Outcome;
use crate::dataset::{evaluate_data, read_dataset};
use crate::engine::load;
use crate::pipeline::{evaluate_file, Report};
use crate::score::Breakdown;

/// What `eval --json` prints.
#[derive(Serialize)]
struct EvalOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(flatten)]
    breakdown: &'a Breakdown,
    /// `--min-accuracy` as a fraction, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    min_accuracy: Option<f64>,
    /// Whether the fixed accuracy reaches `min_accuracy` (true without one).
    meets_min_accuracy: bool,
}

/// Runs `trainer eval`.
pub fn run(args: &EvalArgs) -> Result<Outcome> {
    let bytes = read_model(&args.model)?;
    let (report, breakdown) = match &args.data {
        Some(path) => evaluate_data(&bytes, read_dataset(path)?, path)?,
        None => evaluate_file(&bytes, args.seed, args.eval_windows)?,
    };
    let min_accuracy = args.min_accuracy.map(|p| p / 100.0);
    let meets = min_accuracy.is_none_or(|m| report.fixed_accuracy >= m);
    if args.json {
        let output = EvalOutput {
            report: &report,
            breakdown: &breakdown,
            min_accuracy,
            meets_min_accuracy: meets,
        };
        console::out(format_args!("{}", serde_json::to_string(&output)?))?;
    } else {
        let model = load(&bytes)?;
        let name = |c: u32| model.name(c as usize).map_or(c.to_string(), str::to_string);
        console::out(format_args!(
            "{}\n{}",
            report.describe(),
            describe(&breakdown, name)
        ))?;
    }
    if meets {
        Ok(Outcome::Done)
    } else {
        console::err(format_args!(
            "fixed accuracy {:.2}% is below --min-accuracy {:.2}%",
            report.fixed_accuracy * 100.0,
            args.min_accuracy.unwrap_or_default()
        ));
        Ok(Outcome::BelowTarget)
    }
}

/// Human-readable lines of a breakdown, each class as `name` calls it.
fn describe(b: &Breakdown, name: impl Fn(u32) -> String) -> String {
    let positions: Vec<String> = b
        .per_position
        .iter()
        .map(|a| format!("{:.2}%", a * 100.0))
        .collect();
    let mut s = format!("  by position     {}", positions.join(" "));
    if b.confused.is_empty() {
        s.push_str("\n  most confused   none");
    } else {
        let pairs: Vec<String> = b
            .confused
            .iter()
            .map(|c| format!("{} as {} ({}x)", name(c.target), name(c.predicted), c.count))
            .collect();
        s.push_str(&format!("\n  most confused   {}", pairs.join(", ")));
    }
    s
}
