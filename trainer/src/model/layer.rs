//! A recurrent layer of either cell: one or two directions (`lstm.rs`,
//! `gru.rs`) over the shared time loop (`recurrent.rs`).

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use infer_nostd::format::Cell;

use super::gru::GruDirection;
use super::lstm::LstmDirection;
use super::recurrent::{LayerInput, State};
use crate::spec::LayerSpec;

/// One direction of a recurrent layer, of either cell.
#[derive(Module, Debug)]
pub enum Direction {
    /// An LSTM direction.
    Lstm(LstmDirection),
    /// A GRU direction.
    Gru(GruDirection),
}

impl Direction {
    /// A freshly initialised direction of `spec`'s cell reading `inputs`
    /// values per step.
    fn new(inputs: usize, spec: LayerSpec, device: &Device) -> Self {
        match spec.cell {
            Cell::Lstm => {
                Direction::Lstm(LstmDirection::new(inputs, spec.units, spec.relu, device))
            }
            Cell::Gru => Direction::Gru(GruDirection::new(inputs, spec.units, device)),
        }
    }

    /// Runs over `x`, backwards in time when `reverse`, from `state` (zeros
    /// when `None`), steps `mask` (`[batch, steps]`) holds 0 for leaving the
    /// state unchanged: every step's hidden state `[batch, steps, units]`
    /// in time order and the final state.
    pub fn forward(
        &self,
        x: &LayerInput,
        reverse: bool,
        mask: Option<&Tensor<2>>,
        state: Option<State>,
    ) -> (Tensor<3>, State) {
        match self {
            Direction::Lstm(d) => d.forward(x, reverse, mask, state),
            Direction::Gru(d) => d.forward(x, reverse, mask, state),
        }
    }
}

/// One recurrent layer as a burn module (the spec is `spec::LayerSpec`,
/// the float model `FloatLayer`, the file view `format::RecurrentLayer`): a
/// forward direction and, if bidirectional, a backward one, of one cell.
#[derive(Module, Debug)]
pub struct Layer {
    /// The forward direction.
    pub forward: Direction,
    /// The backward direction of a bidirectional layer.
    pub backward: Option<Direction>,
}

impl Layer {
    /// A layer of shape `spec` reading `inputs` values per step.
    pub fn new(inputs: usize, spec: LayerSpec, device: &Device) -> Self {
        let direction = || Direction::new(inputs, spec, device);
        Layer {
            forward: direction(),
            backward: spec.bidirectional.then(direction),
        }
    }

    /// Runs the layer, `mask`ed steps masked (see [`Direction::forward`]):
    /// its output `[batch, steps, output width]` (the backward direction's
    /// after the forward one's). `state` seeds (and the result carries)
    /// the forward direction's state, the backward direction always starts
    /// from zeros.
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

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;

    use super::*;
    use crate::backend::Backend;

    const CELLS: [Cell; 2] = [Cell::Lstm, Cell::Gru];

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
    }

    /// `[samples, steps, 3]` values.
    fn sequence(data: &[f32], samples: usize, device: &Device) -> LayerInput {
        let steps = data.len() / samples / 3;
        LayerInput::Values(Tensor::from_data(
            TensorData::new(data.to_vec(), [samples, steps, 3]),
            device,
        ))
    }

    /// Sample `i`'s steps `steps` of `x` (`[samples, steps, 3]` values).
    fn steps_of(x: &[f32], i: usize, all: usize, steps: &[usize]) -> Vec<f32> {
        steps
            .iter()
            .flat_map(|&t| x[(i * all + t) * 3..(i * all + t + 1) * 3].to_vec())
            .collect()
    }

    #[test]
    fn a_masked_step_leaves_either_cells_state_unchanged() {
        let device = Backend::default().training_device(1);
        let x: Vec<f32> = (0..18).map(|k| ((k * 7 % 11) as f32 - 5.0) / 4.0).collect();
        // Sample 0's step 1 and sample 1's step 0 are pads.
        let mask = Tensor::from_data(
            TensorData::new(vec![1.0f32, 0.0, 1.0, 0.0, 1.0, 1.0], [2, 3]),
            &device,
        );
        for cell in CELLS {
            let layer = Direction::new(3, LayerSpec::tanh(cell, 4), &device);
            let (out, last) = layer.forward(&sequence(&x, 2, &device), false, Some(&mask), None);
            let out = values(out);
            // Outputs [sample][step][unit]: a pad answers the state before it.
            let at = |i: usize, t: usize| out[(i * 3 + t) * 4..(i * 3 + t + 1) * 4].to_vec();
            assert!(close(&at(0, 1), &at(0, 0)), "{cell:?}");
            assert!(close(&at(1, 0), &[0.0; 4]), "{cell:?}");
            // Each sample ends where its real steps alone lead.
            for (i, real) in [(0, vec![0, 2]), (1, vec![1, 2])] {
                let alone = sequence(&steps_of(&x, i, 3, &real), 1, &device);
                let (seq, end) = layer.forward(&alone, false, None, None);
                assert!(close(&values(seq)[4..], &at(i, 2)), "{cell:?}");
                let row = |t: Tensor<2>| values(t.narrow(0, i, 1));
                assert!(close(&values(end.hidden), &row(last.hidden.clone())));
                assert_eq!(end.cell.is_some(), cell == Cell::Lstm);
                if let (Some(a), Some(b)) = (end.cell, last.cell.clone()) {
                    assert!(close(&values(a), &row(b)), "{cell:?}");
                }
            }
        }
    }

    #[test]
    fn no_state_is_the_zero_state() {
        let device = Backend::default().training_device(2);
        let x: Vec<f32> = (0..24).map(|k| ((k * 5 % 13) as f32 - 6.0) / 5.0).collect();
        for cell in CELLS {
            let mut layer = Direction::new(3, LayerSpec::tanh(cell, 4), &device);
            if let Direction::Gru(d) = &mut layer {
                // Recurrent biases a zero state's step must still see.
                let bias: Vec<f32> = (0..12).map(|r| (r as f32 - 6.0) / 8.0).collect();
                d.recurrent.bias = Some(burn::module::Param::from_tensor(Tensor::from_data(
                    TensorData::new(bias, [12]),
                    &device,
                )));
            }
            let zeros = State {
                hidden: Tensor::zeros([2, 4], &device),
                cell: (cell == Cell::Lstm).then(|| Tensor::zeros([2, 4], &device)),
            };
            for reverse in [false, true] {
                let input = sequence(&x, 2, &device);
                let (a, _) = layer.forward(&input, reverse, None, None);
                let (b, _) = layer.forward(&input, reverse, None, Some(zeros.clone()));
                assert!(close(&values(a), &values(b)), "{cell:?}");
            }
        }
    }

    #[test]
    fn a_repeated_input_is_the_same_input_at_every_step() {
        let device = Backend::default().training_device(3);
        let context: Vec<f32> = vec![0.5, -1.0, 0.25, 1.5, 0.0, -0.75];
        let repeated: Vec<f32> = (0..2)
            .flat_map(|i| context[i * 3..i * 3 + 3].repeat(3))
            .collect();
        for cell in CELLS {
            let layer = Layer::new(3, LayerSpec::tanh(cell, 5), &device);
            let once = LayerInput::Repeated(
                Tensor::from_data(TensorData::new(context.clone(), [2, 1, 3]), &device),
                3,
            );
            let (a, _) = layer.run(&once, None, None);
            let (b, _) = layer.run(&sequence(&repeated, 2, &device), None, None);
            assert_eq!(a.dims(), [2, 3, 5]);
            assert!(close(&values(a), &values(b)), "{cell:?}");
        }
    }
}
