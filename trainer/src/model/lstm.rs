//! An LSTM direction with fused gates (one input and one recurrent matrix,
//! gate order input, forget, cell, output) and a choice of cell activation.
//!
//! burn's own `Lstm` keeps eight separate `Linear`s and two biases per gate;
//! fusing them halves the per-step tensor operations, gives the ReLU cell
//! of the univariate task for free, and maps one to one onto the file
//! format's `[4 * units][inputs]` kernels. The time loop, masking and
//! layers are `recurrent.rs`'s.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};

use super::recurrent::{run_steps, LayerInput, State};

/// One direction of an LSTM layer, as a burn module.
#[derive(Module, Debug)]
pub struct LstmDirection {
    /// Input kernel `[inputs, 4 * units]` and the gate biases `[4 * units]`.
    pub input: Linear,
    /// Recurrent kernel `[units, 4 * units]`, no bias.
    pub recurrent: Linear,
    /// Hidden units.
    #[module(skip)]
    pub units: usize,
    /// ReLU instead of tanh for the candidate and the cell output.
    #[module(skip)]
    pub relu: bool,
}

impl LstmDirection {
    /// A direction initialised as Keras does: Glorot-uniform input kernel,
    /// orthogonal recurrent kernel, zero biases except 1 for the forget gate.
    pub fn new(inputs: usize, units: usize, relu: bool, device: &Device) -> Self {
        let gates = 4 * units;
        let mut input = LinearConfig::new(inputs, gates)
            .with_initializer(Initializer::XavierUniform { gain: 1.0 })
            .init(device);
        let bias: Vec<f32> = (0..gates)
            .map(|r| {
                if (units..2 * units).contains(&r) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        input.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(bias, [gates]),
            device,
        )));
        let recurrent = LinearConfig::new(units, gates)
            .with_bias(false)
            .with_initializer(Initializer::Orthogonal { gain: 1.0 })
            .init(device);
        LstmDirection {
            input,
            recurrent,
            units,
            relu,
        }
    }

    /// Runs over `x`, backwards in time when `reverse`, from `state` (zeros
    /// when `None`); at a step `mask` (`[batch, steps]`) holds 0 for, the
    /// state passes through unchanged (Keras `Masking`). Returns the
    /// hidden state of every step in time order (`[batch, steps, units]`)
    /// and the final state (with its cell).
    pub fn forward(
        &self,
        x: &LayerInput,
        reverse: bool,
        mask: Option<&Tensor<2>>,
        state: Option<State>,
    ) -> (Tensor<3>, State) {
        let h = self.units;
        // A tanh cell computes tanh(x) as 2 sigmoid(2x) - 1: one sigmoid
        // over all four gates (the candidate's pre-activation doubled) and
        // one for the cell, cheaper on CPU backends than separate tanh calls.
        let doubled = (!self.relu).then(|| {
            let scale: Vec<f32> = (0..4 * h)
                .map(|r| if r / h == 2 { 2.0 } else { 1.0 })
                .collect();
            let device = self.input.weight.val().device();
            Tensor::<1>::from_data(TensorData::new(scale, [4 * h]), &device).unsqueeze::<2>()
        });
        run_steps(x, &self.input, reverse, mask, state, |part, previous| {
            self.step(part, previous, doubled.as_ref())
        })
    }

    /// One step from the input part `z` (`[batch, 4 * units]`, with the
    /// bias) and the previous state; `doubled` scales the candidate's
    /// pre-activation by 2 (a tanh cell, see [`LstmDirection::forward`]).
    fn step(
        &self,
        mut z: Tensor<2>,
        previous: Option<&State>,
        doubled: Option<&Tensor<2>>,
    ) -> State {
        let h = self.units;
        // From a zero state (the default) the recurrent term and the
        // forget gate's contribution vanish.
        if let Some(s) = previous {
            z = z + self.recurrent.forward(s.hidden.clone());
        }
        let (gates, candidate) = match doubled {
            Some(scale) => {
                let gates = sigmoid(z * scale.clone());
                let candidate = gates.clone().narrow(1, 2 * h, h) * 2.0 - 1.0;
                (gates, candidate)
            }
            None => (sigmoid(z.clone()), relu(z.narrow(1, 2 * h, h))),
        };
        let input_gate = gates.clone().narrow(1, 0, h);
        let output_gate = gates.clone().narrow(1, 3 * h, h);
        let mut cell = input_gate * candidate;
        if let Some(c) = previous.and_then(|s| s.cell.clone()) {
            cell = cell + gates.narrow(1, h, h) * c;
        }
        let squashed = if self.relu {
            relu(cell.clone())
        } else {
            sigmoid(cell.clone() * 2.0) * 2.0 - 1.0
        };
        State {
            hidden: output_gate * squashed,
            cell: Some(cell),
        }
    }
}
