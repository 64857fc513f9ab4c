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
use burn::tensor::module::embedding;
use burn::tensor::{Device, Int, Tensor, TensorData};

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

/// What a layer reads at every step.
#[derive(Debug, Clone)]
pub enum LayerInput {
    /// Real vectors, `[batch, steps, width]`.
    Values(Tensor<3>),
    /// Class indices, `[batch, steps]`, standing for one-hot vectors: the
    /// input kernel's rows are looked up instead of multiplied by mostly
    /// zeros (the same numbers, a fraction of the work).
    Classes(Tensor<2, Int>),
    /// One vector per sample, `[batch, 1, width]`, read at each of `steps`
    /// steps (the decoder's repeated context): projected once.
    Repeated(Tensor<3>, usize),
}

impl LayerInput {
    /// Batch size and steps.
    pub fn dims(&self) -> [usize; 2] {
        match self {
            LayerInput::Values(x) => {
                let [b, s, _] = x.dims();
                [b, s]
            }
            LayerInput::Classes(x) => x.dims(),
            LayerInput::Repeated(x, steps) => [x.dims()[0], *steps],
        }
    }

    /// `x W + b` through `linear`: `[batch, steps, outputs]`, or
    /// `[batch, 1, outputs]` for a repeated input.
    fn project(&self, linear: &Linear) -> Tensor<3> {
        match self {
            LayerInput::Values(x) | LayerInput::Repeated(x, _) => linear.forward(x.clone()),
            LayerInput::Classes(classes) => {
                let rows = embedding(linear.weight.val(), classes.clone());
                match &linear.bias {
                    Some(bias) => rows + bias.val().unsqueeze::<3>(),
                    None => rows,
                }
            }
        }
    }
}

/// One direction of an LSTM layer, as a burn module.
#[derive(Module, Debug)]
pub struct DirectionModule {
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

impl DirectionModule {
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
        DirectionModule {
            input,
            recurrent,
            units,
            relu,
        }
    }

    /// Runs over `x`, backwards in time when `reverse`, from `state` (zeros
    /// when `None`); at a step `mask` (`[batch, steps]`) holds 0 for, the
    /// state passes through unchanged (Keras `Masking`). Returns the hidden
    /// state of every step in time order (`[batch, steps, units]`) and the
    /// final state.
    pub fn forward(
        &self,
        x: &LayerInput,
        reverse: bool,
        mask: Option<&Tensor<2>>,
        state: Option<State>,
    ) -> (Tensor<3>, State) {
        let [batch, steps] = x.dims();
        let h = self.units;
        // The input projection of every step in one product.
        let projected = x.project(&self.input);
        let repeated = matches!(x, LayerInput::Repeated(..));
        let device = projected.device();
        // A tanh cell computes tanh(x) as 2 sigmoid(2x) - 1: one sigmoid
        // over all four gates (the candidate's pre-activation doubled) and
        // one for the cell, cheaper on CPU backends than separate tanh calls.
        let doubled = (!self.relu).then(|| {
            let scale: Vec<f32> = (0..4 * h)
                .map(|r| if r / h == 2 { 2.0 } else { 1.0 })
                .collect();
            Tensor::<1>::from_data(TensorData::new(scale, [4 * h]), &device).unsqueeze::<2>()
        });
        let mut state = state;
        let mut outputs = Vec::with_capacity(steps);
        let order: Box<dyn Iterator<Item = usize>> = if reverse {
            Box::new((0..steps).rev())
        } else {
            Box::new(0..steps)
        };
        for t in order {
            let at = if repeated { 0 } else { t };
            let mut z = projected.clone().narrow(1, at, 1).squeeze_dim::<2>(1);
            // From a zero state (the default) the recurrent term and the
            // forget gate's contribution vanish.
            if let Some(s) = &state {
                z = z + self.recurrent.forward(s.hidden.clone());
            }
            let (gates, candidate) = match &doubled {
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
            if let Some(s) = &state {
                cell = cell + gates.narrow(1, h, h) * s.cell.clone();
            }
            let squashed = if self.relu {
                relu(cell.clone())
            } else {
                sigmoid(cell.clone() * 2.0) * 2.0 - 1.0
            };
            let mut hidden = output_gate * squashed;
            if let Some(mask) = mask {
                // real * new + (1 - real) * previous (zeros before any).
                let real = mask.clone().narrow(1, t, 1);
                let keep = real.clone().neg() + 1.0;
                cell = cell * real.clone();
                hidden = hidden * real;
                if let Some(s) = &state {
                    cell = cell + s.cell.clone() * keep.clone();
                    hidden = hidden + s.hidden.clone() * keep;
                }
            }
            outputs.push(hidden.clone());
            state = Some(State { cell, hidden });
        }
        let state = state.unwrap_or_else(|| State {
            cell: Tensor::zeros([batch, h], &device),
            hidden: Tensor::zeros([batch, h], &device),
        });
        if reverse {
            outputs.reverse();
        }
        (Tensor::stack(outputs, 1), state)
    }
}

/// One LSTM layer as a burn module (the spec is `spec::LayerSpec`, the
/// float model `FloatLayer`, the file view `format::RecurrentLayer`): a forward
/// direction and, if bidirectional, a backward one.
#[derive(Module, Debug)]
pub struct LstmModule {
    /// The forward direction.
    pub forward: DirectionModule,
    /// The backward direction of a bidirectional layer.
    pub backward: Option<DirectionModule>,
}

impl LstmModule {
    /// A layer of shape `spec` reading `inputs` values per step.
    pub fn new(inputs: usize, spec: LayerSpec, device: &Device) -> Self {
        let direction = || DirectionModule::new(inputs, spec.units, spec.relu, device);
        LstmModule {
            forward: direction(),
            backward: spec.bidirectional.then(direction),
        }
    }

    /// Runs the layer, `mask`ed steps masked (see
    /// [`DirectionModule::forward`]); `state` seeds (and the result
    /// carries) the forward direction's state, the backward direction
    /// always starts from zeros.
    pub fn run(
        &self,
        x: &LayerInput,
        mask: Option<&Tensor<2>>,
        state: Option<State>,
    ) -> (Tensor<3>, State) {
        let (out, state) = self.forward.forward(x, false, mask, state);
        match &self.backward {
            None => (out, state),
            Some(backward) => {
                let (back, _) = backward.forward(x, true, mask, None);
                (Tensor::cat(vec![out, back], 2), state)
            }
        }
    }
}
