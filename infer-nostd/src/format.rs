//! The model file format: one definition, shared by the trainer (which writes
//! it) and the engine (which reads it in place).
//!
//! A file is `MAGIC` (4 bytes), `FORMAT_VERSION` (u16, little-endian), then a
//! postcard encoding of [`ModelDesc`] followed by a CRC-32 (ISO-HDLC, the zlib
//! one) of that encoding, little-endian. Tensors are borrowed byte slices that
//! point into the file: nothing is copied.
//!
//! # Numeric conventions
//! - Weights are stored row-major, one row per output, as `Int8` (one byte
//!   each, two's complement) or `Int16` (two bytes each, little-endian). The
//!   one exception: the input kernel of a layer fed directly by one-hot input
//!   is stored column-major (one contiguous column per input value), so the
//!   one-hot "matrix product" is a contiguous gather.
//! - Each output row `r` of a [`Matrix`] has a requantisation multiplier
//!   `m[r]` (i32, little-endian, `0 <= m < 2^31`) and shift `s[r]` (`u8`,
//!   at most [`MAX_SHIFT`]): the row's integer accumulator `acc` becomes
//!   `round_half_up(acc * m / 2^s)`, saturated to i32.
//! - LSTM gate rows come in the order input, forget, cell (candidate),
//!   output, `units` rows each. Biases are i32 in the row's output format.
//! - Sigmoid gate pre-activations are Q3.12. The candidate of a tanh cell is
//!   Q3.12 too; that of a ReLU cell is Q(`candidate_frac`).
//! - The hidden state is Q0.15 for tanh cells, Q(`hidden_frac`) for ReLU
//!   cells. The cell state is Q(`cell_frac`).

use serde::{Deserialize, Serialize};

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"ELSM";
/// The format version this engine writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the postcard payload: magic then version.
pub const HEADER_LEN: usize = 6;
/// Most LSTM layers one stack may hold in a file.
pub const MAX_STACK_LAYERS: usize = 4;
/// Largest requantisation shift a file may use.
pub const MAX_SHIFT: u8 = 62;
/// Fraction bits of sigmoid gate pre-activations (Q3.12).
pub const GATE_FRAC: u8 = 12;
/// Fraction bits of gate outputs and of a tanh cell's hidden state (Q0.15).
pub const UNIT_FRAC: u8 = 15;

/// The CRC-32 used over the payload, computed bit by bit: a table would
/// take 1 KiB of a microcontroller's flash to check a file once, at load.
pub(crate) static CRC32: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// Storage precision of one weight tensor.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// One signed byte per weight.
    Int8,
    /// Two bytes per weight, little-endian.
    Int16,
}

impl Precision {
    /// Bytes per stored weight.
    pub const fn bytes(self) -> usize {
        match self {
            Precision::Int8 => 1,
            Precision::Int16 => 2,
        }
    }
}

/// A quantised weight matrix with one requantisation per output row.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matrix<'a> {
    /// Output rows.
    pub rows: u16,
    /// Inputs per row.
    pub cols: u16,
    /// How each weight is stored.
    pub precision: Precision,
    /// `rows * cols` weights (see the module docs for the layout).
    #[serde(borrow)]
    pub values: &'a [u8],
    /// One i32 multiplier per row, little-endian.
    #[serde(borrow)]
    pub multipliers: &'a [u8],
    /// One right shift per row.
    #[serde(borrow)]
    pub shifts: &'a [u8],
}

/// The weights of one direction of an LSTM layer.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmWeights<'a> {
    /// Input kernel: `4 * units` rows by the layer's input width.
    #[serde(borrow)]
    pub input: Matrix<'a>,
    /// Recurrent kernel: `4 * units` rows by `units` columns.
    #[serde(borrow)]
    pub recurrent: Matrix<'a>,
    /// `4 * units` i32 biases, little-endian, in each row's output format.
    #[serde(borrow)]
    pub bias: &'a [u8],
}

/// The activation applied to the candidate and to the cell state.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellActivation {
    /// The standard LSTM: hidden state in Q0.15.
    Tanh,
    /// ReLU in place of tanh (Keras `activation="relu"`); the ranges are
    /// calibrated by the trainer.
    Relu {
        /// Fraction bits of the candidate pre-activation and value.
        candidate_frac: u8,
        /// Fraction bits of the hidden state.
        hidden_frac: u8,
    },
}

/// One LSTM layer, forward or bidirectional.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LstmLayer<'a> {
    /// Hidden units per direction.
    pub units: u16,
    /// Candidate and cell-output activation.
    pub activation: CellActivation,
    /// Fraction bits of the cell state (a power-of-two scale).
    pub cell_frac: u8,
    /// The forward direction.
    #[serde(borrow)]
    pub forward: LstmWeights<'a>,
    /// The backward direction of a bidirectional layer; its output is
    /// concatenated after the forward one.
    #[serde(borrow)]
    pub backward: Option<LstmWeights<'a>>,
}

/// A stack of LSTM layers, each feeding the next.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Stack<'a> {
    /// The layers, first to last.
    #[serde(borrow)]
    pub layers: heapless::Vec<LstmLayer<'a>, MAX_STACK_LAYERS>,
}

/// What one input timestep is.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// An integer in `0..classes`, one-hot encoded.
    OneHot {
        /// Number of possible values.
        classes: u16,
    },
    /// `features` numbers, quantised as `round(x / scale)` to i16.
    Dense {
        /// Values per timestep.
        features: u16,
        /// Real value of one quantised input step.
        scale: f32,
    },
}

/// Which hidden states reach the head.
// Without alloc the decoder stack cannot be boxed; a model exists once.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Outputs<'a> {
    /// Many-to-one: the last timestep only.
    LastStep,
    /// Many-to-many: every timestep.
    EveryStep,
    /// The encoder's last output, repeated `steps` times as the input of a
    /// decoder stack (which starts from zero state), whose every step
    /// reaches the head.
    EncoderDecoder {
        /// Output steps.
        steps: u16,
        /// The decoder layers.
        #[serde(borrow)]
        decoder: Stack<'a>,
    },
}

/// What the head's outputs mean.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    /// Logits: the prediction is the argmax (lowest index on ties).
    Classify,
    /// One dequantised value per output.
    Regress,
}

/// The dense layer applied to each output hidden state.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Head<'a> {
    /// Classification or regression.
    pub kind: HeadKind,
    /// Output rows by the last layer's output width.
    #[serde(borrow)]
    pub dense: Matrix<'a>,
    /// One i32 bias per row, little-endian, in output units.
    #[serde(borrow)]
    pub bias: &'a [u8],
    /// Real value of one output unit.
    pub output_scale: f32,
}

/// A whole network, as stored after the header.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ModelDesc<'a> {
    /// Free text naming the task, such as `echo-whole`.
    #[serde(borrow)]
    pub label: &'a str,
    /// The window length the model was trained on (0: any length).
    pub window: u16,
    /// Input encoding.
    pub input: Input,
    /// The (encoder) LSTM stack.
    #[serde(borrow)]
    pub encoder: Stack<'a>,
    /// How outputs are taken.
    #[serde(borrow)]
    pub outputs: Outputs<'a>,
    /// The dense head.
    #[serde(borrow)]
    pub head: Head<'a>,
}

/// Encodes a model description as a complete model file.
#[cfg(feature = "serialize")]
pub fn to_file_bytes(desc: &ModelDesc<'_>) -> Result<alloc::vec::Vec<u8>, postcard::Error> {
    let mut out = alloc::vec::Vec::from(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let mut out = postcard::to_extend(desc, out)?;
    let crc = CRC32.checksum(&out[HEADER_LEN..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}
