//! Quantising one float matrix: symmetric per-row scales, and each row's
//! real requantisation factor as an i32 multiplier and a shift.

use std::vec::Vec;

use crate::layout::stored_offset;
use crate::owned::OwnedMatrix;
use infer_nostd::format::{Precision, MAX_SHIFT};

/// The multiplier and shift with `m / 2^s` closest to `factor`, `m` in
/// [2^30, 2^31) where the shift range allows.
pub fn multiplier(factor: f64) -> Option<(i32, u8)> {
    if !(factor.is_finite() && factor >= 0.0) {
        return None;
    }
    if factor == 0.0 {
        return Some((0, 0));
    }
    let exp = libm::floor(libm::log2(factor)) as i32;
    let mut shift = (30 - exp).clamp(0, MAX_SHIFT as i32);
    let mut m = libm::round(factor * libm::pow(2.0, shift as f64));
    if m >= 2_147_483_648.0 {
        if shift == 0 {
            return None;
        }
        m = libm::round(m / 2.0);
        shift -= 1;
    }
    Some((m as i32, shift as u8))
}

/// Quantises a row-major `rows x cols` matrix. Row `r`'s requantisation
/// maps `sum(w_q * x_q)` to output units, for inputs of real scale
/// `in_scale` and outputs of real scale `out_scale(r)`. The values are
/// stored in row groups, or with `column_major` one column after another
/// (one-hot input kernels): see [`crate::format`].
pub fn quantise_matrix(
    w: &[f32],
    rows: usize,
    cols: usize,
    precision: Precision,
    in_scale: f64,
    out_scale: impl Fn(usize) -> f64,
    column_major: bool,
) -> Option<OwnedMatrix> {
    let qmax = match precision {
        Precision::Int8 => i8::MAX as f64,
        Precision::Int16 => i16::MAX as f64,
    };
    let mut matrix = OwnedMatrix {
        rows: u16::try_from(rows).ok()?,
        cols: u16::try_from(cols).ok()?,
        precision,
        values: Vec::new(),
        multipliers: Vec::new(),
        shifts: Vec::new(),
    };
    let shape = matrix.view();
    let stored_rows = 4 * shape.groups();
    let bytes = precision.bytes();
    let mut values =
        std::vec![0u8; if column_major { rows * cols * bytes } else { shape.grouped_len() }];
    let mut multipliers = std::vec![0u8; 4 * stored_rows];
    let mut shifts = std::vec![0u8; stored_rows];
    for r in 0..rows {
        let row = w.get(r * cols..(r + 1) * cols)?;
        let max = row.iter().fold(0.0f64, |a, &v| a.max(v.abs() as f64));
        let scale = if max > 0.0 { max / qmax } else { 1.0 };
        for (k, &v) in row.iter().enumerate() {
            let q = libm::round(v as f64 / scale).clamp(-qmax, qmax) as i16;
            let at = stored_offset(&shape, r, k, column_major);
            values[at..at + bytes].copy_from_slice(&q.to_le_bytes()[..bytes]);
        }
        let (m, s) = multiplier(scale * in_scale / out_scale(r))?;
        multipliers[4 * r..4 * r + 4].copy_from_slice(&m.to_le_bytes());
        shifts[r] = s;
    }
    matrix.values = values;
    matrix.multipliers = multipliers;
    matrix.shifts = shifts;
    Some(matrix)
}

/// Quantises biases to i32 output units of real scale `out_scale(r)`.
pub fn quantise_bias(b: &[f32], out_scale: impl Fn(usize) -> f64) -> Vec<u8> {
    b.iter()
        .enumerate()
        .flat_map(|(r, &v)| {
            let q =
                libm::round(v as f64 / out_scale(r)).clamp(i32::MIN as f64, i32::MAX as f64) as i32;
            q.to_le_bytes()
        })
        .collect()
}
