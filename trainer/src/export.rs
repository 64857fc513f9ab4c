//! From a trained burn network to a model file: float weights in the
//! file's layout, quantisation by infer-nostd, an atomic write.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::nn::Linear;
use burn::tensor::Tensor;
use infer_host::layout::transpose;
use infer_host::quantise::{
    quantise, FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs, PrecisionPolicy,
    Quantised,
};
use infer_nostd::format::{Cell, HeadKind};

use crate::model::layer::{Direction, Layer};
use crate::model::Network;
use crate::spec::{InputSpec, OutputSpec};

/// Fraction of calibration outputs the quantised model must agree on with
/// the float one; tensors are widened to int16 until it holds.
pub const TARGET_AGREEMENT: f64 = 0.9999;

/// The values of a burn tensor.
fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 parameters")
}

/// A burn `Linear` (`y = x W + b`, `W` as `[inputs, outputs]`) as a
/// row-major `[outputs][inputs]` kernel, scaled by `scale`, and its bias.
fn kernel(linear: &Linear, scale: f32) -> (Vec<f32>, Vec<f32>) {
    let weight = linear.weight.val();
    let [inputs, outputs] = weight.dims();
    let rows = transpose(&values(weight), inputs, outputs, scale);
    let bias = linear
        .bias
        .as_ref()
        .map_or_else(|| vec![0.0; outputs], |b| values(b.val()));
    (rows, bias)
}

/// One direction in the float model's layout; `input_scale` multiplies
/// the input kernel. A GRU's biases are `[b_ir + b_hr, b_iz + b_hz, b_in,
/// b_hn]`: the reset and update gates' two sides summed, the new gate's
/// kept apart (the reset gate scales `b_hn`).
fn direction(d: &Direction, input_scale: f32) -> FloatDirection {
    match d {
        Direction::Lstm(d) => {
            let (input, bias) = kernel(&d.input, input_scale);
            let (recurrent, _) = kernel(&d.recurrent, 1.0);
            FloatDirection {
                input,
                recurrent,
                bias,
            }
        }
        Direction::Gru(d) => {
            let (input, input_bias) = kernel(&d.input, input_scale);
            let (recurrent, recurrent_bias) = kernel(&d.recurrent, 1.0);
            let u = d.units;
            let summed = input_bias[..2 * u]
                .iter()
                .zip(&recurrent_bias[..2 * u])
                .map(|(i, r)| i + r);
            let bias = summed
                .chain(input_bias[2 * u..].iter().copied())
                .chain(recurrent_bias[2 * u..].iter().copied())
                .collect();
            FloatDirection {
                input,
                recurrent,
                bias,
            }
        }
    }
}

/// A stack of layers; `input_scale` applies to the first layer's input.
fn layers(stack: &[Layer], input_scale: f32) -> Vec<FloatLayer> {
    stack
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let scale = if i == 0 { input_scale } else { 1.0 };
            let (cell, units, relu) = match &l.forward {
                Direction::Lstm(d) => (Cell::Lstm, d.units, d.relu),
                Direction::Gru(d) => (Cell::Gru, d.units, false),
            };
            FloatLayer {
                cell,
                units,
                relu,
                forward: direction(&l.forward, scale),
                backward: l.backward.as_ref().map(|b| direction(b, scale)),
            }
        })
        .collect()
}

/// The network as the float model infer-nostd quantises, reading raw
/// (unscaled) values: the training scale of dense inputs and regression
/// outputs is folded into the first input kernel and the head.
pub fn float_model(network: &Network, label: &str, window: usize) -> FloatModel {
    let spec = &network.spec;
    let (input, input_scale) = match spec.input {
        InputSpec::OneHot { classes } => (FloatInput::OneHot { classes }, 1.0),
        InputSpec::Dense { features } => (FloatInput::Dense { features }, 1.0 / spec.value_scale),
    };
    let outputs = match &spec.outputs {
        OutputSpec::LastStep => FloatOutputs::LastStep,
        OutputSpec::EveryStep => FloatOutputs::EveryStep,
        OutputSpec::EncoderDecoder { steps, .. } => FloatOutputs::EncoderDecoder {
            steps: *steps,
            decoder: layers(&network.decoder, 1.0),
        },
    };
    let (head_kind, output_scale) = if spec.head.classify {
        (HeadKind::Classify, 1.0)
    } else {
        (HeadKind::Regress, spec.value_scale)
    };
    let (head_weights, head_bias) = kernel(&network.head, output_scale);
    FloatModel {
        label: label.to_string(),
        window,
        input,
        encoder: layers(&network.encoder, input_scale),
        outputs,
        head_kind,
        head_groups: spec.head.groups,
        head_weights,
        head_bias: head_bias.iter().map(|b| b * output_scale).collect(),
        masked: spec.masked,
        names: Vec::new(),
    }
}

/// Quantises `model`, calibrating on `calibration` windows.
pub fn quantise_model(model: &FloatModel, calibration: &[Vec<f32>]) -> Result<Quantised> {
    quantise(
        model,
        calibration,
        PrecisionPolicy::Auto {
            target_agreement: TARGET_AGREEMENT,
        },
    )
    .map_err(|e| anyhow::Error::new(e).context("cannot quantise the trained network"))
}

/// The temporary name a file is written under before its rename.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes a file atomically: `write` fills a temporary file beside `path`,
/// which is synced and renamed over `path` only if `write` succeeds. On
/// any failure the temporary file is removed and `path` is untouched.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let temp = temp_path(path);
    let attempt = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&temp)?;
        write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = attempt {
        let _ = fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use burn::module::Param;
    use burn::tensor::TensorData;

    use super::*;
    use crate::backend::Backend;
    use crate::model::gru::GruDirection;

    #[test]
    fn a_gru_exports_gate_by_gate_with_b_hn_apart() {
        let device = Backend::default().training_device(1);
        // 2 units reading 3 inputs: 6 rows, weight (r, i) = 10 r + i.
        let mut d = GruDirection::new(3, 2, &device);
        let set = |linear: &mut Linear, inputs: usize, bias: Vec<f32>| {
            let w: Vec<f32> = (0..inputs)
                .flat_map(|i| (0..6).map(move |r| (10 * r + i) as f32))
                .collect();
            linear.weight =
                Param::from_tensor(Tensor::from_data(TensorData::new(w, [inputs, 6]), &device));
            linear.bias = Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(bias, [6]),
                &device,
            )));
        };
        set(&mut d.input, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        set(
            &mut d.recurrent,
            2,
            vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        );
        let w = direction(&Direction::Gru(d), 0.5);
        // b_r and b_z summed from both sides, then b_in, then b_hn.
        assert_eq!(w.bias, [11.0, 22.0, 33.0, 44.0, 5.0, 6.0, 50.0, 60.0]);
        // Row-major [rows][inputs], the input kernel scaled.
        let rows = |inputs: usize, scale: f32| -> Vec<f32> {
            (0..6)
                .flat_map(|r| (0..inputs).map(move |i| (10 * r + i) as f32 * scale))
                .collect()
        };
        assert_eq!(w.input, rows(3, 0.5));
        assert_eq!(w.recurrent, rows(2, 1.0));
    }

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.elsm");
        let err = write_atomically(&path, |f| {
            f.write_all(b"ELSM half")?;
            Err(std::io::Error::other("interrupted before the rename"))
        });
        assert!(err.is_err());
        assert!(!path.exists());
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.elsm");
        write_atomically(&path, |f| f.write_all(b"old")).unwrap();
        let _ = write_atomically(&path, |_| Err(std::io::Error::other("killed")));
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }
}
