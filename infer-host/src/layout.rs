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
//! - The file stores a matrix's weights in row groups, or column-major for
//!   a one-hot input kernel: [`stored_offset`] (the engine reads with
//!   the same `Matrix::grouped_offset`).

use infer_nostd::format::Matrix;

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
    fn transpose_turns_burn_weights_into_rows() {
        // burn: 2 inputs x 3 outputs.
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(
            transpose(&w, 2, 3, 10.0),
            [10.0, 40.0, 20.0, 50.0, 30.0, 60.0]
        );
    }
}
