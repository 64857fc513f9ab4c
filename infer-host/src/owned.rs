//! Owned builders of the format's file views: each owns its bytes and
//! lends them as the borrowed type the writer encodes ([`OwnedMatrix::view`]
//! is a [`Matrix`], and so on). The quantiser builds them from float
//! weights; tests build them from chosen bytes.

use infer_nostd::format::{
    Cell, CellActivation, DirectionWeights, Matrix, Precision, RecurrentLayer,
};

/// A matrix that owns its bytes (see [`Matrix`] for their layout).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedMatrix {
    /// Output rows.
    pub rows: u16,
    /// Inputs per row.
    pub cols: u16,
    /// How each weight is stored.
    pub precision: Precision,
    /// The stored weights (row groups, or column-major for a one-hot input kernel).
    pub values: Vec<u8>,
    /// One little-endian i32 multiplier per stored row.
    pub multipliers: Vec<u8>,
    /// One shift per stored row.
    pub shifts: Vec<u8>,
}

impl OwnedMatrix {
    /// The format's view of this matrix (no alignment: the writer adds it).
    pub fn view(&self) -> Matrix<'_> {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            precision: self.precision,
            align: &[],
            values: &self.values,
            multipliers: &self.multipliers,
            shifts: &self.shifts,
        }
    }
}

/// One direction's weights, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedDirection {
    /// Input kernel.
    pub input: OwnedMatrix,
    /// Recurrent kernel.
    pub recurrent: OwnedMatrix,
    /// `4 * units` little-endian i32 biases.
    pub bias: Vec<u8>,
}

impl OwnedDirection {
    /// The format's view of these weights.
    pub fn view(&self) -> DirectionWeights<'_> {
        DirectionWeights {
            input: self.input.view(),
            recurrent: self.recurrent.view(),
            bias: &self.bias,
        }
    }
}

/// One recurrent layer, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedLayer {
    /// LSTM or GRU.
    pub cell: Cell,
    /// Units per direction.
    pub units: u16,
    /// Candidate and cell-output activation.
    pub activation: CellActivation,
    /// Fraction bits of the cell state.
    pub cell_frac: u8,
    /// The forward direction.
    pub forward: OwnedDirection,
    /// The backward direction of a bidirectional layer.
    pub backward: Option<OwnedDirection>,
}

impl OwnedLayer {
    /// The format's view of this layer.
    pub fn view(&self) -> RecurrentLayer<'_> {
        RecurrentLayer {
            cell: self.cell,
            units: self.units,
            activation: self.activation,
            cell_frac: self.cell_frac,
            forward: self.forward.view(),
            backward: self.backward.as_ref().map(OwnedDirection::view),
        }
    }

    /// Width of the layer's output (both directions).
    pub fn width(&self) -> usize {
        self.units as usize * (1 + self.backward.is_some() as usize)
    }
}
