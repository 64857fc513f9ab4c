//! An LSTM layer with fused gates (one input and one recurrent matrix, gate
//! order input, forget, cell, output) and a choice of cell activation.
//!
//! burn's own `Lstm` keeps eight separate `Linear`s and two biases per gate;
//! fusing them halves the per-step tensor operations, gives the ReLU cell
//! of the univariate task for free, and maps one to one onto the file
//! format's `[4 * units][inputs]` kernels.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};

use crate::spec::LayerSpec;

/// The recurrent state of one direction: cell and hidden, `[batch, units]`.
#[derive(Debug, Clone)]
pub struct State {
    /// Cell state.
    pub cell: Tensor<2>,
    /// Hidden state (the output).
    pub hidden: Tensor<2>,
}

impl State {
    /// The same state cut from the autodiff graph (truncated backpropagation).
    pub fn detach(self) -> Self {
        State {
            cell: self.cell.detach(),
            hidden: self.hidden.detach(),
        }
    }
}

/// One direction of an LSTM layer.
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

    fn activation(&self, x: Tensor<2>) -> Tensor<2> {
        if self.relu {
            relu(x)
        } else {
            x.tanh()
        }
    }

    /// Runs over `x` (`[batch, steps, inputs]`), backwards in time when
    /// `reverse`, from `state` (zeros when `None`). Returns the hidden state
    /// of every step in time order (`[batch, steps, units]`) and the final state.
    pub fn forward(&self, x: Tensor<3>, reverse: bool, state: Option<State>) -> (Tensor<3>, State) {
        let [batch, steps, _] = x.dims();
        let h = self.units;
        // The input projection of every step in one product.
        let projected = self.input.forward(x);
        let device = projected.device();
        let mut state = state.unwrap_or_else(|| State {
            cell: Tensor::zeros([batch, h], &device),
            hidden: Tensor::zeros([batch, h], &device),
        });
        let mut outputs = Vec::with_capacity(steps);
        let order: Box<dyn Iterator<Item = usize>> = if reverse {
            Box::new((0..steps).rev())
        } else {
            Box::new(0..steps)
        };
        for t in order {
            let z = projected.clone().narrow(1, t, 1).squeeze_dim::<2>(1)
                + self.recurrent.forward(state.hidden);
            let gates = sigmoid(z.clone());
            let input_gate = gates.clone().narrow(1, 0, h);
            let forget_gate = gates.clone().narrow(1, h, h);
            let output_gate = gates.narrow(1, 3 * h, h);
            let candidate = self.activation(z.narrow(1, 2 * h, h));
            let cell = forget_gate * state.cell + input_gate * candidate;
            let hidden = output_gate * self.activation(cell.clone());
            outputs.push(hidden.clone());
            state = State { cell, hidden };
        }
        if reverse {
            outputs.reverse();
        }
        (Tensor::stack(outputs, 1), state)
    }
}

/// One LSTM layer: a forward direction and, if bidirectional, a backward one.
#[derive(Module, Debug)]
pub struct LstmLayer {
    /// The forward direction.
    pub forward: LstmDirection,
    /// The backward direction of a bidirectional layer.
    pub backward: Option<LstmDirection>,
}

impl LstmLayer {
    /// A layer of shape `spec` reading `inputs` values per step.
    pub fn new(inputs: usize, spec: LayerSpec, device: &Device) -> Self {
        let direction = || LstmDirection::new(inputs, spec.units, spec.relu, device);
        LstmLayer {
            forward: direction(),
            backward: spec.bidirectional.then(direction),
        }
    }

    /// Runs the layer; `state` seeds (and the result carries) the forward
    /// direction's state, the backward direction always starts from zeros.
    pub fn run(&self, x: Tensor<3>, state: Option<State>) -> (Tensor<3>, State) {
        let (out, state) = self.forward.forward(x.clone(), false, state);
        match &self.backward {
            None => (out, state),
            Some(backward) => {
                let (back, _) = backward.forward(x, true, None);
                (Tensor::cat(vec![out, back], 2), state)
            }
        }
    }
}
