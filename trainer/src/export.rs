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

use crate::model::lstm::{DirectionModule, LstmModule};
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

/// One direction; `input_scale` multiplies the input kernel.
fn direction(d: &DirectionModule, input_scale: f32) -> FloatDirection {
    let (input, bias) = kernel(&d.input, input_scale);
    let (recurrent, _) = kernel(&d.recurrent, 1.0);
    FloatDirection {
        input,
        recurrent,
        bias,
    }
}

/// A stack of layers; `input_scale` applies to the first layer's input.
fn layers(stack: &[LstmModule], input_scale: f32) -> Vec<FloatLayer> {
    stack
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let scale = if i == 0 { input_scale } else { 1.0 };
            FloatLayer {
                cell: Cell::Lstm,
                units: l.forward.units,
                relu: l.forward.relu,
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
    use super::*;

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
