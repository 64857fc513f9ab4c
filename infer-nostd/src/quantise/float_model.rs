//! The float network a trainer hands over for quantisation.

use alloc::string::String;
use alloc::vec::Vec;

use crate::format::HeadKind;

/// One direction of a float LSTM layer. Gate order: input, forget, cell
/// (candidate), output; `units` rows each.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatLstmWeights {
    /// Input kernel, `4 * units` rows by the input width, row-major.
    pub input: Vec<f32>,
    /// Recurrent kernel, `4 * units` rows by `units`, row-major.
    pub recurrent: Vec<f32>,
    /// `4 * units` biases (burn's two biases per gate already added).
    pub bias: Vec<f32>,
}

/// One float LSTM layer.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatLayer {
    /// Hidden units per direction.
    pub units: usize,
    /// ReLU in place of tanh for the candidate and the cell output.
    pub relu: bool,
    /// Forward direction.
    pub forward: FloatLstmWeights,
    /// Backward direction, for a bidirectional layer.
    pub backward: Option<FloatLstmWeights>,
}

/// How a float model's input timesteps are encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatInput {
    /// An integer in `0..classes`, one-hot.
    OneHot {
        /// Number of possible values.
        classes: usize,
    },
    /// `features` real numbers per timestep.
    Dense {
        /// Values per timestep.
        features: usize,
    },
}

/// Which hidden states of a float model reach the head.
#[derive(Debug, Clone, PartialEq)]
pub enum FloatOutputs {
    /// Many-to-one.
    LastStep,
    /// Many-to-many.
    EveryStep,
    /// Encoder-decoder: the encoder's last output repeated `steps` times
    /// into the decoder stack.
    EncoderDecoder {
        /// Output steps.
        steps: usize,
        /// Decoder layers.
        decoder: Vec<FloatLayer>,
    },
}

/// A whole float network, as trained.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatModel {
    /// Task name, stored in the file.
    pub label: String,
    /// Trained window length (0: any).
    pub window: usize,
    /// Input encoding.
    pub input: FloatInput,
    /// Encoder stack.
    pub encoder: Vec<FloatLayer>,
    /// How outputs are taken.
    pub outputs: FloatOutputs,
    /// Classification or regression.
    pub head_kind: HeadKind,
    /// Head weights, outputs by the last layer's width, row-major.
    pub head_weights: Vec<f32>,
    /// Head biases.
    pub head_bias: Vec<f32>,
}

impl FloatModel {
    /// Values a window of `steps` timesteps holds.
    pub fn input_width(&self) -> usize {
        match self.input {
            FloatInput::OneHot { .. } => 1,
            FloatInput::Dense { features } => features,
        }
    }

    /// Number of weights and biases.
    pub fn parameters(&self) -> usize {
        let layers = |stack: &[FloatLayer]| -> usize {
            stack
                .iter()
                .map(|l| {
                    let dir =
                        |w: &FloatLstmWeights| w.input.len() + w.recurrent.len() + w.bias.len();
                    dir(&l.forward) + l.backward.as_ref().map_or(0, dir)
                })
                .sum()
        };
        let decoder = match &self.outputs {
            FloatOutputs::EncoderDecoder { decoder, .. } => layers(decoder),
            _ => 0,
        };
        layers(&self.encoder) + decoder + self.head_weights.len() + self.head_bias.len()
    }
}
