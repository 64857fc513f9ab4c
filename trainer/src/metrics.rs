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
    /// Training loss of the latest update.
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
        .map(|line| Ok(serde_json::from_str(&line?)?))
        .collect()
}

/// Plots loss (log scale, left) and held-out accuracy (right) against
/// steps as an SVG.
pub fn plot(records: &[Record], title: &str, path: &Path) -> Result<()> {
    let max_step = records.iter().map(|r| r.step).max().unwrap_or(1).max(1) as f64;
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

    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .right_y_label_area_size(60)
        .build_cartesian_2d(0f64..max_step, (lo..hi).log_scale())?
        .set_secondary_coord(0f64..max_step, 0f64..100.5);
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("training loss")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("held-out accuracy %")
        .draw()?;
    chart
        .draw_series(LineSeries::new(losses, &BLUE))?
        .label("loss")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_secondary_series(LineSeries::new(accuracy, &RED))?
        .label("accuracy")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
