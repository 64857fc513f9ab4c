//! The whole burn network: encoder stack, output selection, optional
//! decoder stack, dense head.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::layer::Layer;
use super::recurrent::{LayerInput, State};
use crate::spec::{LayerSpec, NetworkSpec, OutputSpec};

/// What the network reads: the first layer's input and, for a masked
/// network, which steps are real (`[batch, steps]`, 1 real, 0 a pad).
#[derive(Debug, Clone)]
pub struct NetworkInput {
    /// The first encoder layer's input.
    pub x: LayerInput,
    /// The step mask, shared by every encoder layer (Keras propagates it).
    pub mask: Option<Tensor<2>>,
}

/// A network built from a [`NetworkSpec`].
#[derive(Module, Debug)]
pub struct Network {
    /// Encoder layers, first first.
    pub encoder: Vec<Layer>,
    /// Decoder layers (encoder-decoder networks only).
    pub decoder: Vec<Layer>,
    /// The dense head applied at every output step.
    pub head: Linear,
    /// The shape this network was built from.
    #[module(skip)]
    pub spec: NetworkSpec,
}

/// Builds a stack of layers reading `inputs` values per step.
fn stack(inputs: usize, layers: &[LayerSpec], device: &Device) -> Vec<Layer> {
    let mut width = inputs;
    layers
        .iter()
        .map(|&spec| {
            let layer = Layer::new(width, spec, device);
            width = spec.output_width();
            layer
        })
        .collect()
}

/// Runs a stack, each layer from its entry of `state` (zeros when `None`;
/// an LSTM's with its cell, a GRU's without), `mask`ed steps carrying
/// every layer's state; returns the last layer's outputs and every
/// layer's final state.
fn run_stack(
    layers: &[Layer],
    mut x: LayerInput,
    mask: Option<&Tensor<2>>,
    state: Option<Vec<State>>,
) -> (Tensor<3>, Vec<State>) {
    let mut initial = state.map(Vec::into_iter);
    let mut finals = Vec::with_capacity(layers.len());
    let mut out = None;
    for layer in layers {
        let (seq, fin) = layer.run(&x, mask, initial.as_mut().and_then(Iterator::next));
        finals.push(fin);
        x = LayerInput::Values(seq.clone());
        out = Some(seq);
    }
    (out.expect("a stack has at least one layer"), finals)
}

/// A stack's final output (`[batch, steps, width]` to `[batch, 1, width]`)
/// from its last layer's output sequence: the forward direction after the
/// last step and, for a bidirectional layer, the backward direction after
/// its own last step (timestep 0), as Keras and the engine do.
fn final_output(seq: Tensor<3>, last: Option<&LayerSpec>) -> Tensor<3> {
    let steps = seq.dims()[1];
    match last {
        Some(layer) if layer.bidirectional => {
            let u = layer.units;
            let forward = seq.clone().narrow(1, steps - 1, 1).narrow(2, 0, u);
            let backward = seq.narrow(1, 0, 1).narrow(2, u, u);
            Tensor::cat(vec![forward, backward], 2)
        }
        _ => seq.narrow(1, steps - 1, 1),
    }
}

impl Network {
    /// A freshly initialised network of shape `spec`.
    pub fn new(spec: NetworkSpec, device: &Device) -> Self {
        let encoder = stack(spec.input.width(), &spec.encoder, device);
        let encoder_width = spec.encoder.last().map_or(0, |l| l.output_width());
        let decoder = match &spec.outputs {
            OutputSpec::EncoderDecoder { decoder, .. } => stack(encoder_width, decoder, device),
            _ => Vec::new(),
        };
        let head = LinearConfig::new(spec.head_input_width(), spec.head.rows()).init(device);
        Network {
            encoder,
            decoder,
            head,
            spec,
        }
    }

    /// Runs `input` (see [`crate::model::encode::inputs`]) from the
    /// encoder state `state` (zeros when `None`). Returns the head outputs
    /// `[batch, output steps x groups, outputs per group]` (a vector
    /// output's groups are so many more output steps, in order) and the
    /// encoder's final state.
    pub fn forward(
        &self,
        input: NetworkInput,
        state: Option<Vec<State>>,
    ) -> (Tensor<3>, Vec<State>) {
        let (seq, finals) = run_stack(&self.encoder, input.x, input.mask.as_ref(), state);
        let last = self.spec.encoder.last();
        let features = match &self.spec.outputs {
            OutputSpec::LastStep => final_output(seq, last),
            OutputSpec::EveryStep => seq,
            OutputSpec::EncoderDecoder { steps, .. } => {
                let context = LayerInput::Repeated(final_output(seq, last), *steps);
                run_stack(&self.decoder, context, None, None).0
            }
        };
        let y = self.head.forward(features);
        let [batch, steps, _] = y.dims();
        let head = self.spec.head;
        (
            y.reshape([batch, steps * head.groups, head.outputs]),
            finals,
        )
    }
}
