//! Running a model file through infer-nostd on the host: the integer
//! engine (the numbers a device gets) and the f32 reference.

use anyhow::{anyhow, bail, Result};
use infer_host::HostRunner;
use infer_nostd::format::HeadKind;
use infer_nostd::{Fixed, Float, Kernel, Model};

use crate::batch::Batch;

/// Head outputs [`FileRunner::classes_and_logits`] lists at most (64 MiB of f32).
pub const MAX_LOGITS: usize = 1 << 24;

/// Which arithmetic runs the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arithmetic {
    /// The integer engine.
    Fixed,
    /// The f32 reference path over the same file.
    Float,
}

/// Parses a model file, turning the engine's error into a message.
pub fn load(bytes: &[u8]) -> Result<Model<'_>> {
    Model::from_bytes(bytes).map_err(|e| anyhow!("invalid model file: {e}"))
}

/// Runs windows of raw numbers (class indices, or real values) through a
/// model file, reducing each output step to its answer: the class, or the
/// real regression value.
pub struct FileRunner<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Fixed(Box<HostRunner<'a, Fixed>>),
    Float(Box<HostRunner<'a, Float>>),
}

fn boxed<K: Kernel>(model: Model<'_>) -> Result<Box<HostRunner<'_, K>>> {
    Ok(Box::new(
        HostRunner::<K>::new(model).map_err(|e| anyhow!("{e}"))?,
    ))
}

impl<'a> FileRunner<'a> {
    /// Loads `bytes` for `arithmetic`.
    pub fn new(bytes: &'a [u8], arithmetic: Arithmetic) -> Result<Self> {
        let model = load(bytes)?;
        let inner = match arithmetic {
            Arithmetic::Fixed => Inner::Fixed(boxed(model)?),
            Arithmetic::Float => Inner::Float(boxed(model)?),
        };
        Ok(FileRunner { inner })
    }

    /// The model being run.
    pub fn model(&self) -> &Model<'a> {
        match &self.inner {
            Inner::Fixed(r) => r.model(),
            Inner::Float(r) => r.model(),
        }
    }

    /// One window of raw numbers as the engine's input (class indices, or
    /// dense values quantised to the model's input scale, saturating).
    fn quantised(&self, raw: &[f32]) -> Vec<i16> {
        let model = self.model();
        raw.iter().map(|&x| model.quantise_input(x)).collect()
    }

    /// Every answer for one window of raw numbers: one per output step,
    /// or a vector output's per group of each step, in order.
    pub fn predict(&mut self, raw: &[f32]) -> Result<Vec<f32>> {
        let model = self.model().clone();
        let input = self.quantised(raw);
        let steps = input.len() / model.step_width().max(1);
        let mut out = vec![0i32; model.predictions(steps).max(1)];
        let n = match &mut self.inner {
            Inner::Fixed(r) => r.predict(&input, &mut out),
            Inner::Float(r) => r.predict(&input, &mut out),
        }
        .map_err(|e| anyhow!("{e}"))?;
        let classify = model.head().kind == HeadKind::Classify;
        Ok(out[..n]
            .iter()
            .map(|&v| {
                if classify {
                    v as f32
                } else {
                    model.dequantise_output(v)
                }
            })
            .collect())
    }

    /// A classifier's every answer (as [`predict`](Self::predict) lists
    /// them) and every head output (in the same order, the rows of each
    /// answer's group: as real logits), from one run: each class is the
    /// first of the equal maxima of the engine's own logits (integers, or
    /// f32), as `predict` picks it. At most [`MAX_LOGITS`] logits.
    pub fn classes_and_logits(&mut self, raw: &[f32]) -> Result<(Vec<f32>, Vec<f32>)> {
        let model = self.model().clone();
        let input = self.quantised(raw);
        let answers = model.predictions(input.len() / model.step_width().max(1));
        let rows = model.outputs_per_prediction().max(1);
        let len = answers.saturating_mul(rows);
        if len > MAX_LOGITS {
            bail!("{answers} answers of {rows} outputs are too many to list (at most {MAX_LOGITS} values)");
        }
        match &mut self.inner {
            Inner::Fixed(r) => run_logits(r, &input, len, rows, |v| model.dequantise_output(v)),
            Inner::Float(r) => run_logits(r, &input, len, rows, |v| v),
        }
    }

    /// Predictions for every scored step of every sample of `batch`,
    /// sample-major, as [`crate::score`] expects (a pad's target is no
    /// scored step).
    pub fn predictions(&mut self, batch: &Batch) -> Result<Vec<f32>> {
        let mut all = Vec::with_capacity(batch.samples * batch.scored_per_sample());
        let counted = batch.counted();
        let per = batch.scored_per_sample();
        for i in 0..batch.samples {
            let steps = self.predict(&batch.raw_input(i))?;
            if steps.len() != batch.out_steps {
                bail!(
                    "the model gives {} outputs per window, the task expects {}",
                    steps.len(),
                    batch.out_steps
                );
            }
            let sample = counted.get(i * per..(i + 1) * per).unwrap_or(&[]);
            let scored = steps[batch.first_scored..].iter().zip(sample);
            all.extend(scored.filter_map(|(&p, &c)| c.then_some(p)));
        }
        Ok(all)
    }
}

/// One run's logits (`len`, `rows` per answer) through `runner`: each
/// answer's class (the first maximum) and every logit through `real`.
fn run_logits<K: Kernel>(
    runner: &mut HostRunner<'_, K>,
    input: &[i16],
    len: usize,
    rows: usize,
    real: impl Fn(K::Output) -> f32,
) -> Result<(Vec<f32>, Vec<f32>)>
where
    K::Output: Default,
{
    let mut out = vec![K::Output::default(); len];
    runner
        .predict_logits(input, &mut out)
        .map_err(|e| anyhow!("{e}"))?;
    let classes = out
        .chunks(rows)
        .map(|step| {
            let mut best = 0;
            for (c, v) in step.iter().enumerate() {
                if *v > step[best] {
                    best = c;
                }
            }
            best as f32
        })
        .collect();
    Ok((classes, out.into_iter().map(real).collect()))
}

/// [`FileRunner::predictions`] of `bytes` for `batch`, its samples split
/// between `threads` threads (each with its own runner), in order.
pub fn predictions_on_threads(
    bytes: &[u8],
    arithmetic: Arithmetic,
    batch: &Batch,
    threads: usize,
) -> Result<Vec<f32>> {
    let per = batch.samples.div_ceil(threads.max(1)).max(1);
    let parts: Vec<Batch> = (0..batch.samples)
        .step_by(per)
        .map(|start| batch.slice(start..(start + per).min(batch.samples)))
        .collect();
    std::thread::scope(|scope| {
        let workers: Vec<std::thread::ScopedJoinHandle<'_, Result<Vec<f32>>>> = parts
            .iter()
            .map(|part| {
                // A runner is built on the stack before it is boxed: give
                // the threads the main thread's room (debug builds need it).
                std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(scope, move || {
                        FileRunner::new(bytes, arithmetic)?.predictions(part)
                    })
            })
            .collect::<std::io::Result<_>>()?;
        let mut all = Vec::with_capacity(batch.samples * batch.scored_per_sample());
        for worker in workers {
            all.extend(worker.join().expect("a prediction thread panicked")?);
        }
        Ok(all)
    })
}

/// Stack of a prediction thread.
const STACK: usize = 8 << 20;

/// Threads worth running engine predictions on.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
