//! What the two cells share: a layer's input and state, and the time loop
//! (masking included).
//!
//! A cell (`lstm.rs`, `gru.rs`) is a direction module that projects its
//! input once and computes one step from the previous state; the loop over
//! the steps is here, the layer of either cell in `layer.rs`.

use burn::nn::Linear;
use burn::tensor::module::embedding;
use burn::tensor::{Int, Tensor};

/// The recurrent state of one direction, `[batch, units]` each.
#[derive(Debug, Clone)]
pub struct State {
    /// Hidden state (the output).
    pub hidden: Tensor<2>,
    /// An LSTM's cell state; `None` for a GRU, which has none.
    pub cell: Option<Tensor<2>>,
}

impl State {
    /// The same state cut from the autodiff graph (truncated backpropagation).
    pub fn detach(self) -> Self {
        State {
            hidden: self.hidden.detach(),
            cell: self.cell.map(Tensor::detach),
        }
    }

    /// This (new) state where `real` (`[batch, 1]`) is 1 and `previous`
    /// (zeros when `None`) where it is 0: a masked step leaves the state
    /// unchanged (Keras `Masking`).
    fn masked(self, previous: Option<&State>, real: Tensor<2>) -> State {
        let keep = real.clone().neg() + 1.0;
        let blend = |new: Tensor<2>, old: Option<&Tensor<2>>| {
            let new = new * real.clone();
            match old {
                Some(old) => new + old.clone() * keep.clone(),
                None => new,
            }
        };
        State {
            hidden: blend(self.hidden, previous.map(|s| &s.hidden)),
            cell: self
                .cell
                .map(|c| blend(c, previous.and_then(|s| s.cell.as_ref()))),
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

/// The time loop of one direction: projects `x` through `input` in one
/// product, then runs `step` (the step's input part `[batch, gate rows]`,
/// the previous state, `None` before the first step, to the new state)
/// over the steps, backwards in time when `reverse`, from `state`. At a
/// step `mask` (`[batch, steps]`) holds 0 for, the state passes through
/// unchanged. Returns the hidden state of every step in time order
/// (`[batch, steps, units]`) and the final state; `x` has at least one step.
pub(super) fn run_steps(
    x: &LayerInput,
    input: &Linear,
    reverse: bool,
    mask: Option<&Tensor<2>>,
    mut state: Option<State>,
    mut step: impl FnMut(Tensor<2>, Option<&State>) -> State,
) -> (Tensor<3>, State) {
    let [_, steps] = x.dims();
    let projected = x.project(input);
    let repeated = matches!(x, LayerInput::Repeated(..));
    let mut outputs = Vec::with_capacity(steps);
    let order: Box<dyn Iterator<Item = usize>> = if reverse {
        Box::new((0..steps).rev())
    } else {
        Box::new(0..steps)
    };
    for t in order {
        let at = if repeated { 0 } else { t };
        let part = projected.clone().narrow(1, at, 1).squeeze_dim::<2>(1);
        let mut next = step(part, state.as_ref());
        if let Some(mask) = mask {
            next = next.masked(state.as_ref(), mask.clone().narrow(1, t, 1));
        }
        outputs.push(next.hidden.clone());
        state = Some(next);
    }
    if reverse {
        outputs.reverse();
    }
    (
        Tensor::stack(outputs, 1),
        state.expect("a sequence has at least one step"),
    )
}
