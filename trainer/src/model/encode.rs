//! Host batches to burn tensors, and model outputs back to predictions.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::network::NetworkInput;
use super::recurrent::LayerInput;
use crate::batch::{Batch, Inputs, Targets};
use crate::spec::{InputSpec, NetworkSpec};

/// The network input of `batch`: class indices standing for one-hot
/// vectors (`[batch, steps]`), or scaled dense values; a masked network's
/// pad steps (the class `classes`, or a dense step of NaNs) are masked and
/// look up class 0 or read zeros, which the mask discards.
pub fn inputs(batch: &Batch, spec: &NetworkSpec, device: &Device) -> NetworkInput {
    match (&batch.inputs, spec.input) {
        (Inputs::Classes(values), InputSpec::OneHot { classes }) => {
            let pad = |v: u32| spec.masked && v as usize == classes;
            assert!(
                values.iter().all(|&v| (v as usize) < classes || pad(v)),
                "class index out of range"
            );
            let data: Vec<i64> = values
                .iter()
                .map(|&v| if pad(v) { 0 } else { i64::from(v) })
                .collect();
            let mask = spec.masked.then(|| {
                let real: Vec<f32> = values
                    .iter()
                    .map(|&v| f32::from(u8::from(!pad(v))))
                    .collect();
                Tensor::from_data(TensorData::new(real, [batch.samples, batch.steps]), device)
            });
            NetworkInput {
                x: LayerInput::Classes(Tensor::from_data(
                    TensorData::new(data, [batch.samples, batch.steps]),
                    device,
                )),
                mask,
            }
        }
        (Inputs::Values(values), InputSpec::Dense { features }) => {
            // A masked network's pad steps are all NaN: masked, read as 0.
            let data: Vec<f32> = values
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        0.0
                    } else {
                        v / spec.value_scale
                    }
                })
                .collect();
            let mask = spec.masked.then(|| {
                let real: Vec<f32> = values
                    .chunks(features.max(1))
                    .map(|step| f32::from(u8::from(!step.iter().all(|v| v.is_nan()))))
                    .collect();
                Tensor::from_data(TensorData::new(real, [batch.samples, batch.steps]), device)
            });
            NetworkInput {
                x: LayerInput::Values(Tensor::from_data(
                    TensorData::new(data, [batch.samples, batch.steps, features]),
                    device,
                )),
                mask,
            }
        }
        _ => panic!("batch inputs do not match the network's input kind"),
    }
}

/// Per scored target (`[batch * scored steps]`), 1 if it counts and 0 if
/// it is a pad's (see [`Batch::counted`]); `None` when every one counts.
pub fn target_weights(batch: &Batch, device: &Device) -> Option<Tensor<1>> {
    if batch.pads.is_empty() {
        return None;
    }
    let weights: Vec<f32> = batch
        .counted()
        .iter()
        .map(|&c| f32::from(u8::from(c)))
        .collect();
    let n = weights.len();
    Some(Tensor::from_data(TensorData::new(weights, [n]), device))
}

/// The scored output steps of `outputs` (`[batch, out steps, width]`).
pub fn scored(outputs: Tensor<3>, batch: &Batch) -> Tensor<3> {
    outputs.narrow(1, batch.first_scored, batch.scored_per_sample())
}

/// The scored class targets, flattened to `[batch * scored steps]`.
pub fn class_targets(batch: &Batch, device: &Device) -> Tensor<1, Int> {
    let Targets::Classes(targets) = &batch.targets else {
        panic!("class targets expected")
    };
    let data: Vec<i64> = scored_targets(targets, batch)
        .map(|&t| i64::from(t))
        .collect();
    let n = data.len();
    Tensor::from_data(TensorData::new(data, [n]), device)
}

/// The scored regression targets, scaled, as `[batch, scored steps, 1]`.
pub fn value_targets(batch: &Batch, spec: &NetworkSpec, device: &Device) -> Tensor<3> {
    let Targets::Values(targets) = &batch.targets else {
        panic!("value targets expected")
    };
    let data: Vec<f32> = scored_targets(targets, batch)
        .map(|t| t / spec.value_scale)
        .collect();
    Tensor::from_data(
        TensorData::new(data, [batch.samples, batch.scored_per_sample(), 1]),
        device,
    )
}

/// Iterates the scored entries of per-sample, per-output-step targets.
pub fn scored_targets<'a, T>(targets: &'a [T], batch: &'a Batch) -> impl Iterator<Item = &'a T> {
    targets
        .chunks(batch.out_steps)
        .flat_map(move |row| &row[batch.first_scored..])
}
