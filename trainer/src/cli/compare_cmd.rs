//! `trainer compare`: the echo tasks' published variants (framings,
//! topologies, sizes) trained the same way with fixed seeds, side by side
//! in one Markdown table and one SVG plot.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser as _;
use plotters::prelude::*;
use serde::Deserialize;

use super::args::{Cli, Command, CompareArgs};
use super::console;
use super::model_file::read_text;
use super::outcome::Outcome;
use super::train_cmd::{train_and_export, Finished};
use crate::metrics::tick;

/// The largest device figures or README file read (4 MiB; the device
/// benchmark writes about 5 KB, the README is about 30 KB).
const MAX_TEXT_BYTES: u64 = 4 << 20;
/// Flash of the Cortex-M0 board (QEMU `microbit`).
const M0_FLASH: usize = 256 << 10;
/// Flash the firmware needs besides the model, with margin (as the parity
/// test and the device benchmark count it).
const CODE_ALLOWANCE: usize = 48 << 10;

/// The experiments: a name (the committed model's, under tests/models/)
/// and the `trainer train` flags that make it. Every one trains with
/// `--seed 1`.
pub const VARIANTS: &[(&str, &str)] = &[
    ("echo-index", "--task echo-index"),
    ("echo-index-linear", "--task echo-index-linear"),
    (
        "echo-index-linear-classify",
        "--task echo-index-linear-classify",
    ),
    ("echo-whole", "--task echo-whole"),
    ("echo-whole-linear", "--task echo-whole-linear"),
    ("echo-whole-masked", "--task echo-whole-masked"),
    ("echo-whole-vector", "--task echo-whole-vector"),
    ("echo-whole-one-step", "--task echo-whole-one-step"),
    ("echo-whole-stacked", "--task echo-whole --layers 2"),
    (
        "echo-whole-bidirectional",
        "--task echo-whole --bidirectional",
    ),
    ("echo-partial", "--task echo-partial"),
    ("echo-partial-m0", "--task echo-partial --units 16"),
    ("echo-partial-3-24", "--task echo-partial-3 --units 24"),
    ("echo-lag", "--task echo-lag"),
    ("echo-lag-rows", "--task echo-lag-rows"),
    ("echo-lag-rows-masked", "--task echo-lag-rows-masked"),
    // GRU cells in place of the LSTM's, the seed shapes otherwise.
    ("echo-index-gru", "--task echo-index --cell gru"),
    ("echo-whole-gru", "--task echo-whole --cell gru"),
    ("echo-partial-gru", "--task echo-partial --cell gru"),
    ("echo-lag-gru", "--task echo-lag --cell gru"),
    // The published stateful schedules, then echo-whole's at a faster rate.
    ("echo-whole-seed", "--task echo-whole --recipe seed"),
    (
        "echo-whole-seed-lr",
        "--task echo-whole --recipe seed --lr 1e-2",
    ),
    ("echo-lag-rows-seed", "--task echo-lag --recipe seed"),
];

/// One line of the device benchmark's `--json` output.
#[derive(Deserialize)]
struct DeviceRecord {
    target: String,
    task: String,
    instructions_per_record: u64,
    /// RAM while running: statics plus the stack's high-water mark.
    ram_bytes: u64,
}

/// A committed model's Cortex-M4 figures, from the device benchmark.
#[derive(Debug, Clone, Copy)]
struct M4 {
    /// Instructions per window (per streamed step).
    instructions: u64,
    /// RAM while running, in bytes.
    ram: u64,
}

/// One variant's results.
struct Row {
    name: &'static str,
    flags: &'static str,
    finished: Finished,
    /// Cortex-M4 figures, if measured.
    m4: Option<M4>,
}

impl Row {
    fn fits_m0(&self) -> bool {
        self.finished.report.model_bytes + CODE_ALLOWANCE <= M0_FLASH
    }
}

/// Runs `trainer compare`.
pub fn run(args: &CompareArgs) -> Result<Outcome> {
    let device = match &args.device {
        Some(path) => device_figures(path)?,
        None => BTreeMap::new(),
    };
    let chosen: Vec<_> = VARIANTS
        .iter()
        .filter(|(name, _)| args.only.is_empty() || args.only.iter().any(|o| o == name))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = VARIANTS.iter().map(|(n, _)| *n).collect();
        bail!("--only names no variant (variants: {})", names.join(", "));
    }
    let models = args.out.join("models");
    let mut rows = Vec::new();
    for &&(name, flags) in &chosen {
        let out = models.join(format!("{name}.elsm"));
        let finished = train_and_export(&train_args(flags, &out)?, true)
            .with_context(|| format!("variant {name} (trainer train {flags})"))?;
        let r = &finished.report;
        console::err(format_args!(
            "{name}: {} steps, float {:.2}%, fixed {:.2}%, {} bytes",
            r.steps,
            r.float_accuracy * 100.0,
            r.fixed_accuracy * 100.0,
            r.model_bytes
        ));
        rows.push(Row {
            name,
            flags,
            m4: device.get(name).copied(),
            finished,
        });
    }
    let table = table(&rows, args.device.is_some());
    std::fs::write(args.out.join("compare.md"), &table)?;
    let plot = args.out.join("compare.svg");
    plot_rows(&rows, &plot)?;
    if let Some(readme) = &args.readme {
        splice(readme, &table)?;
    }
    console::out(format_args!("{}", table.trim_end()))?;
    console::err(format_args!(
        "wrote {} and {}",
        args.out.join("compare.md").display(),
        plot.display()
    ));
    Ok(Outcome::Done)
}

/// The `trainer train` arguments of a variant, writing to `out`.
fn train_args(flags: &str, out: &Path) -> Result<super::args::TrainArgs> {
    let argv = ["trainer", "train", "--seed", "1", "--force", "--out"]
        .into_iter()
        .map(String::from)
        .chain([out.display().to_string()])
        .chain(flags.split_whitespace().map(String::from));
    match Cli::try_parse_from(argv)?.command {
        Command::Train(args) => Ok(args),
        _ => bail!("the arguments of a variant start with `train`"),
    }
}

/// Cortex-M4 figures by task, from the device benchmark's JSON output
/// (`device_bench --json FILE`).
fn device_figures(path: &Path) -> Result<BTreeMap<String, M4>> {
    let text = read_text(path, "device figures file", MAX_TEXT_BYTES)?;
    let records: Vec<DeviceRecord> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not the device benchmark's JSON", path.display()))?;
    Ok(records
        .into_iter()
        .filter(|r| r.target == "Cortex-M4")
        .map(|r| {
            let m4 = M4 {
                instructions: r.instructions_per_record,
                ram: r.ram_bytes,
            };
            (r.task, m4)
        })
        .collect())
}

/// A number with thousands separators.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The Markdown table of `rows`.
fn table(rows: &[Row], measured: bool) -> String {
    let mut s = String::from(
        "| variant | `trainer train` flags | float | fixed | agreement | steps | seconds \
         | params | model bytes | M4 instructions / window | M4 RAM (B) | fits the M0 |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for row in rows {
        let r = &row.finished.report;
        let target = if row.finished.reached() {
            ""
        } else {
            " (missed)"
        };
        let (m4, ram) = match (row.m4, measured) {
            (Some(m), _) => (grouped(m.instructions), grouped(m.ram)),
            (None, true) => ("not measured".into(), String::new()),
            (None, false) => ("run the device benchmark".into(), String::new()),
        };
        // Instructions of a stream (a model of any window) are per step.
        let per = if row.finished.report.task == "echo-lag" && row.m4.is_some() {
            " per step"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {} | `{}` | {:.2}% | {:.2}% | {:.2}% | {}{target} | {:.1} | {} | {} | {m4}{per} | {ram} | {} |",
            row.name,
            row.flags,
            r.float_accuracy * 100.0,
            r.fixed_accuracy * 100.0,
            r.agreement * 100.0,
            grouped(r.steps as u64),
            r.train_seconds + r.check_seconds,
            grouped(r.params as u64),
            grouped(r.model_bytes as u64),
            if row.fits_m0() { "yes" } else { "no" },
        );
    }
    s
}

/// An axis label: 3 K, 20 K, 1.5 M.
fn si(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{} M", tick(v / 1e6)),
        v if v >= 1e3 => format!("{} K", tick(v / 1e3)),
        v => tick(v),
    }
}

/// Markers around the table in a README.
const BEGIN: &str = "<!-- trainer compare: begin -->";
const END: &str = "<!-- trainer compare: end -->";

/// Replaces the text between [`BEGIN`] and [`END`] in `readme` by `table`.
fn splice(readme: &Path, table: &str) -> Result<()> {
    let text = read_text(readme, "Markdown file", MAX_TEXT_BYTES)?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        bail!("{} has no `{BEGIN}` ... `{END}` markers", readme.display());
    };
    if e < b {
        bail!("{}: `{END}` comes before `{BEGIN}`", readme.display());
    }
    let spliced = format!("{}{BEGIN}\n{table}{}", &text[..b], &text[e..]);
    crate::export::write_atomically(readme, |f| std::io::Write::write_all(f, spliced.as_bytes()))
}

/// Plots every row: model bytes against Cortex-M4 instructions per window
/// (or, unmeasured, steps to the target), both log scale, each point
/// named, with the Cortex-M0's flash marked.
fn plot_rows(rows: &[Row], path: &PathBuf) -> Result<()> {
    // With device figures, the rows that have them; else steps of all.
    let measured = rows.iter().any(|r| r.m4.is_some());
    let points: Vec<(f64, f64, &str)> = rows
        .iter()
        .filter_map(|r| {
            let y = match (measured, r.m4) {
                (true, Some(m)) => m.instructions as f64,
                (true, None) => return None,
                (false, _) => r.finished.report.steps.max(1) as f64,
            };
            Some((r.finished.report.model_bytes as f64, y, r.name))
        })
        .collect();
    let span = |f: fn(&(f64, f64, &str)) -> f64| {
        let lo = points.iter().map(f).fold(f64::MAX, f64::min);
        let hi = points.iter().map(f).fold(f64::MIN, f64::max);
        (lo / 2.0)..(hi * 2.0)
    };
    let x_range = span(|p| p.0);
    let x_range = x_range.start..x_range.end.max(M0_FLASH as f64 * 2.0);
    let y_range = span(|p| p.1);
    let y_desc = if measured {
        "Cortex-M4 instructions per window (per step for echo-lag)"
    } else {
        "steps to 100% (device not measured)"
    };
    let (width, height) = (900u32, 600u32);
    // One label line (15 px of the about 500 px of the plot) in log10 units.
    let line = (y_range.end / y_range.start).log10() * 15.0 / f64::from(height - 100);
    let root = SVGBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "echo variants: model size against device cost",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.log_scale(), y_range.clone().log_scale())?;
    chart
        .configure_mesh()
        .x_desc("model bytes (flash)")
        .y_desc(y_desc)
        .light_line_style(WHITE)
        .x_label_formatter(&|x| si(*x))
        .y_label_formatter(&|y| si(*y))
        .draw()?;
    let limit = (M0_FLASH - CODE_ALLOWANCE) as f64;
    chart.draw_series(LineSeries::new(
        [(limit, y_range.start), (limit, y_range.end)],
        RED.stroke_width(1),
    ))?;
    chart.draw_series(std::iter::once(Text::new(
        "Cortex-M0 flash, less the firmware ->".to_string(),
        (limit / 4.4, y_range.end / 1.3),
        ("sans-serif", 13).into_font().color(&RED),
    )))?;
    chart.draw_series(
        points
            .iter()
            .map(|&(x, y, _)| Circle::new((x, y), 4, BLUE.filled())),
    )?;
    // Labels right of their points, a line above or below (the nearest
    // free) where they would overlap one already placed: close in both
    // log coordinates.
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let mut labels = Vec::new();
    for &(x, y, name) in &points {
        let free = |at: f64| {
            !placed
                .iter()
                .any(|&(px, py)| (px / x).log10().abs() < 0.3 && (py / at).log10().abs() < line)
        };
        let at = [0, 1, -1, 2, -2, 3, -3]
            .iter()
            .map(|&k| y * 10f64.powf(line * f64::from(k)))
            .find(|&at| free(at))
            .unwrap_or(y);
        placed.push((x, at));
        labels.push(Text::new(
            name.to_string(),
            (x * 1.08, at),
            ("sans-serif", 13).into_font(),
        ));
    }
    chart.draw_series(labels)?;
    root.present()?;
    Ok(())
}
