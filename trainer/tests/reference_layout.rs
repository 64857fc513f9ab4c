//! The f32 reference path of infer-nostd, reading an exported file,
//! against burn running the weights that file holds: within 1e-4. Burn is
//! loaded with `quantise::dequantise` of the file (the file's integer
//! weights times their scales), so the only differences left are the order
//! of float operations: a gate order, transpose or scale mistake anywhere
//! between burn and the engine fails here.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Tensor, TensorData};
use infer_host::quantise::{
    dequantise, engine_window, FloatDirection, FloatLayer, FloatModel, FloatOutputs,
};
use infer_host::HostReference;
use infer_nostd::Model;
use trainer::backend::Backend;
use trainer::export::{float_model, quantise_model};
use trainer::model::encode::inputs;
use trainer::model::lstm::{DirectionModule, LstmModule};
use trainer::model::Network;
use trainer::rng::{stream, Stream};
use trainer::task::Task;

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

fn set_direction(d: &mut DirectionModule, w: &FloatDirection) {
    set_linear(&mut d.input, &w.input, Some(&w.bias));
    set_linear(&mut d.recurrent, &w.recurrent, None);
}

fn set_stack(stack: &mut [LstmModule], layers: &[FloatLayer]) {
    for (layer, float) in stack.iter_mut().zip(layers) {
        set_direction(&mut layer.forward, &float.forward);
        if let (Some(b), Some(fb)) = (layer.backward.as_mut(), float.backward.as_ref()) {
            set_direction(b, fb);
        }
    }
}

/// `network` with the weights of `float` (one-hot classification tasks,
/// whose export applies no input or output scaling).
fn load(network: &mut Network, float: &FloatModel) {
    set_stack(&mut network.encoder, &float.encoder);
    if let FloatOutputs::EncoderDecoder { decoder, .. } = &float.outputs {
        set_stack(&mut network.decoder, decoder);
    }
    set_linear(
        &mut network.head,
        &float.head_weights,
        Some(&float.head_bias),
    );
}

fn check(task: Task) {
    let device = Backend::default().training_device(3);
    let mut network = Network::new(task.seed_network(), &device);
    let batch = task.batch(&mut stream(5, Stream::Verification), 64);
    let calibration: Vec<Vec<f32>> = (0..batch.samples).map(|i| batch.raw_input(i)).collect();
    let exported = float_model(&network, &task.to_string(), task.window());
    let bytes = quantise_model(&exported, &calibration).unwrap().bytes;
    let model = Model::from_bytes(&bytes).unwrap();
    load(&mut network, &dequantise(&model));

    let (out, _) = network.forward(inputs(&batch, &network.spec, &device), None);
    let burn_logits: Vec<f32> = out.into_data().try_to_vec().unwrap();
    let per_sample = burn_logits.len() / batch.samples;
    let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
    let mut logits = vec![0.0f32; per_sample];
    for (i, window) in calibration.iter().enumerate() {
        let n = reference
            .predict_logits(&engine_window(&model, window), &mut logits)
            .unwrap();
        assert_eq!(n * model.head_outputs(), per_sample, "{task}");
        for (a, b) in logits
            .iter()
            .zip(&burn_logits[i * per_sample..(i + 1) * per_sample])
        {
            assert!(
                (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                "{task}: reference {a} vs burn {b}"
            );
        }
    }
}

#[test]
fn reference_path_on_the_exported_file_matches_burn() {
    for task in ["echo-index", "echo-whole", "echo-partial"] {
        let task: Task = task.parse().unwrap();
        check(task);
    }
}
