//! The f32 reference path of infer-nostd, reading an exported file,
//! against burn running the weights that file holds: within 1e-4. Burn is
//! loaded with `quantise::dequantise` of the file (the file's integer
//! weights times their scales), so the only differences left are the order
//! of float operations: a gate order, transpose, bias or scale mistake
//! anywhere between burn and the engine fails here. LSTM and GRU networks,
//! freshly initialised and briefly trained.

mod common;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Tensor, TensorData};
use infer_host::quantise::{
    dequantise, engine_window, FloatDirection, FloatLayer, FloatModel, FloatOutputs,
};
use infer_host::HostReference;
use infer_nostd::format::Cell;
use infer_nostd::Model;
use trainer::backend::Backend;
use trainer::export::{float_model, quantise_model};
use trainer::model::encode::inputs;
use trainer::model::layer::{Direction, Layer};
use trainer::model::Network;
use trainer::pipeline::parameters;
use trainer::rng::{stream, Stream};
use trainer::spec::InputSpec;
use trainer::task::Task;
use trainer::train::train;

/// A burn `Linear` holding a row-major `[outputs][inputs]` kernel and its bias.
fn set_linear(linear: &mut Linear, rows: &[f32], bias: Option<&[f32]>) {
    let [inputs, outputs] = linear.weight.val().dims();
    let device = linear.weight.val().device();
    let mut w = vec![0.0; rows.len()];
    for o in 0..outputs {
        for i in 0..inputs {
            w[i * outputs + o] = rows[o * inputs + i];
        }
    }
    linear.weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(w, [inputs, outputs]),
        &device,
    ));
    if let Some(b) = bias {
        linear.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(b.to_vec(), [outputs]),
            &device,
        )));
    }
}

/// `d` with the weights of `w` (the float model's layout). A GRU's
/// float biases `[b_r, b_z, b_in, b_hn]` go to burn's input side but for
/// `b_hn`, which is the recurrent side's (whose `b_hr`, `b_hz` are zero).
fn set_direction(d: &mut Direction, w: &FloatDirection, input_scale: f32) {
    let input: Vec<f32> = w.input.iter().map(|v| v * input_scale).collect();
    match d {
        Direction::Lstm(d) => {
            set_linear(&mut d.input, &input, Some(&w.bias));
            set_linear(&mut d.recurrent, &w.recurrent, None);
        }
        Direction::Gru(d) => {
            let rows = 3 * d.units;
            let mut recurrent_bias = vec![0.0; rows];
            recurrent_bias[2 * d.units..].copy_from_slice(&w.bias[rows..]);
            set_linear(&mut d.input, &input, Some(&w.bias[..rows]));
            set_linear(&mut d.recurrent, &w.recurrent, Some(&recurrent_bias));
        }
    }
}

/// `stack` with the weights of `layers`; `input_scale` multiplies the first
/// layer's input kernel.
fn set_stack(stack: &mut [Layer], layers: &[FloatLayer], input_scale: f32) {
    for (i, (layer, float)) in stack.iter_mut().zip(layers).enumerate() {
        let scale = if i == 0 { input_scale } else { 1.0 };
        set_direction(&mut layer.forward, &float.forward, scale);
        if let (Some(b), Some(fb)) = (layer.backward.as_mut(), float.backward.as_ref()) {
            set_direction(b, fb, scale);
        }
    }
}

/// `network` with the weights of `float`, the export's scaling undone:
/// burn reads dense values divided by the value scale and answers a
/// regression in the same units.
fn load(network: &mut Network, float: &FloatModel) {
    let spec = network.spec.clone();
    let dense = matches!(spec.input, InputSpec::Dense { .. });
    let input_scale = if dense { spec.value_scale } else { 1.0 };
    let output_scale = if spec.head.classify {
        1.0
    } else {
        spec.value_scale
    };
    set_stack(&mut network.encoder, &float.encoder, input_scale);
    if let FloatOutputs::EncoderDecoder { decoder, .. } = &float.outputs {
        set_stack(&mut network.decoder, decoder, 1.0);
    }
    let unscale = |v: &[f32]| v.iter().map(|x| x / output_scale).collect::<Vec<_>>();
    set_linear(
        &mut network.head,
        &unscale(&float.head_weights),
        Some(&unscale(&float.head_bias)),
    );
}

/// Exports `network` for `task`, loads the file's weights back into it,
/// and compares burn's outputs with the reference path's on 64 windows.
fn check_network(task: Task, mut network: Network) {
    let device = network.head.weight.val().device();
    let batch = task.batch(&mut stream(5, Stream::Verification), 64);
    let calibration: Vec<Vec<f32>> = (0..batch.samples).map(|i| batch.raw_input(i)).collect();
    let exported = float_model(&network, &task.to_string(), task.window());
    let bytes = quantise_model(&exported, &calibration).unwrap().bytes;
    let model = Model::from_bytes(&bytes).unwrap();
    // The file's parameters are the float model's (a GRU's padding rows
    // not counted).
    assert_eq!(parameters(&model), exported.parameters(), "{task}");
    load(&mut network, &dequantise(&model));

    let (out, _) = network.forward(inputs(&batch, &network.spec, &device), None);
    let burn: Vec<f32> = out.into_data().try_to_vec().unwrap();
    let per_sample = burn.len() / batch.samples;
    let output_scale = if network.spec.head.classify {
        1.0
    } else {
        network.spec.value_scale
    };
    let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
    let mut logits = vec![0.0f32; per_sample];
    for (i, window) in calibration.iter().enumerate() {
        let n = reference
            .predict_logits(&engine_window(&model, window), &mut logits)
            .unwrap();
        assert_eq!(n * model.head_outputs(), per_sample, "{task}");
        for (a, b) in logits
            .iter()
            .zip(&burn[i * per_sample..(i + 1) * per_sample])
        {
            let a = a / output_scale;
            assert!(
                (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                "{task}: reference {a} vs burn {b}"
            );
        }
    }
}

fn check(task: Task) {
    let device = Backend::default().training_device(3);
    check_network(task, Network::new(task.seed_network(Cell::Lstm), &device));
}

#[test]
fn reference_path_on_the_exported_file_matches_burn() {
    for task in ["echo-index", "echo-whole", "echo-partial"] {
        let task: Task = task.parse().unwrap();
        check(task);
    }
}

/// The GRU networks checked: `(task, units, layers, bidirectional)` on the
/// task's seed network in GRUs (one-hot and dense input, a regression, a
/// mask, a stack, both directions, an encoder-decoder; units not a
/// multiple of four, so the file's padded blocks are exercised).
const GRU_NETWORKS: &[(&str, Option<usize>, Option<usize>, bool)] = &[
    ("echo-index", None, None, false),
    ("echo-whole", None, Some(2), false),
    ("echo-whole", Some(13), None, true),
    ("echo-whole-masked", None, None, true),
    ("echo-whole-linear-classify", None, None, false),
    ("univariate", None, None, false),
    ("echo-partial", Some(30), Some(2), false),
    ("echo-lag", None, None, false),
];

#[test]
fn reference_path_on_an_exported_gru_matches_burn() {
    for &(name, units, layers, bidirectional) in GRU_NETWORKS {
        let task: Task = name.parse().unwrap();
        let spec = task
            .seed_network(Cell::Gru)
            .with_topology(units, layers, bidirectional);
        // Freshly initialised (zero biases, Glorot and orthogonal kernels).
        let device = Backend::default().training_device(3);
        check_network(task, Network::new(spec.clone(), &device));
        // Briefly trained: biases and kernels away from their initial values.
        let dir = tempfile::tempdir().unwrap();
        let mut config = common::small_config(task, Cell::Gru, dir.path(), 30);
        config.spec = spec;
        let trained = train(&config).unwrap();
        check_network(task, trained.network.valid());
    }
}
