//! A GRU direction with fused gates, as PyTorch's `nn.GRU` and Keras'
//! `GRU(reset_after=True)` define it (the cell of `format::Cell::Gru`):
//! `r = σ(x W_r + b_ir + h U_r + b_hr)`, `z = σ(x W_z + b_iz + h U_z + b_hz)`,
//! `n = tanh(x W_n + b_in + r ⊙ (h U_n + b_hn))`, `h' = (1 - z) ⊙ n + z ⊙ h`.
//!
//! One input `Linear` of `3 * units` outputs (gates reset, update, new)
//! carries the input-side biases, one recurrent `Linear` of `3 * units`
//! outputs the recurrent-side ones: the reset gate scales the new gate's
//! recurrent part with its bias `b_hn`, so that bias cannot join the
//! input side (export sums the reset and update gates' two biases and
//! keeps `b_hn` apart, as the format does). The time loop, masking and
//! layers are `recurrent.rs`'s.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{sigmoid, tanh};
use burn::tensor::{Device, Tensor};

use super::recurrent::{run_steps, LayerInput, State};

/// One direction of a GRU layer, as a burn module.
#[derive(Module, Debug)]
pub struct GruDirection {
    /// Input kernel `[inputs, 3 * units]` and the input-side biases
    /// `[3 * units]` (`b_ir`, `b_iz`, `b_in`).
    pub input: Linear,
    /// Recurrent kernel `[units, 3 * units]` and the recurrent-side biases
    /// `[3 * units]` (`b_hr`, `b_hz`, `b_hn`).
    pub recurrent: Linear,
    /// Hidden units.
    #[module(skip)]
    pub units: usize,
}

impl GruDirection {
    /// A direction initialised as Keras does: Glorot-uniform input kernel,
    /// orthogonal recurrent kernel, zero biases.
    pub fn new(inputs: usize, units: usize, device: &Device) -> Self {
        let gates = 3 * units;
        let zero_bias = || Some(Param::from_tensor(Tensor::zeros([gates], device)));
        let mut input = LinearConfig::new(inputs, gates)
            .with_initializer(Initializer::XavierUniform { gain: 1.0 })
            .init(device);
        input.bias = zero_bias();
        let mut recurrent = LinearConfig::new(units, gates)
            .with_initializer(Initializer::Orthogonal { gain: 1.0 })
            .init(device);
        recurrent.bias = zero_bias();
        GruDirection {
            input,
            recurrent,
            units,
        }
    }

    /// Runs over `x`, backwards in time when `reverse`, from `state` (zeros
    /// when `None`); at a step `mask` (`[batch, steps]`) holds 0 for, the
    /// state passes through unchanged (Keras `Masking`). Returns the
    /// hidden state of every step in time order (`[batch, steps, units]`)
    /// and the final state (without a cell).
    pub fn forward(
        &self,
        x: &LayerInput,
        reverse: bool,
        mask: Option<&Tensor<2>>,
        state: Option<State>,
    ) -> (Tensor<3>, State) {
        // From the zero state the recurrent part is the recurrent biases.
        let device = self.recurrent.weight.val().device();
        let zero_part = self
            .recurrent
            .forward(Tensor::zeros([1, self.units], &device));
        run_steps(x, &self.input, reverse, mask, state, |part, previous| {
            self.step(part, previous, &zero_part)
        })
    }

    /// One step from the input part `p` (`[batch, 3 * units]`, with the
    /// input-side biases) and the previous state; `zero_part`
    /// (`[1, 3 * units]`) is the recurrent part of a zero state.
    fn step(&self, p: Tensor<2>, previous: Option<&State>, zero_part: &Tensor<2>) -> State {
        let u = self.units;
        let rec = match previous {
            Some(s) => self.recurrent.forward(s.hidden.clone()),
            None => zero_part.clone(),
        };
        let gates = sigmoid(p.clone().narrow(1, 0, 2 * u) + rec.clone().narrow(1, 0, 2 * u));
        let (reset, update) = (gates.clone().narrow(1, 0, u), gates.narrow(1, u, u));
        let new = tanh(p.narrow(1, 2 * u, u) + reset * rec.narrow(1, 2 * u, u));
        // (1 - z) n + z h = n + z (h - n), and n - z n from a zero state.
        let hidden = match previous {
            Some(s) => new.clone() + update * (s.hidden.clone() - new),
            None => new.clone() - update * new,
        };
        State { hidden, cell: None }
    }
}
