//! Weight layout conversions, all in one place: from a training
//! framework's tensors to the float model's rows, and from those rows to
//! the file's order and storage.
//!
//! - burn's `Linear` stores `W` as `[inputs, outputs]` (`y = x W + b`);
//!   the float model holds row-major `[outputs][inputs]`: [`transpose`].
//! - The float model orders an LSTM tensor's `4 * units` rows gate by gate
//!   (input, forget, cell, output); the file unit by unit (row `4 j + g`
//!   is gate `g` of unit `j`, so one row group is one unit's gates):
//!   [`unit_major`] and its inverse [`gate_major`].
//! - A GRU tensor's `3 * units` rows come gate by gate too (reset, update,
//!   new: PyTorch's `weight_ih`); the file puts them in blocks of four
//!   units, padded (row `12 b + 4 g + k` is gate `g` of unit `4 b + k`,
//!   so one row group is one gate of four units): [`file_rows`] and
//!   [`float_rows`] choose by cell; [`file_biases`] and [`float_biases`]
//!   place a GRU's new-gate recurrent biases after the rows'.
//! - The file stores a matrix's weights in row groups, or column-major for
//!   a one-hot input kernel: [`stored_offset`] (the engine reads with
//!   the same `Matrix::grouped_offset`).

use infer_nostd::format::{Cell, Matrix};

/// A `[inputs][outputs]` matrix (burn's `Linear` weight) as row-major
/// `[outputs][inputs]`, each value times `scale`.
pub fn transpose(w: &[f32], inputs: usize, outputs: usize, scale: f32) -> Vec<f32> {
    let mut rows = vec![0.0; inputs * outputs];
    for i in 0..inputs {
        for o in 0..outputs {
            rows[o * inputs + i] = w.get(i * outputs + o).copied().unwrap_or(0.0) * scale;
        }
    }
    rows
}

/// The `4 * units` rows of `cols` values of an LSTM tensor, gate by gate
/// (the float model's order), reordered unit by unit (the file's).
pub fn unit_major(w: &[f32], units: usize, cols: usize) -> Vec<f32> {
    reorder_rows(w, 4 * units, cols, |r| (r % 4) * units + r / 4)
}

/// The inverse of [`unit_major`]: the file's rows back in the float
/// model's gate-by-gate order.
pub fn gate_major(w: &[f32], units: usize, cols: usize) -> Vec<f32> {
    reorder_rows(w, 4 * units, cols, |r| {
        4 * (r % units.max(1)) + r / units.max(1)
    })
}

/// The rows of `cols` values of a `cell` tensor of `units` units, gate by
/// gate (the float model's order), in the file's order and row count.
pub fn file_rows(cell: Cell, w: &[f32], units: usize, cols: usize) -> Vec<f32> {
    match cell {
        Cell::Lstm => unit_major(w, units, cols),
        Cell::Gru => permute(w, cell.gate_rows(units), cols, |r| {
            let (b, g, k) = (r / 12, r % 12 / 4, r % 4);
            let j = 4 * b + k;
            (j < units).then_some(g * units + j)
        }),
    }
}

/// The inverse of [`file_rows`]: a `cell` tensor's file rows back in the
/// float model's order (a GRU's padding rows left out).
pub fn float_rows(cell: Cell, w: &[f32], units: usize, cols: usize) -> Vec<f32> {
    match cell {
        Cell::Lstm => gate_major(w, units, cols),
        Cell::Gru => permute(w, 3 * units, cols, |r| {
            let (g, j) = (r / units.max(1), r % units.max(1));
            Some(12 * (j / 4) + 4 * g + j % 4)
        }),
    }
}

/// A direction's `4 * units` float biases (a GRU's: the three gates', then
/// the new gate's recurrent `b_hn`) in the file's order: one per file row,
/// then for a GRU `b_hn` unit by unit, padded like the rows.
pub fn file_biases(cell: Cell, b: &[f32], units: usize) -> Vec<f32> {
    match cell {
        Cell::Lstm => unit_major(b, units, 1),
        Cell::Gru => {
            let (rows, hn) = b.split_at((3 * units).min(b.len()));
            let mut out = file_rows(cell, rows, units, 1);
            out.extend(hn.iter().copied());
            out.resize(cell.biases(units), 0.0);
            out
        }
    }
}

/// The inverse of [`file_biases`].
pub fn float_biases(cell: Cell, b: &[f32], units: usize) -> Vec<f32> {
    match cell {
        Cell::Lstm => gate_major(b, units, 1),
        Cell::Gru => {
            let (rows, hn) = b.split_at(cell.gate_rows(units).min(b.len()));
            let mut out = float_rows(cell, rows, units, 1);
            out.extend(hn.iter().take(units).copied());
            out
        }
    }
}

/// `rows` rows of `cols` values, row `r` being row `from(r)` of `w`, or
/// zeros where `from` gives none.
fn permute(w: &[f32], rows: usize, cols: usize, from: impl Fn(usize) -> Option<usize>) -> Vec<f32> {
    (0..rows)
        .flat_map(|r| {
            let row = from(r).and_then(|f| w.get(f * cols..(f + 1) * cols));
            (0..cols).map(move |k| row.map_or(0.0, |row| row[k]))
        })
        .collect()
}

/// The `rows` rows of `cols` values of `w` reordered: row `r` of the
/// result is row `from(r)` of `w`.
fn reorder_rows(w: &[f32], rows: usize, cols: usize, from: impl Fn(usize) -> usize) -> Vec<f32> {
    (0..rows)
        .flat_map(|r| {
            let at = from(r) * cols;
            w.get(at..at + cols).unwrap_or(&[]).iter().copied()
        })
        .collect()
}

/// Where weight `k` of row `r` of `shape` is stored in its values: in row
/// groups, or with `column_major` one column after another.
pub fn stored_offset(shape: &Matrix, r: usize, k: usize, column_major: bool) -> usize {
    if column_major {
        (k * shape.rows as usize + r) * shape.precision.bytes()
    } else {
        shape.grouped_offset(r, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_order_round_trips_and_groups_a_unit() {
        let units = 3;
        // Row r of the float model holds r in every column.
        let w: Vec<f32> = (0..4 * units).flat_map(|r| [r as f32; 2]).collect();
        let file = unit_major(&w, units, 2);
        // File row 4j+g is float row g*units+j.
        assert_eq!(file[2 * (4 + 1)], (units + 1) as f32);
        assert_eq!(gate_major(&file, units, 2), w);
    }

    #[test]
    fn gru_rows_come_in_blocks_of_four_units_and_round_trip() {
        let units = 5;
        let w: Vec<f32> = (0..3 * units).map(|r| r as f32 + 1.0).collect();
        let file = file_rows(Cell::Gru, &w, units, 1);
        // Two blocks: 24 rows, the second block's units 5..8 padding.
        assert_eq!(file.len(), 24);
        // Row 12 b + 4 g + k is gate g of unit 4 b + k (float row g u + j).
        assert_eq!(file[4 + 2], (units + 2) as f32 + 1.0);
        assert_eq!(file[12 + 8], (2 * units + 4) as f32 + 1.0);
        assert_eq!(file[12 + 1], 0.0, "unit 5 is padding");
        assert_eq!(float_rows(Cell::Gru, &file, units, 1), w);
        let b: Vec<f32> = (0..4 * units).map(|r| r as f32).collect();
        let fb = file_biases(Cell::Gru, &b, units);
        assert_eq!(fb.len(), 32);
        assert_eq!(fb[24..29], b[15..20]);
        assert_eq!(float_biases(Cell::Gru, &fb, units), b);
        assert_eq!(
            float_biases(Cell::Lstm, &file_biases(Cell::Lstm, &b, units), units),
            b
        );
    }

    #[test]
    fn transpose_turns_burn_weights_into_rows() {
        // burn: 2 inputs x 3 outputs.
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(
            transpose(&w, 2, 3, 10.0),
            [10.0, 40.0, 20.0, 50.0, 30.0, 60.0]
        );
    }
}
