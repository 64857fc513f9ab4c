//! Per-channel normalisation of dense inputs: computed on the training
//! split, applied while training, and folded into the exported model's
//! first layer so that the file (and the firmware) reads raw values.

use infer_host::quantise::FloatModel;
use series_data::Dataset;

/// Standard deviations below this are taken as 1 (a constant channel
/// carries no information; dividing by ~0 would only blow it up).
const FLAT: f32 = 1e-6;

/// Each channel's mean and standard deviation over every step of the
/// training sequences: the network trains on `(x - mean) / std`.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalisation {
    /// Mean per channel, in the data's units.
    pub mean: Vec<f32>,
    /// Standard deviation per channel (population), in the data's units;
    /// never below [`FLAT`].
    pub std: Vec<f32>,
}

impl Normalisation {
    /// The statistics of `dataset`'s sequences `indices` (in f64 sums).
    pub fn of(dataset: &Dataset, indices: &[usize]) -> Self {
        let c = dataset.channels;
        let (mut sum, mut squares, mut n) = (vec![0f64; c], vec![0f64; c], 0usize);
        for s in indices.iter().filter_map(|&i| dataset.sequences.get(i)) {
            for step in s.values.chunks_exact(c) {
                for (k, &v) in step.iter().enumerate() {
                    sum[k] += f64::from(v);
                    squares[k] += f64::from(v) * f64::from(v);
                }
            }
            n += s.steps;
        }
        let n = n.max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = squares
            .iter()
            .zip(&mean)
            .map(|(q, m)| {
                let sd = (q / n - m * m).max(0.0).sqrt() as f32;
                if sd < FLAT {
                    1.0
                } else {
                    sd
                }
            })
            .collect();
        Normalisation {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// `values` (time-major steps of every channel) normalised in place;
    /// NaN (a pad) stays NaN.
    pub fn apply(&self, values: &mut [f32]) {
        for step in values.chunks_exact_mut(self.mean.len().max(1)) {
            for ((v, m), s) in step.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Folds the normalisation into `model`'s first layer, so that it
    /// reads raw values: each input column `c` of every direction's input
    /// kernel is divided by `std[c]`, and each gate row's input-side bias
    /// loses `sum_c w[r][c] * mean[c] / std[c]`. Exact in real arithmetic:
    /// `W (x - m) / s + b = (W / s) x + (b - W m / s)`. (A GRU's recurrent
    /// new-gate bias `b_hn`, after the gate rows, is not an input side.)
    pub fn fold(&self, model: &mut FloatModel) {
        let f = self.mean.len();
        let Some(first) = model.encoder.first_mut() else {
            return;
        };
        let rows = first.cell.gates() * first.units;
        for d in std::iter::once(&mut first.forward).chain(first.backward.as_mut()) {
            for (row, bias) in d.input.chunks_exact_mut(f).zip(&mut d.bias).take(rows) {
                let mut shift = 0f64;
                for ((w, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                    shift += f64::from(*w) * f64::from(*m) / f64::from(*s);
                    *w /= s;
                }
                *bias -= shift as f32;
            }
        }
    }
}
