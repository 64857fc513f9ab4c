//! The metrics log (JSON lines) and its plot (SVG).

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// One line of the metrics log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Optimizer updates so far.
    pub step: usize,
    /// Training loss of the latest update (a non-finite loss is written as
    /// `null` and read back as NaN).
    #[serde(deserialize_with = "nan_from_null")]
    pub loss: f64,
    /// Held-out accuracy, on evaluation lines only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Windows the accuracy was measured on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_windows: Option<usize>,
    /// Training seconds so far.
    pub seconds: f64,
}

fn nan_from_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Appends records to a JSON-lines file.
pub struct MetricsLog {
    file: fs::File,
}

impl MetricsLog {
    /// Opens `path` for appending, first dropping any records after
    /// `keep_until` (the steps a resumed run will redo); a fresh run passes
    /// `None` and starts an empty log.
    pub fn open(path: &Path, keep_until: Option<usize>) -> Result<Self> {
        let kept: Vec<Record> = match keep_until {
            Some(step) => read(path)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.step <= step)
                .collect(),
            None => Vec::new(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut text = String::new();
        for r in &kept {
            text.push_str(&serde_json::to_string(r)?);
            text.push('\n');
        }
        fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(MetricsLog { file })
    }

    /// Appends one record.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        writeln!(self.file, "{}", serde_json::to_string(record)?)?;
        Ok(())
    }
}

/// Reads every record of a metrics log.
pub fn read(path: &Path) -> Result<Vec<Record>> {
    let file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&line)
                .with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect()
}

/// What a plot marks besides its curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Marks {
    /// The target held-out accuracy (a fraction).
    pub target: f64,
    /// The step training stopped at.
    pub stop_step: usize,
    /// Why it stopped, in words (`target reached`, `step cap`).
    pub stop_reason: String,
}

/// A tick label with at most three significant digits (`0.3`, `0.025`,
/// `1e-5`), not the float's full expansion.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if !(0.01..10_000.0).contains(&a) {
        return format!("{v:.0e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

const TARGET_COLOUR: RGBColor = RGBColor(0, 150, 0);
const STOP_COLOUR: RGBColor = RGBColor(90, 90, 90);

/// Plots loss (log scale, left) and held-out accuracy (right) against
/// steps as an SVG, with the target accuracy and the stopping step marked
/// and the legend above the chart, clear of the curves.
pub fn plot(records: &[Record], title: &str, marks: &Marks, path: &Path) -> Result<()> {
    let max_step = records
        .iter()
        .map(|r| r.step)
        .chain([marks.stop_step])
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let losses: Vec<(f64, f64)> = records
        .iter()
        .filter(|r| r.loss.is_finite() && r.loss > 0.0)
        .map(|r| (r.step as f64, r.loss))
        .collect();
    let (lo, hi) = losses
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &(_, l)| {
            (lo.min(l), hi.max(l))
        });
    let (lo, hi) = if lo <= hi {
        (lo * 0.9, hi * 1.1)
    } else {
        (1e-4, 1.0)
    };
    let accuracy: Vec<(f64, f64)> = records
        .iter()
        .filter_map(|r| r.accuracy.map(|a| (r.step as f64, a * 100.0)))
        .collect();

    let root = SVGBackend::new(path, (820, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(70);
    top.draw(&Text::new(
        title.to_string(),
        (12, 6),
        ("sans-serif", 22).into_font(),
    ))?;
    let stop = format!("stop at step {}: {}", marks.stop_step, marks.stop_reason);
    let target = format!("target {}%", tick(marks.target * 100.0));
    let legend: [(&str, RGBColor); 4] = [
        ("training loss (left, log scale)", BLUE),
        ("held-out accuracy % (right)", RED),
        (&target, TARGET_COLOUR),
        (&stop, STOP_COLOUR),
    ];
    for (i, (label, colour)) in legend.iter().enumerate() {
        let (x, y) = (12 + 400 * (i as i32 % 2), 40 + 16 * (i as i32 / 2));
        top.draw(&PathElement::new(
            vec![(x, y + 6), (x + 24, y + 6)],
            colour.stroke_width(2),
        ))?;
        top.draw(&Text::new(
            label.to_string(),
            (x + 30, y),
            ("sans-serif", 14).into_font(),
        ))?;
    }
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .right_y_label_area_size(64)
        // Room past the stop and above 100% keeps both marks off the frame.
        .build_cartesian_2d(0f64..max_step * 1.04, (lo..hi).log_scale())?
        .set_secondary_coord(0f64..max_step * 1.04, 0f64..105.0);
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("training loss")
        .y_labels(6)
        .light_line_style(WHITE)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| tick(*y))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("held-out accuracy %")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    chart.draw_series(LineSeries::new(losses, BLUE.stroke_width(2)))?;
    chart.draw_secondary_series(LineSeries::new(accuracy, RED.stroke_width(2)))?;
    let target = marks.target * 100.0;
    chart.draw_secondary_series(LineSeries::new(
        [(0.0, target), (max_step, target)],
        TARGET_COLOUR.stroke_width(1),
    ))?;
    let stop = marks.stop_step as f64;
    chart.draw_secondary_series(LineSeries::new(
        [(stop, 0.0), (stop, 105.0)],
        STOP_COLOUR.stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(0.025), "0.025");
        assert_eq!(tick(150.0), "150");
        assert_eq!(tick(1.5), "1.5");
        assert_eq!(tick(0.0001), "1e-4");
        assert_eq!(tick(100.0), "100");
    }

    #[test]
    fn a_non_finite_loss_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.metrics.jsonl");
        let mut log = MetricsLog::open(&path, None).unwrap();
        for loss in [0.5, f64::NAN] {
            log.append(&Record {
                step: 1,
                loss,
                accuracy: None,
                eval_windows: None,
                seconds: 0.1,
            })
            .unwrap();
        }
        let records = read(&path).unwrap();
        assert_eq!(records[0].loss, 0.5);
        assert!(records[1].loss.is_nan());
        let marks = Marks {
            target: 1.0,
            stop_step: 1,
            stop_reason: "step cap".into(),
        };
        plot(&records, "t", &marks, &dir.path().join("m.svg")).unwrap();
    }
}
