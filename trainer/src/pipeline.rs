//! Train, export, verify: what `trainer train` and `trainer eval` report.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::batch::Batch;
use crate::engine::{load, predictions_on_threads, threads, Arithmetic, FileRunner};
use crate::export::{float_model, quantise_model, write_atomically};
use crate::model::Network;
use crate::rng::{stream, Stream};
use crate::score::{accuracy, agreement, breakdown, float_predictions, Breakdown};
use crate::spec::HeadSpec;
use crate::task::Task;
use crate::train::samples_for;

/// Calibration windows handed to the quantiser.
pub const CALIBRATION_WINDOWS: usize = 2_000;

/// The summary `train` and `eval` print (and emit as one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Task name.
    pub task: String,
    /// Float model accuracy on the verification windows (burn after
    /// training; the f32 reference over the file for `eval`).
    pub float_accuracy: f64,
    /// Fixed-point engine accuracy on the same windows.
    pub fixed_accuracy: f64,
    /// Fraction of predictions where float and fixed agree.
    pub agreement: f64,
    /// Windows evaluated (for echo-lag: streamed steps with a previous value).
    pub eval_windows: usize,
    /// Predictions scored over those windows (one per output step).
    pub eval_predictions: usize,
    /// Optimizer updates (0 for `eval`).
    pub steps: usize,
    /// Training seconds (0 for `eval`).
    pub train_seconds: f64,
    /// Weights and biases.
    pub params: usize,
    /// Model file size.
    pub model_bytes: usize,
    /// Multiply-accumulates per window in the engine (per streamed step
    /// for echo-lag).
    pub macs_per_window: usize,
    /// Seconds of held-out checks while training (0 for `eval`).
    pub check_seconds: f64,
    /// Seconds calibrating and quantising (0 for `eval`).
    pub quantise_seconds: f64,
    /// Seconds verifying the file (float and fixed on the eval windows).
    pub verify_seconds: f64,
    /// The univariate query 70, 80, 90 through the fixed engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_prediction: Option<f32>,
}

impl Report {
    /// Human-readable lines.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "task {}\n  float accuracy  {:.2}%\n  fixed accuracy  {:.2}%\n  agreement       {:.4}%\n  \
             eval windows    {} ({} predictions)\n  steps           {}\n  train seconds   {:.1}\n  params          {}\n  \
             model bytes     {}\n  MACs per window {}",
            self.task,
            self.float_accuracy * 100.0,
            self.fixed_accuracy * 100.0,
            self.agreement * 100.0,
            self.eval_windows,
            self.eval_predictions,
            self.steps,
            self.train_seconds,
            self.params,
            self.model_bytes,
            self.macs_per_window,
        );
        if let Some(q) = self.query_prediction {
            s.push_str(&format!("\n  70 80 90 ->     {q:.2}"));
        }
        s
    }
}

/// The univariate query through the fixed engine, for regression tasks.
fn query(task: Task, bytes: &[u8]) -> Result<Option<f32>> {
    if task != Task::UNIVARIATE {
        return Ok(None);
    }
    let (window, _) = Task::univariate_query();
    let out = FileRunner::new(bytes, Arithmetic::Fixed)?.predict(&window)?;
    Ok(out.first().copied())
}

/// A quantised, verified model file, not yet written.
pub struct Exported {
    /// The model file.
    pub bytes: Vec<u8>,
    /// Its verification.
    pub report: Report,
}

/// Quantises `network` and verifies the fixed engine, running the file's
/// very bytes, against the float network on `eval_windows` fresh windows.
pub fn quantise_and_verify(
    network: &Network,
    task: Task,
    seed: u64,
    eval_windows: usize,
) -> Result<Exported> {
    let float = float_model(network, &task.to_string(), task.window());
    let calibration_batch = task.batch(
        &mut stream(seed, Stream::Calibration),
        samples_for(task, CALIBRATION_WINDOWS),
    );
    let calibration: Vec<Vec<f32>> = (0..calibration_batch.samples)
        .map(|i| calibration_batch.raw_input(i))
        .collect();
    let quantising = Instant::now();
    let bytes = quantise_model(&float, &calibration)?.bytes;
    let quantise_seconds = quantising.elapsed().as_secs_f64();

    let verifying = Instant::now();
    let eval = task.batch(
        &mut stream(seed, Stream::Verification),
        samples_for(task, eval_windows),
    );
    // burn and the engine run side by side, the engine on every core.
    let (float_pred, fixed_pred) = std::thread::scope(|scope| {
        let fixed =
            scope.spawn(|| predictions_on_threads(&bytes, Arithmetic::Fixed, &eval, threads()));
        let float = float_predictions(network, &eval);
        let fixed = fixed
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the engine thread failed")));
        (float, fixed.map(|f| answers(task, f)))
    });
    let verify_seconds = verifying.elapsed().as_secs_f64();
    let mut report = Report::scored(
        task,
        &eval,
        [&float_pred, &fixed_pred?],
        &bytes,
        float.parameters(),
    )?;
    report.quantise_seconds = quantise_seconds;
    report.verify_seconds = verify_seconds;
    Ok(Exported { bytes, report })
}

/// [`quantise_and_verify`], then writes the file atomically to `path`.
pub fn export(
    network: &Network,
    task: Task,
    seed: u64,
    eval_windows: usize,
    path: &Path,
) -> Result<Report> {
    let exported = quantise_and_verify(network, task, seed, eval_windows)?;
    write_atomically(path, |f| std::io::Write::write_all(f, &exported.bytes))?;
    Ok(exported.report)
}

/// `task`'s answers from a file's outputs (classes, or dequantised
/// values): a rounding head's values rounded, as training scores them.
pub fn answers(task: Task, mut outputs: Vec<f32>) -> Vec<f32> {
    if task.rounds() {
        let head = HeadSpec::rounded();
        outputs.iter_mut().for_each(|v| *v = head.answer(*v));
    }
    outputs
}

/// The task a model file was trained for, from its label.
pub fn file_task(bytes: &[u8]) -> Result<Task> {
    let model = crate::engine::load(bytes)?;
    model
        .desc()
        .label
        .parse()
        .map_err(|e: String| anyhow::anyhow!("the model's label names no task: {e}"))
}

/// Evaluates a model file on `eval_windows` fresh windows of its task:
/// the f32 reference path as the float model, the integer engine as fixed;
/// with where the fixed engine's errors lie.
pub fn evaluate_file(bytes: &[u8], seed: u64, eval_windows: usize) -> Result<(Report, Breakdown)> {
    let task = file_task(bytes)?;
    let verifying = Instant::now();
    let eval = task.batch(
        &mut stream(seed, Stream::Verification),
        samples_for(task, eval_windows),
    );
    let float_pred = answers(
        task,
        predictions_on_threads(bytes, Arithmetic::Float, &eval, threads())?,
    );
    let fixed_pred = answers(
        task,
        predictions_on_threads(bytes, Arithmetic::Fixed, &eval, threads())?,
    );
    let verify_seconds = verifying.elapsed().as_secs_f64();
    let params = parameters(&load(bytes)?);
    let mut report = Report::scored(task, &eval, [&float_pred, &fixed_pred], bytes, params)?;
    report.verify_seconds = verify_seconds;
    Ok((report, breakdown(&fixed_pred, &eval)))
}

impl Report {
    /// The report of the model file `bytes` (with `params` parameters)
    /// whose float and fixed predictions on `eval` are `[float, fixed]`;
    /// training and timing fields are zero.
    fn scored(
        task: Task,
        eval: &Batch,
        [float, fixed]: [&[f32]; 2],
        bytes: &[u8],
        params: usize,
    ) -> Result<Report> {
        Ok(Report {
            task: task.to_string(),
            float_accuracy: accuracy(float, eval),
            fixed_accuracy: accuracy(fixed, eval),
            agreement: agreement(float, fixed, task.classifies()),
            eval_windows: eval.samples * task.windows_per_sample(),
            eval_predictions: fixed.len(),
            steps: 0,
            train_seconds: 0.0,
            params,
            model_bytes: bytes.len(),
            macs_per_window: load(bytes)?.macs_per_window(task.window().max(1)),
            check_seconds: 0.0,
            quantise_seconds: 0.0,
            verify_seconds: 0.0,
            query_prediction: query(task, bytes)?,
        })
    }
}

/// Weights and biases of the network a model file holds, as
/// [`infer_host::quantise::FloatModel::parameters`] counts them: a GRU's
/// zero rows padding its units to blocks of four are not counted.
pub fn parameters(model: &infer_nostd::Model) -> usize {
    use infer_nostd::format::{Cell, Outputs};
    use infer_nostd::Layers;
    let stack = |s: &Layers| -> usize {
        s.iter()
            .map(|l| {
                let (units, inputs) = (l.units as usize, l.forward.input.cols as usize);
                let rows = l.cell.gates() * units;
                // A GRU's new gate has a recurrent-side bias too.
                let biases = rows + if l.cell == Cell::Gru { units } else { 0 };
                let direction = rows * (inputs + units) + biases;
                direction * if l.backward.is_some() { 2 } else { 1 }
            })
            .sum()
    };
    let d = model.desc();
    let decoder = match &d.outputs {
        Outputs::EncoderDecoder { decoder, .. } => stack(decoder),
        _ => 0,
    };
    let head = d.head.dense.rows as usize * (d.head.dense.cols as usize + 1);
    stack(&d.encoder) + decoder + head
}
